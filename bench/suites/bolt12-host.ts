// BOLT 12 on the host: Merkle root of a typical offer and invoice, and a full
// decode (text, TLV, reader rules, signature) of an invoice.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../host/paths.js';
import { decodeBolt12String } from '../../host/bolt12/bech32-string.js';
import { decodeInvoice } from '../../host/bolt12/invoice.js';
import { merkleRoot } from '../../host/bolt12/merkle.js';
import type { BenchSuite } from '../types.js';

export const bolt12HostSuite: BenchSuite = {
  title: 'BOLT 12 codec on the host',
  setup() {
    // Core Lightning's schema examples: the offer `Fish sale!` and the invoice fetched for it.
    const examples = JSON.parse(readFileSync(join(PROJECT_ROOT, 'test', 'vectors', 'cln-rpc-examples.json'), 'utf8'));
    const offerText: string = examples.find((e: { command: string }) => e.command === 'offer').response.bolt12;
    const invoiceText: string = examples.find((e: { command: string }) => e.command === 'fetchinvoice').response.invoice;
    const offer = decodeBolt12String(offerText).bytes;
    const invoice = decodeBolt12String(invoiceText).bytes;
    return [
      { name: 'merkle-offer', impl: 'host', fn: () => merkleRoot(offer), extra: { bytes: offer.length } },
      { name: 'merkle-invoice', impl: 'host', fn: () => merkleRoot(invoice), extra: { bytes: invoice.length } },
      { name: 'decode-invoice', impl: 'host', fn: () => decodeInvoice(invoiceText), extra: { chars: invoiceText.length } },
    ];
  },
};
