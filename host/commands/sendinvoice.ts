// sendinvoice invreq label [amount_msat] [timeout] (Core Lightning's
// parameters, errors and result; cln-rpc-digest §1.12, cln-offers-flow-digest
// §4.6): answer someone's `lnr1…` with a device-signed invoice sent by onion
// message, and wait for its payment (host/payer/sendinvoice.ts;
// docs/host/sendinvoice.md).
import { ErrorCode, RpcError } from '../rpc/errors.js';
import { defineMethod } from '../rpc/method.js';
import { bad, opt, optDef, req } from '../rpc/params.js';
import { pString, pU32 } from '../rpc/param-types.js';
import { GENESIS_WIRE_HEX } from '../daemon/network.js';
import { merchantPort, ourNodeId } from '../merchant/device-port.js';
import { checkBareInvoiceRequest, MAX_TIMEOUT, sendInvoice } from '../payer/sendinvoice.js';
import type { InvoiceRequest } from '../bolt12/index.js';
import { pMsat } from './amount-params.js';
import type { CommandContext } from './context.js';
import { pLabel } from './listinvoices.js';


export const sendinvoice = defineMethod({
  name: 'sendinvoice',
  summary: "Answer someone's invoice_request (lnr1…) with a device-signed invoice and wait to be paid",
  params: {
    invreq: req(pString(65536)),
    label: req(pLabel),
    amount_msat: opt(pMsat),
    timeout: optDef(pU32, 90),
  },
  async run({ values: p }, ctx: CommandContext) {
    // Core Lightning's param_invreq checks, in its order (-32602 "invreq: <why>").
    const checked = checkBareInvoiceRequest(p.invreq, GENESIS_WIRE_HEX[ctx.network]);
    if (typeof checked === 'string') bad('invreq', checked);
    const { req: invreq, bytes } = checked as { req: InvoiceRequest; bytes: Uint8Array };
    if (p.timeout === 0 || p.timeout > MAX_TIMEOUT) {
      throw new RpcError(ErrorCode.INVALID_PARAMS, `timeout: should be 1 to ${MAX_TIMEOUT} seconds (it is also the invoice's expiry; the device signs none valid longer than 7 days)`);
    }
    const lightning = ctx.lightning;
    if (!lightning) throw new RpcError(ErrorCode.LIGHTNINGD, 'sendinvoice sends onion messages through lightningd: run as its plugin, or with --lightning-rpc');
    return sendInvoice({
      store: ctx.store,
      port: merchantPort(ctx),
      nodeId: () => ourNodeId(ctx),
      lightning,
      now: ctx.now ?? (() => Math.floor(Date.now() / 1000)),
      cltvFinal: ctx.network === 'bitcoin' ? 18 : 10,
      randomBytes: ctx.randomBytes,
      log: (m) => ctx.log.info(m),
    }, { req: invreq, bytes, label: p.label, amountMsat: p.amount_msat, timeout: p.timeout });
  },
});
