// Global fast-check settings for every suite: a property that fails reports
// its counterexample without an unbounded shrink (shrinking through signature
// operations can otherwise run for hours), and no property runs forever.
import fc from 'fast-check';

fc.configureGlobal({
  interruptAfterTimeLimit: 120_000,
  markInterruptAsFailure: true,
  endOnFailure: process.env.FC_SHRINK !== '1',
});
