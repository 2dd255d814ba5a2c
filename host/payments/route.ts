// sendpay's `route` parameter (cln-rpc-digest §5.1, §1.21): an array of hops,
// each ending at a node. Both the old names (id, channel, amount_msat, delay)
// and the v26.06 names (node_id_out, short_channel_id_dir, amount_out_msat,
// cltv_out) are accepted; `msatoshi` is accepted for the amount (the seed's
// name, CLN ≤v23.11). Other members (direction, style, ...) are ignored, as
// CLN HEAD does.
import { parseAmountMsat } from '../grammar/msat.js';
import { rawText, type JsonNode, type JsonObject } from '../rpc/json-scan.js';
import { bad, type ParamParser } from '../rpc/params.js';

export interface Hop {
  /** Node at the end of this hop (33-byte compressed key, hex). */
  id: string;
  /** BLOCKxTXxOUT (any /dir suffix dropped: the direction is ignored). */
  channel: string;
  /** What that node receives on this hop. */
  amountMsat: bigint;
  /** CLTV delta relative to the current height. */
  delay: number;
}

const SCID = /^(\d+)x(\d+)x(\d+)(?:\/[01])?$/;

/** BOLT 7 short_channel_id: 3-byte block, 3-byte tx index, 2-byte output. */
export function scidBytes(scid: string): Uint8Array {
  const m = SCID.exec(scid);
  if (!m) throw new Error(`not a short_channel_id: ${scid}`);
  const [b, t, o] = [BigInt(m[1]), BigInt(m[2]), BigInt(m[3])];
  const v = (b << 40n) | (t << 16n) | o;
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, v);
  return out;
}

function scidText(tok: JsonNode): string | undefined {
  if (tok.type !== 'string') return undefined;
  const m = SCID.exec(tok.value);
  if (!m) return undefined;
  const [b, t, o] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (b >= 1 << 24 || t >= 1 << 24 || o >= 1 << 16) return undefined;
  return `${b}x${t}x${o}`;
}

function numText(tok: JsonNode): string | undefined {
  if (tok.type === 'number') return rawText(tok);
  if (tok.type === 'string') return tok.value;
  return undefined;
}

/** The first member present among `names` (CLN: the new name or the old one). */
function pick(o: JsonObject, names: string[]): JsonNode | undefined {
  for (const n of names) {
    const m = o.members.find((x) => x.key.value === n);
    if (m) return m.value;
  }
  return undefined;
}

export const pRoute: ParamParser<Hop[]> = (tok, name) => {
  // CLN: "must be an array" (empty = self-payment, allowed since v23.08).
  if (tok.type !== 'array') return bad(name, 'must be an array', tok);
  return tok.items.map((h, i) => {
    const where = `${name}[${i}]`;
    if (h.type !== 'object') return bad(where, 'must be an object', h);
    const idT = pick(h, ['node_id_out', 'id']);
    const chT = pick(h, ['short_channel_id_dir', 'channel']);
    const amT = pick(h, ['amount_out_msat', 'amount_msat', 'msatoshi']);
    const dlT = pick(h, ['cltv_out', 'delay']);
    if (!idT) return bad(where, "must have 'node_id_out' (or 'id')", h);
    if (!chT) return bad(where, "must have 'short_channel_id_dir' (or 'channel')", h);
    if (!amT) return bad(where, "must have 'amount_out_msat' (or 'amount_msat')", h);
    if (!dlT) return bad(where, "must have 'cltv_out' (or 'delay')", h);
    if (idT.type !== 'string' || !/^0[23][0-9a-fA-F]{64}$/.test(idT.value)) return bad(where, 'node id should be a node id', idT);
    const channel = scidText(chT) ?? bad(where, 'channel should be a short_channel_id', chT);
    const amText = numText(amT);
    const amountMsat = amText === undefined ? undefined : parseAmountMsat(amText);
    if (amountMsat === undefined) return bad(where, 'amount should be a millisatoshi amount', amT);
    // CLN HEAD: json_to_u32 for the delay (0 accepted).
    const dlText = numText(dlT);
    if (dlText === undefined || !/^[0-9]+$/.test(dlText) || BigInt(dlText) > 0xffffffffn) {
      return bad(where, 'delay should be an unsigned 32 bit integer', dlT);
    }
    return { id: idT.value.toLowerCase(), channel, amountMsat, delay: Number(dlText) };
  });
};

/** CLN decodes hex from the token's raw text, so an all-digit value sent as a
 *  JSON number (lightning-cli does that for `4141…41`) is hex too. */
const hexText = (tok: JsonNode) => (tok.type === 'string' ? tok.value : tok.type === 'number' ? rawText(tok) : undefined);

/** CLN param_secret: 32 bytes of hex ("should be a 32 byte hex value"). */
export const pSecret: ParamParser<string> = (tok, name) => {
  const t = hexText(tok);
  if (t !== undefined && /^[0-9a-fA-F]{64}$/.test(t)) return t.toLowerCase();
  return bad(name, 'should be a 32 byte hex value', tok);
};

/** CLN param_bin_from_hex: "should be a hex value". */
export const pHex: ParamParser<string> = (tok, name) => {
  const t = hexText(tok);
  if (t !== undefined && /^([0-9a-fA-F]{2})*$/.test(t)) return t.toLowerCase();
  return bad(name, 'should be a hex value', tok);
};

/** CLN param_pubkey: "should be a compressed pubkey". */
export const pPubkey: ParamParser<string> = (tok, name) => {
  if (tok.type === 'string' && /^0[23][0-9a-fA-F]{64}$/.test(tok.value)) return tok.value.toLowerCase();
  return bad(name, 'should be a compressed pubkey', tok);
};

/** sendpay/listsendpays `bolt11`: any invoice string, `lightning:` stripped, lower-cased. */
export const pInvstring: ParamParser<string> = (tok, name) => {
  if (tok.type !== 'string' || tok.value.length === 0 || tok.value.length > 8192) return bad(name, 'should be a string', tok);
  let s = tok.value.toLowerCase();
  if (s.startsWith('lightning:')) s = s.slice('lightning:'.length);
  return s;
};
