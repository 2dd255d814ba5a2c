// Row mapping shared by the offers and invoice_requests tables: both hold a
// 32-byte id, the bolt12 string, an optional label, CLN's three status bits
// (active, single_use, used) as 0/1 columns and created_at.

/** The columns both tables have (besides their id column). */
export interface StatusRow {
  bolt12: string;
  label: string | null;
  active: number;
  single_use: number;
  used: number;
  created_at: number;
}

/** Those columns as record fields (label left out when NULL). */
export interface StatusFields {
  bolt12: string;
  label?: string;
  active: boolean;
  singleUse: boolean;
  used: boolean;
  /** Unix seconds. */
  createdAt: number;
}

export function statusFields(r: StatusRow): StatusFields {
  return {
    bolt12: r.bolt12,
    ...(r.label === null ? {} : { label: r.label }),
    active: r.active === 1,
    singleUse: r.single_use === 1,
    used: r.used === 1,
    createdAt: r.created_at,
  };
}

/** The id column's bytes from 64 lower-case hex digits; `what` names it in the error. */
export function idBytes(hex: string, what: string): Buffer {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${what} must be 64 lower-case hex characters: ${hex.slice(0, 80)}`);
  return Buffer.from(hex, 'hex');
}

/** A 0/1 column value. */
export const bit = (b: boolean | undefined) => (b ? 1 : 0);

export const nowSeconds = () => Math.floor(Date.now() / 1000);
