// One error type per parsing layer, so a caller (and the `decode` CLI) can say
// which layer refused a string and where:
//   string    -> Bolt12StringError   (bech32 text: prefix, case, `+`, padding)
//   tlv       -> TlvError            (BigSize / TLV framing and field encodings)
//   semantic  -> Bolt12SemanticError (BOLT 12 reader rules over decoded fields)
//   signature -> Bolt12SignatureError (BIP-340 check of the `signature` record)

export type Bolt12Layer = 'string' | 'tlv' | 'semantic' | 'signature';

export abstract class Bolt12Error extends Error {
  abstract readonly layer: Bolt12Layer;
}

/** The text form is malformed; `position` is a character index into the input. */
export class Bolt12StringError extends Bolt12Error {
  readonly layer = 'string' as const;
  constructor(readonly reason: string, readonly position?: number) {
    super(position === undefined ? reason : `${reason} (at character ${position})`);
    this.name = 'Bolt12StringError';
  }
}

/**
 * The byte stream breaks a BOLT 1 TLV rule or a field's encoding; `offset` is a
 * byte offset into the whole stream, `type`/`field` name the record if known.
 */
export class TlvError extends Bolt12Error {
  readonly layer = 'tlv' as const;
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly type?: bigint,
    readonly field?: string,
  ) {
    const where = type === undefined || (!field && reason.includes(`type ${type}`)) ? '' : ` in record type ${type}${field ? ` (${field})` : ''}`;
    super(`${reason}${where}, at byte ${offset}`);
    this.name = 'TlvError';
  }
}

/** A BOLT 12 reader rule is broken; `field` names the spec field concerned. */
export class Bolt12SemanticError extends Bolt12Error {
  readonly layer = 'semantic' as const;
  constructor(readonly reason: string, readonly field?: string) {
    super(field ? `${field}: ${reason}` : reason);
    this.name = 'Bolt12SemanticError';
  }
}

/** The `signature` record is missing or does not verify. */
export class Bolt12SignatureError extends Bolt12Error {
  readonly layer = 'signature' as const;
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'Bolt12SignatureError';
  }
}
