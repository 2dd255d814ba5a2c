// A benchmark case: one operation of one implementation, measured in ops/s.
export interface BenchCase {
  /** Operation name, shared by the implementations compared (e.g. "schnorr-sign"). */
  name: string;
  /** Implementation ("firmware", "noble", "tiny-secp256k1", "host", ...). */
  impl: string;
  /** Runs the operation once. May return a promise (measured sequentially). */
  fn?: () => unknown;
  /** Instead of fn: ops/s measured outside this process (an interpreter run, bench/interp.ts). */
  external?: () => number | Promise<number>;
  /** Extra fields printed with the result (sizes, budgets, units). */
  extra?: Record<string, unknown>;
}

/** A suite builds its cases (loading what it needs) and may release them afterwards. */
export interface BenchSuite {
  title: string;
  setup(): Promise<BenchCase[]> | BenchCase[];
  teardown?(): Promise<void> | void;
}
