// The firmware's linear memory (issue 14): at most FIRMWARE_MAX_PAGES pages
// declared (initial = maximum), and everything it uses inside them — data
// segments, zero-initialized statics (the fixed-base table, frame buffers,
// the onion-message packet store), with FIRMWARE_STACK_RESERVE bytes left
// free at the top. The layout is read from the module itself; the reserve is
// painted before the deepest requests and must come back untouched
// (docs/firmware.md "Memory map").
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { FIRMWARE_WASM } from '../host/paths.js';
import { FIRMWARE_MAX_PAGES, FIRMWARE_STACK_RESERVE } from '../shared/firmware-abi.js';
import { loadFirmware } from '../host/firmware/load.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { encodeProvision } from '../host/device-client/requests.js';
import { decodeOnionMessageReply, encodeBlindedPathRequest, encodeOnionMessageRead, encodeOnionMessageRequest } from '../host/device-client/blinding-requests.js';
import { decodeBlindedPath } from '../host/blinding/path.js';
import { secp } from '../host/crypto/noble.js';
import * as P from '../shared/protocol.js';
import { chipCall, powerUp, type Chip } from './helpers/chip.js';
import { failureAt, hopPrivs, hopSecrets, invoice, offerRecs, payPayload, request, route } from './helpers/payer.js';
import { HSM_SECRET } from './helpers/merchant.js';
import { decodePayInvoiceReply, encodePayFailed } from '../host/device-client/payer-requests.js';
import { ascii, cat, rec } from './helpers/bytes.js';

const PAGE = 65536;
const wasm = readFileSync(FIRMWARE_WASM);

/** Memory section, data segments and globals of a wasm binary (MVP encodings). */
function readLayout(b: Uint8Array) {
  let p = 8;
  const u = (): number => { let r = 0, s = 0, x; do { x = b[p++]; r += (x & 0x7f) * 2 ** s; s += 7; } while (x & 0x80); return r; };
  const constExpr = (): number | null => { // i32.const v end, or anything else (null)
    const op = b[p++];
    let v: number | null = null;
    if (op === 0x41) { let r = 0, s = 0, x; do { x = b[p++]; r |= (x & 0x7f) << s; s += 7; } while (x & 0x80); v = s < 32 && (x & 0x40) ? r | (-1 << s) : r; }
    else if (op === 0x23) u(); else if (op === 0x42) { while (b[p++] & 0x80); } else if (op === 0x43) p += 4; else if (op === 0x44) p += 8;
    expect(b[p++]).toBe(0x0b);
    return v;
  };
  const mem: { min: number; max?: number }[] = [];
  const segments: { offset: number; size: number }[] = [];
  const globals: { type: number; mutable: boolean; init: number | null }[] = [];
  while (p < b.length) {
    const id = b[p++];
    const len = u();
    const end = p + len;
    if (id === 5) {
      for (let n = u(); n > 0; n--) { const flags = u(); const min = u(); mem.push(flags & 1 ? { min, max: u() } : { min }); }
    } else if (id === 6) {
      for (let n = u(); n > 0; n--) { const type = b[p++]; const mutable = b[p++] === 1; globals.push({ type, mutable, init: constExpr() }); }
    } else if (id === 11) {
      for (let n = u(); n > 0; n--) {
        expect(u()).toBe(0); // active, memory 0 (MVP)
        const offset = constExpr();
        expect(offset).not.toBeNull();
        const size = u();
        segments.push({ offset: offset! >>> 0, size });
        p += size;
      }
    }
    p = end;
  }
  return { mem, segments, globals };
}

const layout = readLayout(wasm);
const fw = loadFirmware();
const staticEnd = (fw.exports.fw_static_end as () => number)() >>> 0;
const LIMIT = FIRMWARE_MAX_PAGES * PAGE;

describe('linear memory layout (read from firmware.wasm)', () => {
  it(`declares one memory of ${FIRMWARE_MAX_PAGES} pages, initial = maximum`, () => {
    expect(layout.mem).toEqual([{ min: FIRMWARE_MAX_PAGES, max: FIRMWARE_MAX_PAGES }]);
    expect(fw.memory.buffer.byteLength).toBe(LIMIT);
  });

  it(`the static area ends at least FIRMWARE_STACK_RESERVE (${FIRMWARE_STACK_RESERVE}) bytes below ${LIMIT}`, () => {
    expect(staticEnd).toBeGreaterThan(64 * 1024); // the real static end, not a placeholder
    expect(staticEnd + FIRMWARE_STACK_RESERVE).toBeLessThanOrEqual(LIMIT);
    const dataEnd = Math.max(...layout.segments.map((s) => s.offset + s.size));
    expect(layout.segments.length).toBeGreaterThan(10);
    expect(dataEnd).toBeLessThanOrEqual(staticEnd);
  });

  it('keeps no stack pointer in linear memory (no i32 global pointing above the static area)', () => {
    // A shadow stack (AssemblyScript's __stack_pointer, or a C toolchain's) is a
    // mutable i32 global initialized to the top of its area.
    const pointers = layout.globals.filter((g) => g.type === 0x7f && g.mutable && g.init !== null && (g.init >>> 0) >= staticEnd && (g.init >>> 0) <= LIMIT);
    expect(pointers).toEqual([]);
  });
});

describe('the reserve above the static area stays untouched on the deepest requests', () => {
  const PAINT = 0xa5;
  let chip: Chip;
  beforeAll(() => {
    chip = powerUp(new MemoryFlash());
    const f = chip.request(P.MSG_PROVISION, encodeProvision({ hsmSecret: sha256(ascii('memory chip')) }));
    expect(f.type).toBe(P.MSG_PROVISION | P.MSG_REPLY);
  });
  const mem = () => new Uint8Array(chip.fw.memory.buffer);
  const paint = () => mem().fill(PAINT, staticEnd, LIMIT);
  /** Bytes written between the static end and the end of memory (the high-water mark of anything there). */
  const used = () => { const m = mem(); let i = staticEnd; while (i < LIMIT && m[i] === PAINT) i++; return LIMIT - i; };

  it('self-test (every known-answer test, first use of the fixed-base table)', () => {
    paint();
    expect(chip.fw.exports.selftest()).toBe(0);
    expect(used()).toBe(0);
  });

  it('onion_message with a 32834-byte packet read out, over 10 hops of their path', () => {
    const nodes = Array.from({ length: 10 }, (_, i) => secp.getPublicKey(sha256(ascii(`memory node ${i}`)), true));
    const tlvs = nodes.map((_, i) => (i < nodes.length - 1 ? rec(4, nodes[i + 1]) : rec(6, sha256(ascii('memory path')))));
    paint();
    const bp = chip.request(P.MSG_BLINDED_PATH, encodeBlindedPathRequest({ hops: nodes.map((n, i) => ({ nodeId: n, tlv: tlvs[i] })) }));
    expect(bp.type).toBe(P.MSG_BLINDED_PATH | P.MSG_REPLY);
    const path = decodeBlindedPath(bp.payload);
    const om = chip.request(P.MSG_ONION_MESSAGE, encodeOnionMessageRequest({
      ourRoute: nodes.slice(0, 3), path, finalPayload: cat(rec(64, new Uint8Array(6000).fill(3))),
    }));
    expect(om.type).toBe(P.MSG_ONION_MESSAGE | P.MSG_REPLY);
    const r = decodeOnionMessageReply(om.payload);
    expect(r.total).toBe(32834);
    for (let off = r.chunk.length; off < r.total;) {
      const c = chip.request(P.MSG_ONION_MESSAGE_READ, encodeOnionMessageRead(off));
      expect(c.type).toBe(P.MSG_ONION_MESSAGE_READ | P.MSG_REPLY);
      off += c.payload.length;
    }
    expect(used()).toBe(0);
  });

  it('merkle root of the largest TLV stream (the most records: the deepest merkle stack)', () => {
    const e = chip.fw.exports;
    const max = Math.min((e.bolt12_max_message as () => number)() >>> 0, chip.fw.ioSize - 64);
    const recs: number[] = [];
    for (let t = 1; ; t++) { // records type t, one value byte, types strictly increasing
      const r = t < 0xfd ? [t, 1, 7] : [0xfd, t >> 8, t & 0xff, 1, 7];
      if (recs.length + r.length > max) break;
      recs.push(...r);
    }
    chip.fw.write(chip.fw.io, Uint8Array.from(recs));
    paint();
    expect(e.bolt12_merkle_root(chip.fw.io, recs.length, chip.fw.io + chip.fw.ioSize - 32)).toBe(0);
    expect(used()).toBe(0);
  });

  it('pay_invoice (two BIP-340 verifications, the payer key, the onion, two flash commits), then pay_failed', () => {
    // A chip with the payer helpers' secret (their requests use its payer keys).
    chip = powerUp(new MemoryFlash());
    const call = (type: number, payload: Uint8Array) => chipCall(chip, type, payload);
    call(P.MSG_PROVISION, encodeProvision({ hsmSecret: HSM_SECRET }));
    const req = request(call, offerRecs(4000n));
    const inv = invoice(req, 4000n);
    const r = route(inv.path, 4000n);
    paint();
    const built = decodePayInvoiceReply(call(P.MSG_PAY_INVOICE, payPayload(inv, req, r)));
    expect(used()).toBe(0);
    const fail = failureAt(hopSecrets(built.onion, hopPrivs(inv.path), inv.paymentHash), 1, Uint8Array.of(0x10, 0x07));
    const part = { invoice: inv.tlv, invreqSignature: req.signature, partId: 0n, firstHopAmountMsat: r.firstAmountMsat, hops: r.hops };
    paint();
    expect(call(P.MSG_PAY_FAILED, encodePayFailed(part, fail))).toEqual(Uint8Array.of(1, 2, 0, 0x10, 0x07));
    expect(used()).toBe(0);
  });

  it('onion_create of 27 hops (the most Sphinx allows) through the chip interface', () => {
    const e = chip.fw.exports;
    const io = chip.fw.io;
    const hops = Array.from({ length: P.ONION_MAX_HOPS }, (_, i) => cat(secp.getPublicKey(sha256(ascii(`hop ${i}`)), true), Uint8Array.of(10), new Uint8Array(10).fill(i))); // 27 x (1 + 10 + 32) <= 1300
    const hopBytes = cat(...hops);
    const pAssoc = io + hopBytes.length, pSess = pAssoc + 32, pOut = pSess + 32, pSs = pOut + 1366;
    chip.fw.write(io, hopBytes);
    chip.fw.write(pAssoc, new Uint8Array(32).fill(9));
    chip.fw.write(pSess, sha256(ascii('memory session')));
    paint();
    expect(e.onion_create(io, hopBytes.length, hops.length, pAssoc, 32, pSess, 1300, pOut, pSs)).toBe(0);
    expect(used()).toBe(0);
  });
});
