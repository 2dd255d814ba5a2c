// Measures ops/s of a case: a warm-up, then repeated timed batches until the
// time budget is spent; the best batch rate is reported (least disturbed by
// other load on a noisy machine).
import type { BenchCase } from './types.js';

export interface Measurement {
  name: string;
  impl: string;
  ops_per_s: number;
  [extra: string]: unknown;
}

export async function measure(c: BenchCase, budgetMs: number): Promise<Measurement> {
  if (c.external) return { name: c.name, impl: c.impl, ops_per_s: await c.external(), ...(c.extra ?? {}) };
  const fn = c.fn;
  if (!fn) throw new Error(`bench case ${c.name} ${c.impl} has neither fn nor external`);
  const now = () => performance.now();
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      const r = fn();
      if (r instanceof Promise) await r;
    }
  };
  // Warm-up and calibration: find a batch size that takes ~budget/10.
  let n = 1;
  for (;;) {
    const t0 = now();
    await run(n);
    const dt = now() - t0;
    if (dt >= budgetMs / 10 || n >= 1 << 24) break;
    n = dt <= 0 ? n * 8 : Math.max(n * 2, Math.ceil((n * budgetMs) / 10 / dt));
  }
  let best = 0;
  const end = now() + budgetMs;
  do {
    const t0 = now();
    await run(n);
    const dt = now() - t0;
    best = Math.max(best, (n * 1000) / Math.max(dt, 1e-6));
  } while (now() < end);
  return { name: c.name, impl: c.impl, ops_per_s: Math.round(best * 10) / 10, ...(c.extra ?? {}) };
}
