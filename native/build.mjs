#!/usr/bin/env node
// `npm run build:native [-- --target host|m4|all]` (docs/native.md): translates
// build/firmware.wasm to C with wasm2c and compiles it with the board layer of
// native/ for the host (x86-64, gcc) and the Cortex-M4 (arm-none-eabi-gcc),
// into build/native/ (gitignored). Needs `npm run build` first (the module and
// build/js for the generated constants and benchmark inputs) and Debian's
// wabt, gcc, gcc-arm-none-eabi, libnewlib-arm-none-eabi.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nat = join(root, 'native');
const out = join(root, 'build', 'native');
const gen = join(out, 'gen');
const wasmPath = join(root, 'build', 'firmware.wasm');
const args = process.argv.slice(2);
const ti = args.indexOf('--target');
const target = ti >= 0 ? args[ti + 1] : 'all';
if (!['host', 'm4', 'all'].includes(target)) fail('--target host|m4|all');

function fail(msg) {
  console.error(`build:native: ${msg}`);
  process.exit(1);
}

function need(tool, pkg) {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
  } catch {
    fail(`${tool} not found: apt-get install ${pkg}`);
  }
}

/** Why the board layer does not fit the module, or undefined: the module may
 *  import only FIRMWARE_IMPORTS, and board/imports.c (source text) must
 *  define a Z_envZ_<name> function for every one of them. */
export function importProblem(moduleImports, abiImports, importsC) {
  const board = new Set([...importsC.matchAll(/^\S.*\bZ_envZ_(\w+)\s*\(struct Z_env_instance_t/gm)].map((m) => `env.${m[1]}`));
  const extra = moduleImports.filter((i) => !abiImports.includes(i));
  if (extra.length) return `firmware.wasm imports ${extra.join(', ')}, not in shared/firmware-abi.ts FIRMWARE_IMPORTS`;
  const missing = abiImports.filter((i) => !board.has(i));
  if (missing.length) return `native/board/imports.c has no function for ${missing.join(', ')} (shared/firmware-abi.ts FIRMWARE_IMPORTS): add one Z_envZ_<name> function per import`;
  return undefined;
}

/** The first `tool` on PATH outside node_modules. */
function systemTool(tool, pkg) {
  for (const d of (process.env.PATH ?? '').split(':')) {
    if (!d || d.includes('node_modules')) continue;
    if (existsSync(join(d, tool))) return join(d, tool);
  }
  fail(`${tool} not found: apt-get install ${pkg}`);
}

/** Imports ("module.name") and declared memory pages of a wasm module. */
export function readModule(bytes) {
  let p = 8;
  const u = () => {
    let r = 0, s = 0, b;
    do { b = bytes[p++]; r |= (b & 0x7f) << s; s += 7; } while (b & 0x80);
    return r >>> 0;
  };
  const name = () => { const n = u(); const s = Buffer.from(bytes.subarray(p, p + n)).toString('utf8'); p += n; return s; };
  const imports = [];
  let pages;
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = u();
    const end = p + size;
    if (id === 2) {
      for (let n = u(); n > 0; n--) {
        const m = name(), f = name(), kind = bytes[p++];
        if (kind === 0) { u(); imports.push(`${m}.${f}`); }
        else fail(`import ${m}.${f} is not a function (kind ${kind}): the board layer only provides functions`);
      }
    } else if (id === 5) {
      u();
      const flags = u();
      pages = u();
      if (flags & 1) { const max = u(); if (max !== pages) fail(`memory max ${max} != initial ${pages}`); }
    }
    p = end;
  }
  return { imports, pages };
}

async function main() {
  if (!existsSync(wasmPath) || !existsSync(join(root, 'build/js/shared/firmware-abi.js'))) fail('run `npm run build` first');
  // Debian's wasm2c, matching its runtime headers (npm's wabt package, first on
  // npm's PATH, is another version with other names).
  const wasm2c = systemTool('wasm2c', 'wabt');
  if (target !== 'm4') need('gcc', 'gcc');
  if (target !== 'host') need('arm-none-eabi-gcc', 'gcc-arm-none-eabi libnewlib-arm-none-eabi');
  // Debian puts wasm-rt.h in /usr/include and both headers in /usr/src/wasm2c;
  // they are copied next to the generated C (the M4 build must not see /usr/include).
  const rtDir = ['/usr/src/wasm2c', '/usr/share/wabt/wasm2c'].find((d) => existsSync(join(d, 'wasm-rt-impl.h')));
  const rtHdr = ['/usr/src/wasm2c', '/usr/include'].map((d) => join(d, 'wasm-rt.h')).find((f) => existsSync(f));
  if (!rtDir || !rtHdr) fail('wasm2c runtime headers (wasm-rt.h, wasm-rt-impl.h) not found: apt-get install wabt');
  mkdirSync(gen, { recursive: true });
  copyFileSync(rtHdr, join(gen, 'wasm-rt.h'));
  copyFileSync(join(rtDir, 'wasm-rt-impl.h'), join(gen, 'wasm-rt-impl.h'));
  const wasm = readFileSync(wasmPath);
  const { imports, pages } = readModule(wasm);

  // The import list is the ABI's: the module may import only FIRMWARE_IMPORTS,
  // and the board layer (board/imports.c) must define every one of them.
  const { FIRMWARE_IMPORTS } = await import(pathToFileURL(join(root, 'build/js/shared/firmware-abi.js')).href);
  const problem = importProblem(imports, FIRMWARE_IMPORTS, readFileSync(join(nat, 'board/imports.c'), 'utf8'));
  if (problem) fail(problem);

  await writeConsts();
  await writeBenchInputs();
  execFileSync(wasm2c, [wasmPath, '-o', join(gen, 'firmware.c')], { stdio: 'inherit' });
  constantMemorySize(join(gen, 'firmware.c'), pages);
  const sha = createHash('sha256').update(wasm).digest('hex');

  const common = ['-O2', '-std=gnu11', '-Wall', '-Wno-unused-function', '-Wno-unused-variable', '-Wno-unused-but-set-variable', '-Wno-unused-value',
    `-I${gen}`, `-I${join(nat, 'board')}`,
    '-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0', `-DFW_MEM_PAGES=${pages}`,
    // Extra flags for experiments (docs/native.md), e.g. NATIVE_CFLAGS=-O3.
    ...(process.env.NATIVE_CFLAGS ?? '').split(/\s+/).filter(Boolean)];
  const boardSrc = ['board/fw.c', 'board/imports.c', 'board/flash-ram.c', 'board/bench.c', 'runtime/wasm-rt-static.c'].map((f) => join(nat, f));
  const jobs = [];
  const t0 = Date.now();
  if (target !== 'm4') {
    mkdirSync(join(out, 'host'), { recursive: true });
    jobs.push(run('gcc', [...common, '-o', join(out, 'host/lnsigner-native'), join(gen, 'firmware.c'), ...boardSrc, join(nat, 'board/host.c')])
      .then(() => writeFileSync(join(out, 'host/firmware.sha256'), sha + '\n')));
  }
  if (target !== 'host') {
    mkdirSync(join(out, 'm4'), { recursive: true });
    const elf = join(out, 'm4/lnsigner-m4.elf');
    jobs.push(run('arm-none-eabi-gcc', [...common, '-mcpu=cortex-m4', '-mthumb', '-mfloat-abi=soft',
      '-DNDEBUG', '-ffunction-sections', '-fdata-sections', '--specs=nano.specs', '-nostartfiles',
      `-T${join(nat, 'm4/mps2-an386.ld')}`, '-Wl,--gc-sections', `-Wl,-Map=${join(out, 'm4/lnsigner-m4.map')}`,
      '-o', elf, join(gen, 'firmware.c'), ...boardSrc, join(nat, 'm4/main.c'), join(nat, 'm4/startup.c'), join(nat, 'm4/syscalls.c')])
      .then(() => {
        writeFileSync(join(out, 'm4/firmware.sha256'), sha + '\n');
        const sizes = m4Sizes(elf, pages);
        writeFileSync(join(out, 'm4/sizes.json'), JSON.stringify(sizes, null, 2) + '\n');
        const k = (n) => `${(n / 1024).toFixed(1)} KiB`;
        console.log(`Cortex-M4 image: flash ${k(sizes.flash)} (text ${k(sizes.text)} + rodata ${k(sizes.rodata)} + data ${k(sizes.data)}), ` +
          `RAM ${k(sizes.ram)} (data ${k(sizes.data)} + bss ${k(sizes.bss - sizes.linearMemory)} + linear memory ${k(sizes.linearMemory)} + stack ${k(sizes.stack)}); ` +
          `flash stand-in in RAM ${k(sizes.flashStandin)} (bench/self-test build only)`);
      }));
  }
  await Promise.all(jobs);
  console.log(`build:native: ${target} built from firmware.wasm ${sha.slice(0, 16)}... (${pages} pages) in ${((Date.now() - t0) / 1000).toFixed(1)} s → build/native/`);
}

function run(cmd, argv) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, argv, { stdio: 'inherit' });
    p.on('error', reject);
    p.on('exit', (c) => (c === 0 ? resolve() : reject(new Error(`${cmd} exited with ${c}`))));
  });
}

/** Section sizes of the M4 ELF (arm-none-eabi-size -A). */
function m4Sizes(elf, pages) {
  const txt = execFileSync('arm-none-eabi-size', ['-A', elf], { encoding: 'utf8' });
  const sec = Object.fromEntries([...txt.matchAll(/^(\.\S+)\s+(\d+)\s+(\d+)/gm)].map((m) => [m[1], Number(m[2])]));
  const text = (sec['.text'] ?? 0) + (sec['.ARM.exidx'] ?? 0), rodata = sec['.rodata'] ?? 0, data = sec['.data'] ?? 0;
  const bss = sec['.bss'] ?? 0, stack = sec['.stack'] ?? 0, linearMemory = pages * 65536;
  return { text, rodata, data, bss, stack, linearMemory, flashStandin: sec['.flash_standin'] ?? 0,
    flash: text + rodata + data, ram: data + bss + stack };
}

async function writeConsts() {
  const b = await import(pathToFileURL(join(root, 'build/js/shared/board.js')).href);
  const lines = ['// Generated by native/build.mjs from shared/board.ts: do not edit.', '#pragma once'];
  for (const [k, v] of Object.entries(b)) if (typeof v === 'number' && Number.isInteger(v)) lines.push(`#define ${k} ${v}u`);
  writeFileSync(join(gen, 'board-consts.h'), lines.join('\n') + '\n');
}

/** Benchmark inputs (a pool of keys, messages, session keys; an
 *  invoice_request; 1/5/20-hop routes) and the V8 build's outputs for them. */
async function writeBenchInputs() {
  const imp = (p) => import(pathToFileURL(join(root, 'build/js', p)).href);
  const { loadFirmware } = await imp('host/firmware/load.js');
  const { encodeHopPayload, withLength } = await imp('host/onion/payload.js');
  const { BOLT12_KIND_INVOICE_REQUEST } = await imp('shared/bolt12-limits.js');
  const { secp } = await imp('host/crypto/noble.js');
  const { bech32 } = await import('@scure/base');
  const fw = loadFirmware(wasmPath);
  const E = fw.exports, io = fw.io;
  const h = (...b) => new Uint8Array(createHash('sha256').update(Uint8Array.from(b)).digest());
  const POOL = 4;
  const pool = (tag) => Array.from({ length: POOL }, (_, i) => h(tag, i));
  const sk = pool(1), aux = pool(2), msg = pool(3), sd = Array.from({ length: POOL }, (_, i) => Buffer.concat([h(5, i), h(6, i)]));
  const peer = pool(4).map((k) => secp.getPublicKey(k, true)), session = pool(7);
  const call = (inputs, f, outAt, outLen) => {
    let at = io;
    const ptrs = inputs.map((b) => { const p = at; fw.write(p, b); at += b.length; return p; });
    const r = f(...ptrs, at);
    if (r !== 0 && r !== undefined) fail(`V8 reference call failed (${r})`);
    return fw.read(at + (outAt ?? 0), outLen);
  };
  const sig = sk.map((k, i) => call([msg[i], k, aux[i]], (m, s, a, o) => E.bip340_sign(m, 32, s, a, o), 0, 64));
  const xpk = sk.map((k) => call([k], (s, o) => E.secp_xonly_pubkey(s, o), 0, 32));
  const ecdh = sk.map((k, i) => call([k, peer[i]], (s, p, o) => E.secp_ecdh(s, p, o), 0, 32));
  // A typical invoice_request: Core Lightning's, from test/vectors (bech32 without checksum).
  const ALPHA = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
  const lnr = readFileSync(join(root, 'test/vectors/cln-rpc-examples.json'), 'utf8').match(/lnr1[a-z0-9]+/)[0];
  const invreq = Uint8Array.from(bech32.fromWordsUnsafe([...lnr.slice(4)].map((c) => ALPHA.indexOf(c))));
  if (invreq[0] !== 0) fail('the sample invoice_request does not start with invreq_metadata');
  const meta = invreq.subarray(2, 2 + invreq[1]);
  const b12 = sd.map((s) => call([s, meta, invreq], (S, M, T, o) => {
    const r = E.bolt12_sighash(BOLT12_KIND_INVOICE_REQUEST, T, invreq.length, o);
    return r || E.keys_bolt12_sign(S, 64, M, meta.length, o, o + 32);
  }, 32, 64));
  const assoc = h(0xa5);
  const onions = [1, 5, 20].map((n) => {
    const hops = Buffer.concat(Array.from({ length: n }, (_, i) => {
      const final = i === n - 1;
      return Buffer.concat([secp.getPublicKey(h(1, i, 1), true), withLength(encodeHopPayload({
        amountMsat: 100_000n + BigInt(n - i), cltv: 800_000 + 40 * (n - i),
        shortChannelId: final ? undefined : Uint8Array.of(0, 0, 1, 0, 0, 2, 0, i),
        paymentSecret: final ? assoc : undefined,
      }))]);
    }));
    const pkts = session.map((s) => call([hops, assoc, s], (H, A, S, o) => E.onion_create(H, hops.length, n, A, 32, S, 1300, o, o + 1366), 0, 1366));
    return { n, hops, pkts };
  });
  // The deepest serial requests, as the board receives them (the M4 bench runs
  // them and reports the C stack's high-water mark): provisioning, a 10-hop
  // blinded path, an onion message of 3 own hops into it with the largest
  // packet (32834 bytes) and its three reads.
  const P = await imp('shared/protocol.js');
  const { encodeFrame } = await imp('host/transport/codec.js');
  const { encodeProvision } = await imp('host/device-client/requests.js');
  const B = await imp('host/device-client/blinding-requests.js');
  const { decodeBlindedPath } = await imp('host/blinding/path.js');
  const rec = (t, v) => Uint8Array.from([t, ...(v.length < 0xfd ? [v.length] : [0xfd, v.length >> 8, v.length & 0xff]), ...v]);
  const ids = Array.from({ length: 10 }, (_, i) => secp.getPublicKey(h(9, i), true));
  const bpReq = B.encodeBlindedPathRequest({ hops: ids.map((id, i) => ({ nodeId: id, tlv: i < ids.length - 1 ? rec(4, ids[i + 1]) : rec(6, h(10)) })) });
  // The path as the device builds it: its size does not depend on the keys, so
  // the V8 build's path stands in for the M4's in the onion_message request.
  const { MemoryFlash } = await imp('host/emulator/flash.js');
  const { FrameDecoder } = await imp('host/transport/codec.js');
  const { autoPrompt, instantiateFirmware } = await imp('host/firmware/load.js');
  const { BOOT_INFO_SIZE } = await imp('shared/board.js');
  const got = [];
  const dec = new FrameDecoder((f) => got.push(f), () => undefined);
  const chip = instantiateFirmware(readFileSync(wasmPath), { entropy: (b) => b.fill(7), serialWrite: (b) => dec.push(b), flash: new MemoryFlash(), prompt: autoPrompt() });
  chip.write(chip.exports.fw_boot_info_ptr() >>> 0, new Uint8Array(BOOT_INFO_SIZE));
  chip.exports.fw_boot();
  const frames = [];
  const send = (type, payload) => {
    const wire = encodeFrame(type, frames.length + 1, payload);
    got.length = 0;
    const ptr = chip.exports.serial_rx_ptr() >>> 0, cap = chip.exports.serial_rx_cap() >>> 0;
    for (let i = 0; i < wire.length; i += cap) {
      const n = Math.min(cap, wire.length - i);
      chip.write(ptr, wire.subarray(i, i + n));
      chip.exports.serial_rx(n);
    }
    const f = got.find((fr) => fr.id === frames.length + 1);
    if (!f || f.type !== (type | P.MSG_REPLY)) fail(`serial bench input: request 0x${type.toString(16)} refused by the V8 build`);
    frames.push(wire);
    return f.payload;
  };
  send(P.MSG_PROVISION, encodeProvision({ hsmSecret: h(11) }));
  const path = decodeBlindedPath(send(P.MSG_BLINDED_PATH, bpReq));
  const om = B.decodeOnionMessageReply(send(P.MSG_ONION_MESSAGE, B.encodeOnionMessageRequest({
    ourRoute: ids.slice(0, 3), path, finalPayload: rec(64, new Uint8Array(6000).fill(3)) })));
  if (om.total !== 32834) fail('serial bench input: not the largest packet');
  for (let off = om.chunk.length; off < om.total; off += om.chunk.length) send(P.MSG_ONION_MESSAGE_READ, B.encodeOnionMessageRead(off));
  const serial = { bytes: Buffer.concat(frames), replies: frames.length };
  const c = (b) => `{${Array.from(b, (x) => `0x${x.toString(16).padStart(2, '0')}`).join(',')}}`;
  const arr = (name, list, len) => `static const uint8_t ${name}[${list.length}][${len}] = {${list.map(c).join(',\n  ')}};`;
  const L = [
    '// Generated by native/build.mjs: inputs and the V8 build\'s outputs. Do not edit.', '#pragma once', '#include <stdint.h>',
    `#define BENCH_POOL ${POOL}`, '#define BENCH_MAX_OUT 1366', `#define BENCH_KIND_INVREQ ${BOLT12_KIND_INVOICE_REQUEST}`,
    arr('bench_sk', sk, 32), arr('bench_aux', aux, 32), arr('bench_msg', msg, 32), arr('bench_sig', sig, 64),
    arr('bench_xpk', xpk, 32), arr('bench_peer', peer, 33), arr('bench_ecdh', ecdh, 32), arr('bench_sd', sd, 64),
    arr('bench_session', session, 32), arr('bench_bolt12_sig', b12, 64),
    `#define BENCH_INVREQ_LEN ${invreq.length}`, `static const uint8_t bench_invreq[] = ${c(invreq)};`,
    `#define BENCH_INVREQ_META_LEN ${meta.length}`, `static const uint8_t bench_invreq_meta[] = ${c(meta)};`,
    ...onions.map((o, k) => `static const uint8_t bench_hops_${k}[] = ${c(o.hops)};\n${arr(`bench_onion_${k}`, o.pkts, 1366)}`),
    'struct bench_onion { int32_t n; uint32_t hops_len; const uint8_t *hops; const uint8_t *assoc; const uint8_t (*onion)[1366]; };',
    `static const uint8_t bench_assoc[32] = ${c(assoc)};`,
    `#define BENCH_ONIONS ${onions.length}`,
    `#define BENCH_MSG_REPLY ${P.MSG_REPLY}`, `#define BENCH_MSG_ERROR ${P.MSG_ERROR}`,
    `#define BENCH_SERIAL_REPLIES ${serial.replies}`, `#define BENCH_SERIAL_LEN ${serial.bytes.length}`,
    `static const uint8_t bench_serial[] = ${c(serial.bytes)};`,
    `static const struct bench_onion bench_onions[] = {${onions.map((o, k) => `{${o.n}, ${o.hops.length}, bench_hops_${k}, bench_assoc, bench_onion_${k}}`).join(', ')}};`,
  ];
  writeFileSync(join(gen, 'bench-inputs.h'), L.join('\n') + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => fail(e instanceof Error ? e.message : String(e)));
}

// The module's memory never grows (initial = maximum, no memory.grow:
// test/firmware-build.test.ts), so its size is a compile-time constant. wasm2c
// compares every access against mem->size, a load from the instance; compared
// against the constant instead, gcc folds `(u64)addr + offset + len > size` into
// one 32-bit compare of addr with an immediate. Same check, same trap
// (docs/native.md, "Bounds checks"). NATIVE_MEMCHECK=runtime keeps wasm2c's own.
function constantMemorySize(file, pages) {
  if (process.env.NATIVE_MEMCHECK === 'runtime') return;
  const c = readFileSync(file, 'utf8');
  const from = '#define RANGE_CHECK(mem, offset, len)               \\\n  if (UNLIKELY(offset + (uint64_t)len > mem->size)) \\\n';
  const to = `#define RANGE_CHECK(mem, offset, len)               \\\n  if (UNLIKELY(offset + (uint64_t)len > ${pages * 65536}u)) \\\n`;
  if (!c.includes(from)) fail('wasm2c output: RANGE_CHECK not in the expected form (another wasm2c version?)');
  writeFileSync(file, c.replace(from, to));
}
