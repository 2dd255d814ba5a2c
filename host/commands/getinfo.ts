// getinfo: the device (node id, network, firmware version, image hash) and
// the store's counts.
import { bytesToHex } from '@noble/hashes/utils.js';
import { defineMethod } from '../rpc/method.js';
import type { CommandContext } from './context.js';

export const getinfo = defineMethod({
  name: 'getinfo',
  summary: 'Show the device, the network and the store counts',
  params: {},
  run(_args, ctx: CommandContext) {
    const { offers, invoice_requests } = ctx.store.counts();
    const dev = ctx.device?.info;
    return {
      id: dev && bytesToHex(dev.nodeId),
      network: ctx.network,
      firmware_version: dev?.firmwareVersion,
      image_hash: dev?.imageHash,
      warning_no_device: dev ? undefined : (ctx.deviceProblem ?? 'No signing device connected'),
      num_offers: offers.total,
      num_active_offers: offers.active,
      num_invoice_requests: invoice_requests.total,
      num_active_invoice_requests: invoice_requests.active,
    };
  },
});
