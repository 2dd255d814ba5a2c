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
import { DeviceClient } from '../device-client/client.js';
import type { DeviceInfo } from '../device-client/info.js';
import { NETWORK_CODES, type NetworkName, type ProvisionRequest } from '../device-client/requests.js';
import { provisionDevice, wipeDevice, type ConfirmInfo } from '../device-admin/confirm-adapter.js';
import { HsmSecretFileError, readHsmSecretFile } from '../device-admin/hsm-secret-file.js';
import { deviceFailureMessage } from '../device-admin/messages.js';
import { readPassphrase } from '../device-admin/passphrase.js';
import type { Subcommand } from './main.js';
import { EXIT_ERROR, EXIT_OK, EXIT_TALKING, EXIT_USAGE, flag, parseOptions, parseOrExit, str, usageFailure, UsageError, type CommandSpec } from './options.js';
import { cut } from '../rpc/cut.js';
import { DeviceError, TransportError } from '../transport/errors.js';

const deviceOpt = { type: 'string', value: '<path>', required: true, description: 'serial port of the device (no daemon may hold it)' } as const;
export const DEVICE_SPECS: Record<'info' | 'provision' | 'wipe', CommandSpec> = {
  info: { name: 'device info', summary: "Print the device's get_info as JSON.", options: { device: deviceOpt } },
  provision: {
    name: 'device provision',
    summary: 'Give the device its secret: from a Core Lightning hsm_secret file, or one it generates itself (no backup).',
    options: {
      device: deviceOpt,
      'hsm-secret-file': { type: 'string', value: '<file>', description: 'hsm_secret to load (a passphrase comes from $LNSIGNER_HSM_PASSPHRASE or a prompt)' },
      generate: { type: 'boolean', description: 'the device draws its own secret' },
      network: { type: 'string', value: Object.keys(NETWORK_CODES).join('|'), default: 'bitcoin', description: 'the chain' },
    },
    notes: ['Exactly one of --hsm-secret-file and --generate.'],
  },
  wipe: { name: 'device wipe', summary: "Erase the device's secret (asks on the device).", options: { device: deviceOpt } },
};

const USAGE = `usage: lnsigner device info --device <path>
       lnsigner device provision --device <path> (--hsm-secret-file <file> | --generate)
                                 [--network bitcoin|testnet|signet|regtest]
       lnsigner device wipe --device <path>
(lnsigner device <action> --help for each)`;

export const PASSPHRASE_ENV = 'LNSIGNER_HSM_PASSPHRASE';

/** A refusal decided here, before anything was sent. */
class Refused extends Error {}

interface DeviceArgs {
  action: 'info' | 'provision' | 'wipe';
  device: string;
  hsmSecretFile?: string;
  generate: boolean;
  network: NetworkName;
}

/** Throws UsageError. */
export function parseDeviceArgs(args: string[]): DeviceArgs {
  const [action, ...rest] = args;
  if (action !== 'info' && action !== 'provision' && action !== 'wipe') {
    throw new UsageError(action ? `unknown action '${cut(action)}'` : 'an action is required (info, provision or wipe)');
  }
  const v = parseOptions(DEVICE_SPECS[action], rest).values;
  const network = str(v, 'network') ?? 'bitcoin';
  if (!(network in NETWORK_CODES)) throw new UsageError(`--network must be one of ${Object.keys(NETWORK_CODES).join(', ')}`);
  const generate = flag(v, 'generate');
  if (action === 'provision' && generate === (str(v, 'hsm-secret-file') !== undefined)) {
    throw new UsageError('provision needs exactly one of --hsm-secret-file <file> and --generate');
  }
  return { action, device: str(v, 'device')!, hsmSecretFile: str(v, 'hsm-secret-file'), generate, network: network as NetworkName };
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
  const [action, ...rest] = args;
  const spec = DEVICE_SPECS[action as keyof typeof DEVICE_SPECS] as CommandSpec | undefined;
  if (!spec) {
    if (action === '--help' || action === '-h' || action === 'help') {
      console.log(USAGE);
      return EXIT_OK;
    }
    say(`lnsigner device: ${action ? `unknown action '${cut(action)}'` : 'an action is required (info, provision or wipe)'}\n${USAGE}`);
    return EXIT_USAGE;
  }
  const p = parseOrExit(spec, rest);
  if (typeof p === 'number') return p;
  let a: DeviceArgs;
  try {
    a = parseDeviceArgs(args);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageFailure(spec, e.message);
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
    // lightning-cli's codes: 2 when the device could not be reached at all, 1 when it answered no.
    return e instanceof TransportError && !(e instanceof DeviceError) ? EXIT_TALKING : EXIT_ERROR;
  } finally {
    await client?.close();
  }
}

export const subcommand: Subcommand = { summary: 'manage a device no daemon holds: info | provision | wipe', spec: Object.values(DEVICE_SPECS), run };
