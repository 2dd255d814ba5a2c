// Asking for an hsm_secret passphrase on the terminal without echoing it
// (`lnsigner device provision`). Not a terminal: refused, so a script has to
// use $LNSIGNER_HSM_PASSPHRASE instead of hanging on a prompt.

export class NoTerminalError extends Error {}

export function readPassphrase(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    return Promise.reject(new NoTerminalError('this hsm_secret has a passphrase: set LNSIGNER_HSM_PASSPHRASE, or run on a terminal to be asked'));
  }
  // Echo off before the prompt shows: nothing typed after it is echoed.
  input.setRawMode(true);
  input.resume();
  process.stderr.write(prompt);
  let text = '';
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      input.off('data', onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new NoTerminalError('cancelled'));
        if (ch === '\u007f' || ch === '\b') text = Array.from(text).slice(0, -1).join('');
        else text += ch;
      }
    };
    input.on('data', onData);
  });
}
