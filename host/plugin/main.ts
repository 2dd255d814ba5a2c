// Entry of bin/lnsigner-plugin.js: the plugin process lightningd spawns.
// stdout belongs to the protocol (§1.1: any other output kills the plugin),
// so console output is sent to stderr, which lightningd passes through.
import { lnsignerPlugin } from './lnsigner.js';
import { PluginRuntime } from './runtime.js';

export async function runPlugin(argv: string[]): Promise<number> {
  const toStderr = (...a: unknown[]) => process.stderr.write(`${a.map(String).join(' ')}\n`);
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  // §1.1: lightningd passes --developer when it runs in developer mode.
  const developer = argv.includes('--developer');
  const rt = new PluginRuntime(lnsignerPlugin(developer), { input: process.stdin, output: process.stdout });
  const stopOn = (sig: NodeJS.Signals) => process.once(sig, () => void rt.stop(`received ${sig}`, 0));
  stopOn('SIGTERM');
  stopOn('SIGINT');
  return rt.run();
}
