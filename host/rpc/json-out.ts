// JSON text for results: like JSON.stringify, but bigint values are written as
// JSON integers (msat amounts and u64 fields can exceed 2^53) and undefined
// members are left out.

export function toJsonText(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new TypeError(`cannot write ${v} as JSON`);
      return JSON.stringify(v);
    case 'string':
    case 'boolean':
      return JSON.stringify(v);
    case 'object': {
      if (v === null) return 'null';
      if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return toJsonText((v as { toJSON(): unknown }).toJSON());
      if (Array.isArray(v)) return `[${v.map((x) => (x === undefined ? 'null' : toJsonText(x))).join(',')}]`;
      const parts: string[] = [];
      for (const [k, x] of Object.entries(v)) if (x !== undefined) parts.push(`${JSON.stringify(k)}:${toJsonText(x)}`);
      return `{${parts.join(',')}}`;
    }
    default:
      throw new TypeError(`cannot write a ${typeof v} as JSON`);
  }
}
