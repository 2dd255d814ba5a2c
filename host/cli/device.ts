// `lnsigner device info|provision|wipe --device <path>`: manage a device that
// no daemon holds (a running daemon keeps its port locked; see
// docs/host/daemon.md "Managing a device").
//   info                          get_info as JSON
//   provision --hsm-secret-file <file> | --generate  [--network bitcoin|testnet|signet|regtest]
//                                 the passphrase of a mnemonic-format file with one comes from
//                                 $LNSIGNER_HSM_PASSPHRASE, else a prompt on the terminal
//                                 (never from the command line: it would be in `ps` and the history)
//   wipe                          erases the device's secret (node id read from get_info)
// Progress and "Confirm on the device..." go to stderr, the JSON result to
// stdout. Exit 0 done, 1 the device refused or could not be reached, 2 usage.
import { DeviceClient } from '../device/client.js';
import type { DeviceInfo } from '../device/info.js';
import { NETWORK_CODES, type NetworkName, type ProvisionRequest } from '../device/requests.js';
import { provisionDevice, wipeDevice, type ConfirmInfo } from '../device-admin/confirm-adapter.js';
import { HsmSecretFileError, readHsmSecretFile } from '../device-admin/hsm-secret-file.js';
import { deviceFailureMessage } from '../device-admin/messages.js';
import { readPassphrase } from '../device-admin/passphrase.js';
import type { Subcommand } from './main.js';

const USAGE = `usage: lnsigner device info --device <path>
       lnsigner device provision --device <path> (--hsm-secret-file <file> | --generate)
                                 [--network bitcoin|testnet|signet|regtest]
       lnsigner device wipe --device <path>`;

export const PASSPHRASE_ENV = 'LNSIGNER_HSM_PASSPHRASE';

const EXIT_OK = 0;
const EXIT_DEVICE = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}
/** A refusal decided here, before anything was sent. */
class Refused extends Error {}

interface DeviceArgs {
  action: 'info' | 'provision' | 'wipe';
  device: string;
  hsmSecretFile?: string;
  generate: boolean;
  network: NetworkName;
}

const VALUED = new Set(['--device', '--hsm-secret-file', '--network']);

export function parseDeviceArgs(args: string[]): DeviceArgs {
  const [action, ...rest] = args;
  if (action !== 'info' && action !== 'provision' && action !== 'wipe') {
    throw new UsageError(action ? `unknown action '${action}'` : 'an action is required (info, provision or wipe)');
  }
  const v: Record<string, string> = {};
  let generate = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const eq = a.indexOf('=');
    const key = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (key === '--generate' && eq < 0) {
      generate = true;
      continue;
    }
    if (!VALUED.has(key)) throw new UsageError(`unknown option '${a}'`);
    const value = eq > 0 ? a.slice(eq + 1) : rest[++i];
    if (value === undefined || value === '') throw new UsageError(`${key} needs a value`);
    if (key in v) throw new UsageError(`${key} given twice`);
    v[key] = value;
  }
  if (!v['--device']) throw new UsageError('--device <path> is required');
  const network = v['--network'] ?? 'bitcoin';
  if (!(network in NETWORK_CODES)) throw new UsageError(`--network must be one of ${Object.keys(NETWORK_CODES).join(', ')}`);
  if (action === 'provision') {
    if (generate === (v['--hsm-secret-file'] !== undefined)) {
      throw new UsageError('provision needs exactly one of --hsm-secret-file <file> and --generate');
    }
  } else if (generate || v['--hsm-secret-file'] || v['--network']) {
    throw new UsageError(`--hsm-secret-file, --generate and --network are for provision, not ${action}`);
  }
  return { action, device: v['--device'], hsmSecretFile: v['--hsm-secret-file'], generate, network: network as NetworkName };
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** get_info as JSON, snake_case field names (fields added to DeviceInfo show up as they come). */
export function infoJson(i: DeviceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = { node_id: i.nodeId, network: i.network, firmware_version: i.firmwareVersion, provisioned: i.provisioned };
  for (const [k, x] of Object.entries(i)) {
    const name = k === 'nodeId' ? 'node_id' : snake(k);
    if (!(name in out)) out[name] = x instanceof Uint8Array ? Buffer.from(x).toString('hex') : x;
  }
  return out;
}

const say = (m: string) => process.stderr.write(`${m}\n`);

/** Said once per request when the device waits for its button. */
function onConfirm(info: ConfirmInfo): void {
  say(`Confirm on the device${info.text ? `: ${info.text.replace(/\n/g, ' / ')}` : ` (${info.request})`}...`);
}

async function provision(client: DeviceClient, a: DeviceArgs): Promise<Record<string, unknown>> {
  const before = await client.getInfo();
  if (before.provisioned) {
    // The device would refuse too (ERR_ALREADY_PROVISIONED); say which node it is.
    throw new Refused(`the device is already provisioned (node id ${before.nodeId}, ${before.network}): nothing was changed; ` +
      'wipe it first with `lnsigner device wipe` (this erases its secret)');
  }
  let req: ProvisionRequest;
  if (a.generate) {
    say(`asking the device at ${a.device} to generate its own secret for ${a.network} (it never leaves the device: there is no backup)`);
    req = { generate: true, network: a.network };
  } else {
    const file = readHsmSecretFile(a.hsmSecretFile!);
    const envPass = process.env[PASSPHRASE_ENV];
    let passphrase: string | undefined;
    if (file.format === 'mnemonic-with-passphrase') {
      passphrase = envPass ?? (await readPassphrase(`passphrase of ${a.hsmSecretFile}: `));
    } else if (envPass !== undefined) {
      throw new Refused(`${PASSPHRASE_ENV} is set, but ${a.hsmSecretFile} was made without a passphrase: nothing was sent`);
    }
    const kind = file.format === 'legacy' ? '32-byte hsm_secret' : `mnemonic hsm_secret${passphrase !== undefined ? ' with passphrase' : ''}`;
    say(`provisioning the device at ${a.device} for ${a.network} from ${a.hsmSecretFile} (${kind})`);
    req = { hsmSecret: file.bytes, passphrase, network: a.network };
  }
  const { nodeId } = await provisionDevice(client, req, { onConfirm });
  const node = Buffer.from(nodeId).toString('hex');
  say(`provisioned: node id ${node}`);
  return { node_id: node, network: a.network, generated: a.generate };
}

async function wipe(client: DeviceClient, a: DeviceArgs): Promise<Record<string, unknown>> {
  const info = await client.getInfo();
  if (!info.provisioned || info.nodeId === null) throw new Refused('the device is not provisioned (it holds no secret): nothing to wipe');
  say(`wiping the device at ${a.device} (node id ${info.nodeId}, ${info.network}): its secret will be erased`);
  await wipeDevice(client, info.nodeId, { onConfirm });
  say('wiped: the device holds no secret now');
  return { wiped: true, node_id: info.nodeId };
}

async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    return EXIT_OK;
  }
  let a: DeviceArgs;
  try {
    a = parseDeviceArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    say(`lnsigner device: ${e.message}\n${USAGE}`);
    return EXIT_USAGE;
  }
  let client: DeviceClient | undefined;
  try {
    client = await DeviceClient.open(a.device);
    const result =
      a.action === 'info' ? infoJson(await client.getInfo()) : a.action === 'provision' ? await provision(client, a) : await wipe(client, a);
    console.log(JSON.stringify(result, null, 2));
    return EXIT_OK;
  } catch (e) {
    const msg = e instanceof Refused || e instanceof HsmSecretFileError ? e.message : deviceFailureMessage(e, a.device);
    say(`lnsigner device ${a.action}: ${msg}`);
    return EXIT_DEVICE;
  } finally {
    await client?.close();
  }
}

export const subcommand: Subcommand = { summary: 'manage a device no daemon holds: info | provision | wipe', run };
