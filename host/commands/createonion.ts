// createonion hops assocdata [session_key] [onion_size] (cln-rpc-digest §6):
// the device builds the Sphinx packet (build_onion in createonion mode; the
// host never builds onions); with session_key given the result is
// deterministic (onion-test.json). Like lightningd's, it only builds: no
// spending policy applies, nothing is sent.
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req, type ParamParser } from '../rpc/params.js';
import { pU32 } from '../rpc/param-types.js';
import { pHex, pSecret } from '../payments/route.js';
import { requireDevice, type CommandContext } from './context.js';
import { deviceRefusal } from '../payments/engine.js';

interface CreateHop { pubkey: string; payload: string }

const pHops: ParamParser<CreateHop[]> = (tok, name) => {
  if (tok.type !== 'array') return bad(name, 'must be an array', tok);
  return tok.items.map((h, i) => {
    if (h.type !== 'object') return bad(`${name}[${i}]`, 'must be an object', h);
    const pk = h.members.find((m) => m.key.value === 'pubkey')?.value;
    const pl = h.members.find((m) => m.key.value === 'payload')?.value;
    if (!pk || pk.type !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(pk.value)) return bad(`${name}[${i}]`, 'pubkey should be a compressed pubkey', pk ?? h);
    if (!pl || pl.type !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(pl.value)) return bad(`${name}[${i}]`, 'payload should be a hex value', pl ?? h);
    return { pubkey: pk.value.toLowerCase(), payload: pl.value.toLowerCase() };
  });
};

/** BigSize length prefix of a createonion payload equals the rest of it. */
function prefixed(payload: Uint8Array): boolean {
  if (payload.length === 0) return false;
  let len: number, off: number;
  const b = payload[0];
  if (b < 0xfd) { len = b; off = 1; }
  else if (b === 0xfd && payload.length >= 3) { len = (payload[1] << 8) | payload[2]; off = 3; }
  else return false;
  return off + len === payload.length;
}

const bytes = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

export const createonion = defineMethod({
  name: 'createonion',
  summary: 'Have the device build a Sphinx onion for the given hops',
  params: {
    hops: req(pHops),
    assocdata: req(pHex),
    session_key: opt(pSecret),
    onion_size: optDef(pU32, 1300),
  },
  async run({ values: p }, ctx: CommandContext) {
    const hops = p.hops.map((h, i) => {
      const payload = bytes(h.payload);
      // CLN createonion: every payload carries its own BigSize length.
      if (!prefixed(payload)) throw new RpcError(ErrorCode.INVALID_PARAMS, `hops[${i}] payload is not prefixed with length!`);
      return { pubkey: bytes(h.pubkey), payload };
    });
    if (hops.length === 0) bad('hops', 'must not be empty');
    // CLN: "Payloads exceed maximum onion packet size." (each hop also takes a 32-byte HMAC).
    if (hops.reduce((n, h) => n + h.payload.length + 32, 0) > p.onion_size) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, 'Payloads exceed maximum onion packet size.');
    }
    const dev = requireDevice(ctx, 'the device builds onions');
    const create = dev.signer.createOnion?.bind(dev.signer);
    if (!create) throw new RpcError(ErrorCode.LIGHTNINGD, 'The signing device cannot build onions (firmware without build_onion)');
    let r;
    try {
      r = await create({
        hops, assocData: bytes(p.assocdata), sessionKey: p.session_key ? bytes(p.session_key) : undefined, onionSize: p.onion_size,
      });
    } catch (e) {
      throw deviceRefusal(e);
    }
    return { onion: Buffer.from(r.onion).toString('hex'), shared_secrets: r.sharedSecrets.map((s) => Buffer.from(s).toString('hex')) };
  },
});
