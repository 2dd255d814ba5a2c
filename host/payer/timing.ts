// Where a payer command's time goes (the `payer` benchmark reads it from the
// log): time spent waiting on the device (every DeviceSigner call: request,
// UART, firmware) and on lightningd, measured by wrapping the two clients,
// plus the time a reply took to come back. Wrapping keeps the flows free of
// stopwatch code; an unwrapped call is simply not counted.

/** Milliseconds per part of one command. */
export interface Stopwatch {
  device: number;
  node: number;
  started: number;
}

export function stopwatch(): Stopwatch {
  return { device: 0, node: 0, started: performance.now() };
}

/** `target` with every method that returns a promise timed into `sw[field]`. */
export function timed<T extends object>(target: T, sw: Stopwatch, field: 'device' | 'node'): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const v = Reflect.get(obj, key, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const t = performance.now();
        const r = (v as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(r instanceof Promise)) return r;
        return r.finally(() => (sw[field] += performance.now() - t));
      };
    },
  });
}

/** `ms: device D node N wait W other O total T` (rounded to 0.1 ms). */
export function timingText(sw: Stopwatch, waitMs = 0): string {
  const total = performance.now() - sw.started;
  const f = (x: number) => (Math.round(x * 10) / 10).toFixed(1);
  return `ms: device ${f(sw.device)} node ${f(sw.node)} wait ${f(waitMs)} other ${f(Math.max(0, total - sw.device - sw.node - waitMs))} total ${f(total)}`;
}
