// What to tell a person when a device-management request fails: shared by
// `lnsigner device` (stderr) and the daemon's getpolicy/setpolicy (error
// messages). One sentence each, saying whether anything changed.
import * as P from '../../shared/protocol.js';
import { DeviceBusyError, DeviceError, TransportError, statusName } from '../transport/errors.js';
import { confirmFailure } from './confirm-adapter.js';
import { explainDeviceStatus } from '../device-client/explain.js';
import { hsmSecretRefusal } from './hsm-secret-file.js';

export function confirmFailureMessage(kind: 'denied' | 'timeout' | 'busy'): string {
  switch (kind) {
    case 'denied': return 'denied on the device: nothing was changed';
    case 'timeout': return 'the device\'s prompt timed out with no answer: nothing was changed';
    case 'busy': return 'the device is waiting for a press for another request: answer it on the device, then try again';
  }
}

/** The port is locked: by the daemon, usually. */
export function busyMessage(path: string): string {
  return `the device at ${path} is held by a running lnsigner daemon (or another program); stop it first, ` +
    'or use `lnsigner getpolicy`/`setpolicy` through the daemon';
}

/** A one-line explanation of a device-management failure. */
export function deviceFailureMessage(e: unknown, path: string): string {
  const confirm = confirmFailure(e);
  if (confirm) return confirmFailureMessage(confirm);
  if (e instanceof DeviceBusyError) return `${busyMessage(path)} (${e.message})`;
  if (e instanceof DeviceError) {
    switch (e.status) {
      case P.ERR_ALREADY_PROVISIONED:
        return 'the device is already provisioned: nothing was changed (wipe it first with `lnsigner device wipe`, which erases its secret)';
      case P.ERR_NOT_PROVISIONED:
        return 'the device is not provisioned (it holds no secret): nothing to do';
      case P.ERR_HSM_SECRET:
        return `the device refused the hsm_secret: ${hsmSecretRefusal(e.detail)}; nothing was changed`;
      case P.ERR_ENTROPY:
        return `the device's random source failed (${e.detail === 2 ? 'stuck' : 'error'}): nothing was changed`;
      case P.ERR_WIPE_CONFIRM:
        return 'the device refused: the node id sent does not match its own (another device answered?); nothing was changed';
      case P.ERR_BAD_PAYLOAD:
        return `the device refused the request as malformed (${statusName(e.status)}): nothing was changed`;
      default:
        return `the device refused: ${explainDeviceStatus(e.status, e.detail)} (${statusName(e.status)})`;
    }
  }
  if (e instanceof TransportError) return e.message;
  return (e as Error)?.message ?? String(e);
}
