// The daemon's JSON-RPC methods, one module each.
import type { RpcMethod } from '../rpc/method.js';
import type { CommandContext } from './context.js';
import { decode } from './decode.js';
import { createproof } from './createproof.js';
import { disableinvoicerequest } from './disableinvoicerequest.js';
import { disableoffer } from './disableoffer.js';
import { enableoffer } from './enableoffer.js';
import { getinfo } from './getinfo.js';
import { getpolicy } from './getpolicy.js';
import { setpolicy } from './setpolicy.js';
import { allowoffer } from './allowoffer.js';
import { disallowoffer } from './disallowoffer.js';
import { listinvoicerequests } from './listinvoicerequests.js';
import { listoffers } from './listoffers.js';
import { invoicerequest } from './invoicerequest.js';
import { offer } from './offer.js';
import { offerout } from './offerout.js';
import { createonion } from './createonion.js';
import { listsendpays } from './listsendpays.js';
import { sendpay } from './sendpay.js';
import { waitsendpay } from './waitsendpay.js';
import { pay } from './pay.js';
import { listpays } from './listpays.js';
import { listinvoices } from './listinvoices.js';
import { waitanyinvoice, waitinvoice } from './waitinvoice.js';
import { sendinvoice } from './sendinvoice.js';
import { fetchinvoice } from './fetchinvoice.js';
import { cancelrecurringinvoice } from './cancelrecurringinvoice.js';

export const COMMANDS: readonly RpcMethod<any, CommandContext>[] = [
  getinfo,
  offer,
  listoffers,
  disableoffer,
  enableoffer,
  listinvoicerequests,
  disableinvoicerequest,
  invoicerequest,
  offerout,
  decode,
  sendpay,
  waitsendpay,
  listsendpays,
  createonion,
  pay,
  listpays,
  getpolicy,
  setpolicy,
  allowoffer,
  disallowoffer,
  listinvoices,
  waitinvoice,
  waitanyinvoice,
  sendinvoice,
  fetchinvoice,
  cancelrecurringinvoice,
  createproof,
];

export function commandMap(): Map<string, RpcMethod<any, CommandContext>> {
  return new Map(COMMANDS.map((m) => [m.name, m]));
}
