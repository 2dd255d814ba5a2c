// The JSON-RPC error a call must end in (lightningd's or lnsigner's socket):
// fails the test if the call succeeds or throws anything else.
import { LightningRpcError } from '../../host/node/client.js';

export async function refusal(p: Promise<unknown>): Promise<LightningRpcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof LightningRpcError) return e;
    throw e;
  }
  throw new Error('expected an RPC error');
}
