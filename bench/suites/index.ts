// Every benchmark suite, in the order they run. Each file owns one area.
import type { BenchSuite } from '../types.js';
import { hashSuite } from './hashes.js';
import { bolt12DeviceSuite } from './bolt12-device.js';

export const suites: BenchSuite[] = [hashSuite, bolt12DeviceSuite];
import { secpSuite } from './secp.js'; suites.push(secpSuite);
import { serialSuite } from './serial.js'; suites.push(serialSuite);
import { bolt12HostSuite } from './bolt12-host.js'; suites.push(bolt12HostSuite);
import { keysSuite } from './keys.js'; suites.push(keysSuite);
import { daemonSuite } from './daemon.js'; suites.push(daemonSuite);
import { onionSuite } from './onion.js'; suites.push(onionSuite);
import { sendpaySuite } from './sendpay.js'; suites.push(sendpaySuite);
import { blindingSuite } from './blinding.js'; suites.push(blindingSuite);
import { merchantSuite } from './merchant.js'; suites.push(merchantSuite);
import { payerSuite } from './payer.js'; suites.push(payerSuite);
