// The emulated board's display and two buttons (env.prompt_show /
// env.prompt_poll; docs/emulator.md "Confirmation"). `--confirm approve|deny`
// answers every prompt at once; `manual` prints the prompt on stderr and waits
// for a press through the control socket ({"op":"button","press":...}), or
// for the board's own timeout (`--confirm-timeout`).
import { PROMPT_APPROVED, PROMPT_DENIED, PROMPT_TIMEOUT, PROMPT_WAITING } from '../../shared/board.js';
import type { BoardPrompt } from '../firmware/load.js';

export type ConfirmMode = 'approve' | 'deny' | 'manual';
export const CONFIRM_MODES: readonly ConfirmMode[] = ['approve', 'deny', 'manual'];
export const DEFAULT_CONFIRM_TIMEOUT_S = 120;

export class EmulatorPrompt implements BoardPrompt {
  private text: string | null = null;
  private shownAt = 0;
  private pressed: number = PROMPT_WAITING;
  private timedOut = false;
  /** Answer every prompt with approve whatever the mode (the emulator's own
   *  --hsm-secret provisioning: the operator asked for it on the command line). */
  override?: number;

  constructor(
    readonly mode: ConfirmMode,
    readonly timeoutMs: number,
    private readonly log: (m: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {}

  show(text: string): number {
    if (!text) {
      this.text = null;
      return 0;
    }
    this.text = text;
    this.shownAt = this.now();
    this.pressed = PROMPT_WAITING;
    this.timedOut = false;
    if (this.override === undefined && this.mode === 'manual') {
      this.log(`confirm on the device (${Math.round(this.timeoutMs / 1000)} s):\n  ${text.trimEnd().split('\n').join('\n  ')}\n` +
        `  press with the control socket: {"op":"button","press":"approve"|"deny"}`);
    }
    return 0;
  }

  poll(): number {
    if (this.override !== undefined) return this.override;
    if (this.mode === 'approve') return PROMPT_APPROVED;
    if (this.mode === 'deny') return PROMPT_DENIED;
    if (this.text === null) return PROMPT_DENIED;
    if (this.pressed !== PROMPT_WAITING) return this.pressed;
    if (this.timedOut || this.now() - this.shownAt >= this.timeoutMs) {
      if (!this.timedOut) this.log('prompt timed out');
      this.timedOut = true;
      return PROMPT_TIMEOUT;
    }
    return PROMPT_WAITING;
  }

  /** The text of the prompt waiting for a press, or null. */
  pending(): string | null {
    if (this.text === null || this.pressed !== PROMPT_WAITING || this.poll() !== PROMPT_WAITING) return null;
    return this.text;
  }

  /** A press of one of the buttons; throws when no prompt waits for one. */
  press(which: 'approve' | 'deny'): void {
    if (this.mode !== 'manual') throw new Error(`the emulator runs with --confirm ${this.mode}: there is no button to press`);
    if (this.pending() === null) throw new Error('no prompt is waiting for a press');
    this.pressed = which === 'approve' ? PROMPT_APPROVED : PROMPT_DENIED;
    this.log(`button: ${which}`);
  }

  reset(): void {
    this.text = null;
    this.pressed = PROMPT_WAITING;
    this.timedOut = false;
  }
}
