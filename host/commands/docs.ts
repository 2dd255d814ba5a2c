// What `lnsigner help <command>` and `lnsigner <command> --help` say about each
// daemon method beyond its parameter table (which is read from the method
// itself: names, order, required, defaults): a type and one line per
// parameter, the errors it can return, an example. Keyed by method name;
// test/help.test.ts checks that every method has an entry and that the entry
// describes exactly the parameters the method's table accepts, so the two
// cannot drift.

/** A grammar printed under the parameters of the commands that use it. */
export type Grammar = 'msat' | 'amount' | 'recurrence' | 'recurrence_base' | 'paywindow' | 'limit';

export interface ParamDoc {
  readonly type: string;
  readonly description: string;
  /** Shown instead of the table's fallback (e.g. a default that is not a value). */
  readonly default?: string;
}

export interface MethodDoc {
  readonly params: Readonly<Record<string, ParamDoc>>;
  readonly grammars?: readonly Grammar[];
  /** `code: meaning`, one per line. */
  readonly errors: readonly string[];
  readonly example: string;
  readonly notes?: readonly string[];
}

const PARAMS_ERR = '-32602: a parameter is missing, unknown, given twice or malformed (the message names it)';
const NO_DEVICE = '-1: no device is connected, or it is not provisioned';
const DEVICE_ERRS = [
  '2100: the device refused the request (the message says what and where)',
  '2101: denied on the device; 2102: its prompt timed out; 2103: it is busy with another prompt',
];

export const GRAMMARS: Record<Grammar, string[]> = {
  msat: [
    'msat amounts: <n> or <n>msat (millisatoshi), <n>sat or <n>.<3 digits>sat, <n>btc or <n>.<up to 11 digits>btc;',
    '  a JSON number or string; at most 2^64-1 msat.',
  ],
  amount: [
    "offer amounts: 'any' (the payer chooses), an msat amount (below), or <n>[.<minor>]<ISO 4217 code>",
    '  with exactly the currency\'s minor digits (10USD, 10.50USD, 1000JPY); currencies need --currency-rates.',
  ],
  recurrence: [
    'recurrence: <n><unit>, unit one of second(s) minute(s) hour(s) day(s) week(s) month(s) year(s),',
    '  n >= 1 (e.g. 1month, 2weeks, 30days).',
  ],
  recurrence_base: [
    'recurrence_base: [@]<unix seconds> when period 0 starts; the older `@` prefix means the payer must',
    '  start at period 0.',
  ],
  paywindow: [
    'recurrence_paywindow: -<seconds before>+<seconds after>[%], the window around each period start in',
    '  which it may be paid; the older trailing `%` means proportional_amount.',
  ],
  limit: ["limits: an msat amount (parts per million for max_fee_ppm), or 'none' to remove the limit."],
};

const sha = (what: string): ParamDoc => ({ type: 'hex32', description: what });
const bool = (what: string): ParamDoc => ({ type: 'bool', description: what });

export const METHOD_DOCS: Record<string, MethodDoc> = {
  getinfo: {
    params: {},
    errors: [],
    example: 'lnsigner getinfo',
  },
  offer: {
    params: {
      amount: { type: 'amount', description: "price: 'any', msat, or a currency amount (grammar below)" },
      description: { type: 'string', description: 'what is sold (offer_description)' },
      issuer: { type: 'string', description: 'who sells it (offer_issuer)' },
      label: { type: 'string', description: 'kept in the store only, never encoded' },
      quantity_max: { type: 'u64', description: 'most items per invoice (0 = unlimited)' },
      absolute_expiry: { type: 'u64', description: 'unix seconds after which the offer expires' },
      recurrence: { type: 'recurrence', description: 'period of a recurring offer (grammar below)' },
      recurrence_base: { type: 'recurrence_base', description: 'unix seconds of period 0; needs recurrence' },
      recurrence_paywindow: { type: 'paywindow', description: 'when each period may be paid; needs recurrence' },
      recurrence_limit: { type: 'u32', description: 'highest period index; needs recurrence' },
      single_use: bool('the offer is disabled after its first paid invoice'),
      proportional_amount: bool('the amount is proportional to the time left in the period; needs recurrence_base'),
      optional_recurrence: bool('payers that do not know recurrence may pay once (TLV 1000000025); not with recurrence_base'),
      fronting_nodes: {
        type: 'pubkey array',
        description: 'channel peers to reach us through (force_paths): one blinded offer path per front that is a channel peer, in both key modes; invoices are paid through the best of them (a disconnected one last); [] = none',
      },
      vendor: { type: 'string', description: 'older name of issuer (seed 001); not both' },
      quantity_min: { type: 'u64', description: 'fewest items per invoice (seed 001); not encoded, checked when answering invoice requests' },
    },
    grammars: ['amount', 'msat', 'recurrence', 'recurrence_base', 'paywindow'],
    errors: [
      PARAMS_ERR,
      '-32602: a reader rule the offer would break (zero amount, recurrence period 0, recurrence_* without recurrence)',
      '-32601: a currency amount without a currency converter (--currency-rates)',
      '1000: the same offer exists but is not active',
      '-1: "Could not find neighbour fronting node" (none of fronting_nodes is a channel peer)',
      NO_DEVICE,
    ],
    example: 'lnsigner offer 1000sat "A coffee"   |   lnsigner -k offer amount=10USD description=Subscription recurrence=1month',
  },
  listoffers: {
    params: { offer_id: sha('only this offer'), active_only: bool('only offers still active') },
    errors: [PARAMS_ERR],
    example: 'lnsigner listoffers',
  },
  disableoffer: {
    params: { offer_id: sha('the offer to disable') },
    errors: [PARAMS_ERR, '1001: the offer is already disabled', '-1: unknown offer'],
    example: 'lnsigner disableoffer <offer_id>',
  },
  enableoffer: {
    params: { offer_id: sha('the offer to enable again') },
    errors: [PARAMS_ERR, '1006: the offer is already enabled', '1007: a single-use offer that was used', '-1: unknown offer'],
    example: 'lnsigner enableoffer <offer_id>',
  },
  listinvoicerequests: {
    params: { invreq_id: sha('only this invoice_request'), active_only: bool('only those still active') },
    errors: [PARAMS_ERR],
    example: 'lnsigner listinvoicerequests',
  },
  disableinvoicerequest: {
    params: { invreq_id: sha('the invoice_request to disable') },
    errors: [PARAMS_ERR, '-1: unknown or already disabled'],
    example: 'lnsigner disableinvoicerequest <invreq_id>',
  },
  invoicerequest: {
    params: {
      amount: { type: 'msat', description: 'what we will pay' },
      description: { type: 'string', description: 'what for (offer_description)' },
      issuer: { type: 'string', description: 'offer_issuer' },
      label: { type: 'string', description: 'kept in the store only' },
      absolute_expiry: { type: 'u64', description: 'unix seconds after which it expires' },
      single_use: bool('pay only one invoice for it'),
      dev_invreq_metadata: { type: 'hex', description: '--developer only: fixed invreq_metadata' },
    },
    grammars: ['msat'],
    errors: [PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS],
    example: 'lnsigner invoicerequest 5000sat "Refund for order 42"',
  },
  offerout: {
    params: {
      amount: { type: "msat|'any'", description: 'what we will pay' },
      description: { type: 'string', description: 'what for' },
      issuer: { type: 'string', description: 'offer_issuer' },
      label: { type: 'string', description: 'kept in the store only' },
      absolute_expiry: { type: 'u64', description: 'unix seconds after which it expires' },
      refund_for: { type: 'lni1 string', description: 'an invoice of ours this refunds' },
      dev_invreq_metadata: { type: 'hex', description: '--developer only: fixed invreq_metadata' },
    },
    grammars: ['msat'],
    errors: [PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS],
    example: 'lnsigner offerout 5000sat "Refund"',
    notes: ['The legacy name of invoicerequest (always single use).'],
  },
  decode: {
    params: { string: { type: 'string', description: 'lno1... / lnr1... / lni1... / lnp1..., optionally prefixed lightning:' } },
    errors: ['-32602: the string does not decode (the message says why, as Core Lightning\'s)'],
    example: 'lnsigner decode lno1...',
    notes: [
      'Strings that decode but break a rule print valid:false and warning_* fields. `lnsigner decode` needs no daemon.',
      'A payer proof (lnp1) that fails a reader rule prints warning_invalid_payer_proof and valid:false (Core Lightning refuses it).',
    ],
  },
  createproof: {
    params: {
      invstring: { type: 'lni1...|lno1...', description: 'the paid invoice, or the offer we paid through (one proof per paid invoice)' },
      note: { type: 'string', description: 'proof_note, e.g. a challenge to prove a fresh proof', default: 'none' },
      include: {
        type: 'array', description: 'field names or numbers to disclose if present (besides 88, 168, 174, 176, 240)',
        default: '[offer_description, offer_issuer_id, invoice_created_at, invoice_amount]',
      },
    },
    errors: [
      PARAMS_ERR,
      '1700: no successful payment of that invoice or offer is recorded',
      '-1: the stored invoice does not make a proof, or no device is connected',
      '2104: the device firmware cannot sign payer proofs',
      '2100: the device refused (the message names the rule: not our payer key, wrong preimage, bad invoice signature)',
    ],
    example: 'lnsigner createproof lni1... "challenge 42"',
    notes: ['Proofs are BOLT 12 payer proofs (lnp1, lightning/bolts #1346), signed with the payer key on the device; `decode` reads them.'],
  },
  sendpay: {
    params: {
      route: { type: 'route', description: 'JSON array of hops {id, channel, amount_msat, delay} (getroute\'s)' },
      payment_hash: sha('the payment hash'),
      label: { type: 'string', description: 'kept with the payment' },
      amount_msat: { type: 'msat', description: 'total of the payment (for multi-part payments)' },
      bolt11: { type: 'string', description: 'the invoice paid (stored)' },
      payment_secret: { type: 'hex32', description: 'the invoice\'s payment secret' },
      partid: { type: 'u64', description: 'part number of a multi-part payment' },
      localinvreqid: sha('our invoice_request this pays'),
      groupid: { type: 'u64', description: 'payment attempt group' },
      payment_metadata: { type: 'hex', description: 'the invoice\'s payment metadata' },
      description: { type: 'string', description: 'kept with the payment' },
      msatoshi: { type: 'msat', description: 'older name of amount_msat' },
    },
    grammars: ['msat'],
    errors: [
      PARAMS_ERR,
      '200: already in progress; 201: already paid with this hash; 204: the first hop is not a peer (nothing is stored)',
      '210: the device policy refused it (the message names the limit)',
      NO_DEVICE, ...DEVICE_ERRS,
    ],
    example: 'lnsigner sendpay \'[{"id":"02...","channel":"103x1x0","amount_msat":1000,"delay":18}]\' <payment_hash>',
  },
  waitsendpay: {
    params: {
      payment_hash: sha('the payment'),
      timeout: { type: 'u32', description: 'seconds to wait', default: 'forever' },
      partid: { type: 'u64', description: 'part number' },
      groupid: { type: 'u64', description: 'attempt group', default: 'the latest' },
    },
    errors: [PARAMS_ERR, '200: timed out', '202/203/204: the payment failed (where and why)', '208: never attempted'],
    example: 'lnsigner waitsendpay <payment_hash> 60',
  },
  listsendpays: {
    params: {
      bolt11: { type: 'string', description: 'only payments of this invoice' },
      payment_hash: sha('only payments with this hash'),
      status: { type: 'pending|complete|failed', description: 'only payments in this state' },
      index: { type: 'created|updated', description: 'order and start by this index' },
      start: { type: 'u64', description: 'first index' },
      limit: { type: 'u32', description: 'how many' },
    },
    errors: [PARAMS_ERR],
    example: 'lnsigner listsendpays',
  },
  pay: {
    params: {
      bolt11: { type: 'lni1...', description: 'the BOLT 12 invoice to pay (answering an invoice_request of ours)' },
      amount_msat: { type: 'msat', description: 'only for an invoice without an amount (BOLT 12 invoices have one: must equal it)' },
      label: { type: 'string', description: 'kept with every part' },
      riskfactor: { type: 'decimal', description: 'accepted for compatibility (the node routes)' },
      maxfeepercent: { type: 'decimal', description: 'fee limit in percent of the amount', default: '0.5' },
      retry_for: { type: 'u32', description: 'seconds to keep retrying around failed channels and paths' },
      maxdelay: { type: 'u32', description: 'largest cltv delta of the first hop' },
      exemptfee: { type: 'msat', description: 'fees up to this are always accepted', default: '5000msat' },
      localinvreqid: sha('our invoice_request this pays (marked used once paid)'),
      exclude: { type: 'array', description: 'short_channel_id/direction or node ids never to route through' },
      maxfee: { type: 'msat', description: 'fee limit for all parts (not with maxfeepercent/exemptfee)' },
      description: { type: 'string', description: 'kept with every part' },
      invstring: { type: 'lni1...', description: "v26.06's name for bolt11 (one of the two)" },
    },
    grammars: ['msat'],
    errors: [
      PARAMS_ERR + ' (also: an invalid or not BOLT 12 invoice)',
      '200: an earlier pay of this invoice is still in progress',
      '205: no route to any of the invoice paths; 206: every route is above maxfee/maxdelay',
      '207: the invoice expired; 210: ran out of routes or of retry_for time (the last failure in data)',
      '212: the invoice does not answer an invoice_request of ours',
      '213: the device declined it (its rule or spending limit is named: e.g. PAY_RULE_ONCE, already paid)',
      NO_DEVICE, ...DEVICE_ERRS,
    ],
    example: 'lnsigner pay lni1...',
    notes: ['every part is recorded as a sendpay part (listsendpays, bolt12 = the invoice); listpays groups them'],
  },
  listpays: {
    params: {
      bolt11: { type: 'string', description: 'only payments of this invoice' },
      payment_hash: sha('only payments with this hash'),
      status: { type: 'pending|complete|failed', description: 'only payments in this state' },
    },
    errors: [PARAMS_ERR],
    example: 'lnsigner listpays',
  },
  listinvoices: {
    params: {
      label: { type: 'string', description: 'only the invoice with this label (<offer_id>-<payer_id>-<counter>)' },
      invstring: { type: 'lni1...', description: 'only this invoice' },
      payment_hash: sha('only the invoice with this payment hash'),
      offer_id: sha('only invoices for this offer of ours'),
      index: { type: 'created|updated', description: 'order and start by this index' },
      start: { type: 'u64', description: 'first index' },
      limit: { type: 'u32', description: 'how many' },
    },
    errors: [PARAMS_ERR],
    example: 'lnsigner listinvoices',
  },
  waitinvoice: {
    params: { label: { type: 'string', description: 'the invoice to wait for' } },
    errors: [PARAMS_ERR, '-1: no such invoice', '903: the invoice expired before it was paid'],
    example: 'lnsigner waitinvoice <offer_id>-<payer_id>-0',
  },
  waitanyinvoice: {
    params: {
      lastpay_index: { type: 'u64', description: 'return the first invoice paid after this pay_index', default: '0' },
      timeout: { type: 'u64', description: 'seconds to wait' },
    },
    errors: [PARAMS_ERR, '904: timed out'],
    example: 'lnsigner waitanyinvoice 0 60',
  },
  sendinvoice: {
    params: {
      invreq: { type: 'string', description: "someone's invoice_request (lnr1…) not based on an offer: a refund, a withdrawal" },
      label: { type: 'string', description: 'unique label of the invoice we answer with' },
      amount_msat: { type: 'msat', description: 'amount to ask (1msat up to invreq_amount)', default: 'invreq_amount' },
      timeout: { type: 'u32', description: 'seconds to wait for payment; also the invoice\'s expiry (at most 604800)' },
    },
    grammars: ['msat'],
    errors: [
      PARAMS_ERR, "-32602: 'FIXME: handle recurring invreq?' for a recurring invoice_request", NO_DEVICE,
      '900: the label is in use', '1002: the invoice_request has expired', '1003: the payer cannot be reached',
      '1004: the payer answered with an invoice_error', '1005: not paid before the timeout (data.invstring: our invoice)',
    ],
    example: 'lnsigner sendinvoice lnr1... refund-42',
    notes: ['The invoice is signed on the device with the node key, sent by onion message, and settled by the plugin (htlc_accepted); the result is waitinvoice\'s.'],
  },
  createonion: {
    params: {
      hops: { type: 'hops', description: 'JSON array of {pubkey, payload}' },
      assocdata: { type: 'hex', description: 'associated data (the payment hash)' },
      session_key: { type: 'hex32', description: 'fixed session key (deterministic onion)' },
      onion_size: { type: 'u32', description: 'onion payload size' },
    },
    errors: [PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS],
    example: 'lnsigner createonion \'[{"pubkey":"02...","payload":"..."}]\' <hex>',
  },
  getpolicy: {
    params: {},
    errors: [NO_DEVICE, ...DEVICE_ERRS],
    example: 'lnsigner getpolicy',
  },
  setpolicy: {
    params: {
      max_amount_msat: { type: "msat|'none'", description: 'largest single payment', default: 'unchanged' },
      max_fee_msat: { type: "msat|'none'", description: 'largest fee per payment', default: 'unchanged' },
      max_fee_ppm: { type: "ppm|'none'", description: 'largest fee in parts per million', default: 'unchanged' },
      daily_limit_msat: { type: "msat|'none'", description: 'most spent in 24 hours', default: 'unchanged' },
      confirm_above_msat: { type: "msat|'none'", description: 'ask on the device above this', default: 'unchanged' },
      payee_daily_msat: { type: "msat|'none'", description: 'most paid to one BOLT 12 payee in 24 hours', default: 'unchanged' },
      recurring_period_msat: { type: "msat|'none'", description: 'largest recurring (BOLT 12) payment per period', default: 'unchanged' },
    },
    grammars: ['limit', 'msat'],
    errors: [PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS, '2104: the firmware cannot do it'],
    example: 'lnsigner setpolicy max_amount_msat=100000sat',
    notes: [
      'Loosening or removing a limit waits for a press on the device.',
      'payee_daily_msat counts what one payee (invoice_node_id) received in the last 24 hours.',
    ],
  },
  allowoffer: {
    params: { offer: { type: 'lno1...|hex32', description: 'the offer, or its offer_id' } },
    errors: [PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS, '2104: the firmware has no allowlist'],
    example: 'lnsigner allowoffer lno1...',
    notes: [
      'Payments of an allowlisted offer need no press on the device, whatever their amount (limits still apply).',
      "Adding waits for a press on the device; at most 16 offers.",
    ],
  },
  disallowoffer: {
    params: { offer: { type: 'lno1...|hex32', description: 'the offer, or its offer_id' } },
    errors: [PARAMS_ERR, NO_DEVICE, '-1: the offer is not on the allowlist', ...DEVICE_ERRS, '2104: the firmware has no allowlist'],
    example: 'lnsigner disallowoffer <offer_id>',
  },
  fetchinvoice: {
    params: {
      offer: { type: 'lno1 string', description: "someone's offer" },
      amount_msat: { type: 'msat', description: 'required when the offer has no amount (invreq_amount)' },
      quantity: { type: 'u64', description: 'required iff the offer has quantity_max' },
      recurrence_counter: { type: 'u32', description: 'the period to fetch (required for a recurring offer)' },
      recurrence_start: { type: 'u32', description: 'first period (offers with a recurrence base; default 0)' },
      recurrence_label: { type: 'string', description: 'names the series: one payer key for every period (required when recurring; at most 1024 bytes)' },
      timeout: { type: 'u32', description: 'seconds to wait for the reply' },
      payer_note: { type: 'string', description: 'invreq_payer_note' },
      payer_metadata: { type: 'hex', description: 'invreq_metadata instead of 16 random bytes (1..8188 bytes; not for recurring offers)' },
      bip353: { type: 'string', description: '[₿]name@domain the offer was found under (invreq_bip_353_name)' },
    },
    grammars: ['msat'],
    errors: [
      PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS,
      '-1: not running as a Core Lightning plugin (the reply needs lightningd\'s hook), or the device failed (payer key, signature, onion message)',
      '1002: offer expired', '1003: could not route or connect directly to the offer\'s paths or issuer',
      '1004: the issuer sent invoice_error (data: its fields), or an invoice that fails the checks (the message names the field)',
      '1005: timeout waiting for response',
    ],
    example: 'lnsigner fetchinvoice lno1... amount_msat=5000sat',
    notes: ['Result: invoice (lni1...), changes {amount_msat?}, next_period {counter, starttime, endtime, paywindow_start, paywindow_end} for recurring offers.'],
  },
  cancelrecurringinvoice: {
    params: {
      offer: { type: 'lno1 string', description: 'the recurring offer' },
      recurrence_counter: { type: 'u32', description: 'the period that would have been next (> 0)' },
      recurrence_label: { type: 'string', description: 'the label the periods were fetched under' },
      recurrence_start: { type: 'u32', description: 'first period (offers with a recurrence base)' },
      payer_note: { type: 'string', description: 'invreq_payer_note' },
      bip353: { type: 'string', description: '[₿]name@domain (invreq_bip_353_name)' },
    },
    errors: [
      PARAMS_ERR, NO_DEVICE, ...DEVICE_ERRS,
      '-1: not running as a Core Lightning plugin, or the device failed (payer key, signature, onion message)',
      '1003: could not route or connect directly to the offer\'s paths or issuer',
    ],
    example: 'lnsigner cancelrecurringinvoice lno1... 3 rent',
    notes: ['Result: bolt12 (the lnr1... sent). The issuer answers nothing.'],
  },
};
