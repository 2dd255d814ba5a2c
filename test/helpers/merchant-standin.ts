// TEST-ONLY STAND-IN for the device's merchant requests (offer_create,
// payment_hash, sign_invoice, release_preimage: DESIGN-issue11 "Device keys"),
// written with @noble from the design's derivations, for fast in-process tests
// of the host flow (test/merchant-flow.test.ts). The end-to-end tests run the
// real device (emulator on a PTY, host/daemon/serial-device.ts). It implements
// the rules the host depends on (MAC, keys, payment hash, path_id, amount
// range), not every device rule.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { secp } from '../../host/crypto/noble.js';
import {
  encodeTlvStream, invoiceProblems, merkleRoot, parseInvoice, parseTlvMessage, readTlvRecords, signatureMessage, TLV,
} from '../../host/bolt12/index.js';
import { throwFirst } from '../../host/bolt12/rules.js';
import { DeviceRuleError, type MerchantDevicePort, type SignInvoiceRequest, type SignedInvoice } from '../../host/merchant/device-port.js';

const N = secp.Point.CURVE().n;
const utf8 = (s: string) => new TextEncoder().encode(s);
const cat = (...a: Uint8Array[]) => { const o = new Uint8Array(a.reduce((n, x) => n + x.length, 0)); let i = 0; for (const x of a) { o.set(x, i); i += x.length; } return o; };
const eq = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const num = (b: Uint8Array) => b.reduce((v, x) => (v << 8n) | BigInt(x), 0n);
const inOffer = (t: bigint) => (t >= 1n && t <= 79n) || (t >= 1000000000n && t <= 1999999999n);
const inInvreq = (t: bigint) => (t <= 159n) || (t >= 1000000000n && t <= 2999999999n);

export class MerchantStandIn implements MerchantDevicePort {
  readonly nodeId: Uint8Array;
  private readonly offerRoot: Uint8Array;
  private readonly macKey: Uint8Array;
  private readonly preimageKey: Uint8Array;
  private readonly pathIdKey: Uint8Array;
  /** Calls, for tests. */
  readonly calls: string[] = [];

  constructor(private readonly nodeSecret: Uint8Array, private readonly nonceSource: () => Uint8Array = () => secp.utils.randomSecretKey().slice(0, 16)) {
    this.nodeId = secp.getPublicKey(nodeSecret, true);
    this.offerRoot = hmac(sha256, nodeSecret, utf8('lnsigner offer root'));
    this.macKey = hmac(sha256, this.offerRoot, utf8('mac'));
    this.preimageKey = hmac(sha256, this.offerRoot, utf8('preimage'));
    this.pathIdKey = hmac(sha256, this.offerRoot, utf8('path_id'));
  }

  /** issuer_key(nonce) = HMAC(offer_root, "issuer" ‖ nonce) as a scalar (0 / ≥ n refused: the caller takes the next nonce). */
  issuerKey(nonce: Uint8Array): Uint8Array | undefined {
    const k = hmac(sha256, this.offerRoot, cat(utf8('issuer'), nonce));
    const v = num(k);
    return v === 0n || v >= N ? undefined : k;
  }

  private mac(nonce: Uint8Array, offerRecords: Uint8Array[]): Uint8Array {
    return hmac(sha256, this.macKey, cat(nonce, ...offerRecords));
  }

  preimage(invreqRoot: Uint8Array): Uint8Array {
    return hmac(sha256, this.preimageKey, invreqRoot);
  }

  pathId(paymentHash: Uint8Array): Uint8Array {
    return hmac(sha256, this.pathIdKey, paymentHash);
  }

  async offerCreate(flags: number, offerTlv: Uint8Array): Promise<Uint8Array> {
    this.calls.push('offer_create');
    const recs = readTlvRecords(offerTlv);
    if (recs.some((r) => r.type === TLV.offer_metadata || r.type === TLV.offer_issuer_id || !inOffer(r.type))) throw new DeviceRuleError(0x60);
    let nonce: Uint8Array;
    let key: Uint8Array | undefined;
    do {
      nonce = this.nonceSource();
      key = (flags & 1) ? this.issuerKey(nonce) : this.nodeSecret;
    } while (!key);
    const issuer = secp.getPublicKey(key, true);
    const with22 = encodeTlvStream([...recs.map((r) => ({ type: r.type, value: r.value })), { type: TLV.offer_issuer_id, value: issuer }]);
    const mac = this.mac(nonce, readTlvRecords(with22).map((r) => r.raw));
    return encodeTlvStream([...readTlvRecords(with22).map((r) => ({ type: r.type, value: r.value })), { type: TLV.offer_metadata, value: cat(nonce, mac) }]);
  }

  /** The key an invoice for this stream must be signed with (rules 3-4), or undefined. */
  private keyFor(recs: ReturnType<typeof readTlvRecords>): Uint8Array | undefined {
    const md = recs.find((r) => r.type === TLV.offer_metadata)?.value;
    const issuer = recs.find((r) => r.type === TLV.offer_issuer_id)?.value;
    if (!md || md.length !== 48 || !issuer) return undefined;
    const nonce = md.subarray(0, 16);
    const others = recs.filter((r) => inOffer(r.type) && r.type !== TLV.offer_metadata).map((r) => r.raw);
    if (!eq(this.mac(nonce, others), md.subarray(16))) return undefined;
    const dk = this.issuerKey(nonce);
    if (dk && eq(secp.getPublicKey(dk, true), issuer)) return dk;
    if (eq(this.nodeId, issuer)) return this.nodeSecret;
    return undefined;
  }

  async invoiceIds(signedInvreq: Uint8Array) {
    this.calls.push('invoice_ids');
    const invreqRoot = merkleRoot(encodeTlvStream(readTlvRecords(signedInvreq).filter((r) => inInvreq(r.type)).map((r) => ({ type: r.type, value: r.value }))));
    const paymentHash = sha256(this.preimage(invreqRoot));
    return { paymentHash, pathId: this.pathId(paymentHash) };
  }

  async signInvoice(req: SignInvoiceRequest): Promise<SignedInvoice> {
    this.calls.push('sign_invoice');
    const inv = (() => { try { const m = parseTlvMessage('invoice', req.invoice); throwFirst(invoiceProblems(m).filter((x) => x.cln === 'fatal')); return m; } catch (e) { throw Object.assign(new DeviceRuleError(1), { message: `rule 1: ${(e as Error).message}` }); } })();
    const recs = inv.records;
    // rule 2: the invoice_request part verifies.
    const ir = encodeTlvStream(recs.filter((r) => inInvreq(r.type)).map((r) => ({ type: r.type, value: r.value })));
    const payer = inv.fields.invreq_payer_id;
    if (!payer || !inv.fields.invreq_metadata) throw new DeviceRuleError(2);
    const irRoot = merkleRoot(ir);
    if (!secp.schnorr.verify(req.invreqSignature, signatureMessage('invoice_request', 'signature', irRoot), payer.subarray(1))) throw new DeviceRuleError(2);
    // rules 3-4.
    const key = this.keyFor(recs);
    if (!key) throw new DeviceRuleError(3);
    const pub = secp.getPublicKey(key, true);
    if (!inv.fields.invoice_node_id || !eq(inv.fields.invoice_node_id, pub)) throw new DeviceRuleError(4);
    // rule 5.
    const hash = sha256(this.preimage(irRoot));
    if (!inv.fields.invoice_payment_hash || !eq(inv.fields.invoice_payment_hash, hash)) throw new DeviceRuleError(5);
    if (inv.fields.invoice_amount === undefined) throw new DeviceRuleError(6);
    // rule 9 (part): one proof per path, the last clear node is our node.
    const paths = inv.fields.invoice_paths ?? [];
    if (paths.length !== req.paths.length || (inv.fields.invoice_blindedpay ?? []).length !== paths.length) throw new DeviceRuleError(9);
    for (const p of req.paths) if (!eq(p.nodeIds[p.nodeIds.length - 1], this.nodeId)) throw new DeviceRuleError(9);
    const root = merkleRoot(req.invoice);
    const signature = secp.schnorr.sign(signatureMessage('invoice', 'signature', root), key, new Uint8Array(32));
    return { signature, merkleRoot: root, keyKind: key === this.nodeSecret ? 0 : 2, publicKey: pub };
  }

  async releasePreimage(amountReceivedMsat: bigint, signedInvoice: Uint8Array): Promise<Uint8Array> {
    this.calls.push('release_preimage');
    const inv = (() => { try { return parseInvoice(signedInvoice); } catch { throw new DeviceRuleError(1); } })();
    const sig = inv.fields.signature;
    const node = inv.fields.invoice_node_id;
    const unsigned = encodeTlvStream(inv.records.filter((r) => r.type < 240n || r.type > 1000n).map((r) => ({ type: r.type, value: r.value })));
    if (!sig || !node || !secp.schnorr.verify(sig, signatureMessage('invoice', 'signature', merkleRoot(unsigned)), node.subarray(1))) throw new DeviceRuleError(4);
    const key = this.keyFor(inv.records);
    if (!key || !eq(secp.getPublicKey(key, true), node)) throw new DeviceRuleError(4);
    const amount = inv.fields.invoice_amount ?? 0n;
    if (amountReceivedMsat < amount || amountReceivedMsat > 2n * amount) throw new DeviceRuleError(10);
    const ir = encodeTlvStream(inv.records.filter((r) => inInvreq(r.type)).map((r) => ({ type: r.type, value: r.value })));
    return this.preimage(merkleRoot(ir));
  }
}

/** Entry point for the daemon's TEST-ONLY loader (LNSIGNER_DEV_MERCHANT_PORT, --developer). */
export function createMerchantPort(nodeSecretHex: string): MerchantDevicePort {
  return new MerchantStandIn(Uint8Array.from(Buffer.from(nodeSecretHex, 'hex')));
}
