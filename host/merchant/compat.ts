// Small helpers for the JSON shapes lightningd's hooks use.
import type { ShortChannelId } from '../bolt12/index.js';
export { decodeBolt12String } from '../bolt12/index.js';

/** `BxTxO` short channel id text. */
export function parseScid(s: string): ShortChannelId {
  const m = /^(\d+)x(\d+)x(\d+)$/.exec(s);
  if (!m) throw new Error(`not a short_channel_id: ${s}`);
  return { block: Number(m[1]), txIndex: Number(m[2]), outputIndex: Number(m[3]) };
}
