// The spending window's clock (docs/firmware/onion.md "Clock"). The board's
// clock is not trusted to move only forward: the policy record keeps a floor,
// the latest window time it was written at, and
// - the window's time is max(board clock, floor): setting the clock back
//   never frees anything (entries stamped "in the future" are kept anyway);
// - a forward jump of more than a day past the floor, while it would free
//   entries a limit reads, needs the user's press ("Clock jumped +N h")
//   before the window ages by it; until then build_onion waits for the press
//   and the window keeps the floor's time.
import { POLICY_WINDOW_SECONDS } from "../../shared/protocol";
import { get32 } from "../proto/bytes";
import { NO_LIMIT, clockFloor, entryAt, entryLive, limitDaily, limitMaxAmount, limitPayeeDaily, logUsed } from "./store";

/** The floor: the stored one, or the newest log entry when that is later (a
 *  record written before the floor existed). Valid after policyLoad. */
export function floorTime(): u32 {
  let f = clockFloor();
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) {
    const t = get32(entryAt(i));
    if (t > f) f = t;
  }
  return f;
}

/** True when the board clock is more than a day past the floor and that would
 *  free log entries that a limit (daily, max_amount, payee daily) reads. */
export function clockJumpNeedsPress(board: u32): bool {
  const f = floorTime();
  // Rule (issue 9): a forward jump of more than a day needs a press before it frees the window.
  if (f == 0 || board <= f || board - f <= <u32>POLICY_WINDOW_SECONDS) return false;
  if (limitDaily() == NO_LIMIT && limitMaxAmount() == NO_LIMIT && limitPayeeDaily() == NO_LIMIT) return false;
  const n = logUsed();
  for (let i: u32 = 0; i < n; i++) {
    const t = get32(entryAt(i));
    if (entryLive(t, f) && !entryLive(t, board)) return true;
  }
  return false;
}

/** The window's time: max(board, floor); the floor while a jump awaits its press. */
export function windowTime(board: u32): u32 {
  const f = floorTime();
  if (clockJumpNeedsPress(board)) return f;
  return board > f ? board : f;
}
