// The pieces of Core Lightning's `decode` output shared by decode-json.ts
// (offers, invoice_requests, invoices) and payer-proof-json.ts (payer
// proofs): the JSON types, the writer with its validity and warnings, and the
// blinded paths and fallback addresses both print the same way.
import { hex } from '@scure/base';
import { chainByHash, segwitAddress } from './chains.js';
import type { AnyBolt12 } from './message.js';
import { formatScid, type BlindedPath, type BlindedPayinfo, type FallbackAddress } from './subtypes.js';

export type Json = string | number | bigint | boolean | null | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Decoded {
  /** The message, as parsed by the TLV layer (a payer proof: its disclosed invoice fields). */
  message: AnyBolt12;
  /** Core Lightning `decode` output. */
  json: JsonObject;
  valid: boolean;
  /** Warnings printed (key -> message), in order. */
  warnings: [string, string][];
}

/** The JSON being written, its validity and its warnings. */
export class Out {
  json: JsonObject = {};
  valid = true;
  warnings: [string, string][] = [];
  add(key: string, v: Json | undefined): void {
    if (v !== undefined) this.json[key] = v;
  }
  /** Text fields the TLV layer found not UTF-8 (parseTlvMessage invalidUtf8). */
  invalidUtf8: string[] = [];
  /** CLN json_add_utf8: the text, or `warning_invalid_<key>: "invalid UTF8"`. */
  text(key: string, v: string): void {
    if (this.invalidUtf8.includes(key)) this.warn(`warning_invalid_${key}`, 'invalid UTF8');
    else this.add(key, v);
  }
  warn(key: string, message: string): void {
    this.json[key] = message;
    this.warnings.push([key, message]);
    this.valid = false;
  }
}

export const h = (b: Uint8Array) => hex.encode(b);

export function pathsJson(o: Out, key: string, paths: BlindedPath[], payinfo?: BlindedPayinfo[]): void {
  o.add(key, paths.map((p, i) => {
    const j: JsonObject = {};
    if ('pubkey' in p.firstNodeId) j.first_node_id = h(p.firstNodeId.pubkey);
    else {
      j.first_scid = formatScid(p.firstNodeId.scid);
      j.first_scid_dir = p.firstNodeId.direction;
    }
    j.first_path_key = h(p.firstPathKey);
    const pi = payinfo?.[i];
    if (pi) {
      j.payinfo = {
        fee_base_msat: pi.feeBaseMsat,
        fee_proportional_millionths: pi.feeProportionalMillionths,
        cltv_expiry_delta: pi.cltvExpiryDelta,
        htlc_minimum_msat: pi.htlcMinimumMsat,
        htlc_maximum_msat: pi.htlcMaximumMsat,
        features: h(pi.features),
      };
    }
    j.path = p.hops.map((hop) => ({ blinded_node_id: h(hop.blindedNodeId), encrypted_recipient_data: h(hop.encryptedRecipientData) }));
    return j;
  }));
  if (payinfo && payinfo.length !== paths.length) {
    o.warn('warning_invalid_invoice_blindedpay', `invoice has ${payinfo.length} blinded_payinfo but ${paths.length} paths`);
    return;
  }
  const empty = paths.findIndex((p) => p.hops.length === 0);
  if (empty >= 0) o.warn('warning_empty_blinded_path', `blinded path ${empty} has 0 hops`);
}

export function fallbacksJson(o: Out, chain: Uint8Array | undefined, fallbacks: FallbackAddress[]): void {
  // Addresses are shown for `invreq_chain` (bitcoin when absent), if it is a chain we know.
  const known = chain ? chainByHash(chain) : { hrp: 'bc' };
  o.add('invoice_fallbacks', fallbacks.map((fb) => {
    const j: JsonObject = { version: fb.version, hex: h(fb.address) };
    // BOLT #12: MUST ignore any `fallback_address` for which `version` is greater than 16,
    // `address` is less than 2 or greater than 40 bytes, or does not meet the version's rules.
    const warn = (k: string, m: string) => {
      j[k] = m;
      o.warnings.push([k, m]);
      o.valid = false;
    };
    if (fb.version > 16) warn('warning_invalid_invoice_fallbacks_version', 'invoice fallback version > 16');
    else if (fb.address.length < 2 || fb.address.length > 40) warn('warning_invalid_invoice_fallbacks_address', 'invoice fallback address bad length');
    else if (known) {
      const addr = segwitAddress(known.hrp, fb.version, fb.address);
      if (addr) j.address = addr;
      else warn('warning_invalid_invoice_fallbacks_address', 'invalid fallback address for this version');
    }
    return j;
  }));
}
