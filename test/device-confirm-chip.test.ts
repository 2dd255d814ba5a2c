// The confirmation gate in-process (device/confirm/, docs/protocol.md
// "Confirmation"): the chip with a board prompt the test controls, so every
// state of the gate is reached deterministically — pending, approved, denied,
// timed out, busy, abandoned — plus the prompt texts, the clock floor and a
// fuzz of the gated requests' payloads. The same requests over the PTY with
// the real emulator process: test/device-confirm.test.ts.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sha256 } from '@noble/hashes/sha2.js';
import * as P from '../shared/protocol.js';
import { FLASH_POLICY_OFF, FLASH_SECTOR, PROMPT_APPROVED, PROMPT_DENIED, PROMPT_TIMEOUT, PROMPT_WAITING } from '../shared/board.js';
import { crc32c } from '../host/transport/crc.js';
import { MemoryFlash } from '../host/emulator/flash.js';
import { autoPrompt, type BoardPrompt } from '../host/firmware/load.js';
import { decodeError } from '../host/transport/messages.js';
import { decodeInfo } from '../host/device-client/info.js';
import {
  decodePolicy, encodeBuildOnion, encodeCreateOnion, encodeProvision, encodeSetPolicy, type SpendingLimits,
} from '../host/device-client/requests.js';
import { encodeHopPayload } from '../host/onion/payload.js';
import { secp } from '../host/crypto/noble.js';
import { ascii, h, x } from './helpers/bytes.js';
import { powerUp, type Chip } from './helpers/chip.js';
import { keyCases } from './helpers/device-requests.js';
import { DEV_KEY, OTHER_KEY, WASM, image } from './helpers/flash.js';

const K = keyCases[1];

/** A board prompt whose buttons the test sets. As the board contract says,
 *  showing a prompt arms the buttons: a press before it does not count. */
class Buttons implements BoardPrompt {
  shown: string[] = [];
  clears = 0;
  answer: number = PROMPT_WAITING;
  /** What a new prompt starts with (a user who answers at once). */
  armed: number = PROMPT_WAITING;
  show(text: string): number {
    if (text) {
      this.shown.push(text);
      this.answer = this.armed;
    } else this.clears++;
    return 0;
  }
  poll(): number {
    return this.answer;
  }
  always(a: number): void {
    this.armed = this.answer = a;
  }
}

const NONE: SpendingLimits = { maxAmountMsat: null, maxFeeMsat: null, maxFeePpm: null, dailyLimitMsat: null, confirmAboveMsat: null };
const status = (f: { type: number; payload: Uint8Array }) => (f.type === P.MSG_ERROR ? decodeError(f.payload)!.code : 0);
const ok = (c: Chip, type: number, payload: Uint8Array) => {
  const f = c.request(type, payload);
  expect(f.type, f.type === P.MSG_ERROR ? `status 0x${status(f).toString(16)}` : '').toBe(type | P.MSG_REPLY);
  return f.payload;
};
const info = (c: Chip) => decodeInfo(ok(c, P.MSG_GET_INFO, new Uint8Array(0)));
const policy = (c: Chip) => decodePolicy(ok(c, P.MSG_GET_POLICY, new Uint8Array(0)));

const nodes = [1, 2].map((i) => secp.getPublicKey(sha256(Uint8Array.of(i)), true));
const payment = (tag: string, amount: bigint, fee = 5n) => encodeBuildOnion({
  hops: [
    { pubkey: nodes[0], payload: encodeHopPayload({ amountMsat: amount, cltv: 800040, shortChannelId: new Uint8Array(8).fill(1) }) },
    { pubkey: nodes[1], payload: encodeHopPayload({ amountMsat: amount, cltv: 800000, paymentSecret: new Uint8Array(32).fill(3) }) },
  ],
  paymentHash: sha256(ascii(tag)), firstHopAmountMsat: amount + fee,
});

/** A provisioned chip (approved by an auto board) on `flash`, then running with `buttons`. */
function provisioned(buttons: BoardPrompt, clock?: () => number, flash = new MemoryFlash()) {
  ok(powerUp(flash, autoPrompt(), clock), P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file, network: 'regtest' }));
  return { flash, chip: powerUp(flash, buttons, clock) };
}

/** Every prompt fits the board's display: ≤ 160 bytes, ≤ 4 lines of ≤ 32 characters. */
function fitsDisplay(t: string) {
  expect(Buffer.byteLength(t)).toBeLessThanOrEqual(160);
  const lines = t.replace(/\n$/, '').split('\n');
  expect(lines.length).toBeLessThanOrEqual(4);
  for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(32);
}

describe('gate states (in-process board)', () => {
  it('an approving board: provision proceeds in the same round trip, the prompt shown once and cleared', () => {
    const b = new Buttons();
    b.always(PROMPT_APPROVED);
    const chip = powerUp(new MemoryFlash(), b);
    const r = ok(chip, P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file, network: 'regtest' }));
    expect(x(r)).toBe(K.nodeId);
    expect(b.shown).toEqual(['Provision the device?\nImport an hsm_secret\nNetwork regtest\n']);
    expect(b.clears).toBeGreaterThanOrEqual(1);
  });

  it('pending until the press, polled with the same payload; the prompt is shown once', () => {
    const b = new Buttons();
    const chip = powerUp(new MemoryFlash(), b);
    const req = encodeProvision({ generate: true, network: 'testnet' });
    for (let i = 0; i < 3; i++) expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_PENDING);
    expect(info(chip).provisioned).toBe(false);
    // Other requests are served meanwhile.
    expect(x(ok(chip, P.MSG_PING, ascii('still here')))).toBe(x(ascii('still here')));
    b.answer = PROMPT_APPROVED;
    expect(ok(chip, P.MSG_PROVISION, req).length).toBe(33);
    expect(info(chip)).toMatchObject({ provisioned: true, network: 'testnet' });
    expect(b.shown).toEqual(['Provision the device?\nGenerate a new secret\nNetwork testnet\n']);
  });

  it('denied and timed out change nothing; the next attempt asks again', () => {
    const b = new Buttons();
    const chip = powerUp(new MemoryFlash(), b);
    const req = encodeProvision({ hsmSecret: K.file });
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_DENIED);
    expect(info(chip).provisioned).toBe(false);
    b.answer = PROMPT_WAITING;
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_TIMEOUT;
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_TIMEOUT);
    expect(info(chip).provisioned).toBe(false);
    expect(b.shown.length).toBe(2);
    expect(b.clears).toBe(2);
    // A poll answer the protocol does not define counts as deny.
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = 9;
    expect(status(chip.request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_DENIED);
    expect(info(chip).provisioned).toBe(false);
  });

  it('a second gated request while one waits is busy; one the board resolved but nobody polled is abandoned', () => {
    const b = new Buttons();
    const { chip } = provisioned(b);
    const loosen = encodeSetPolicy({ ...NONE });
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 1000n })); // tightening: no prompt
    expect(b.shown).toEqual([]);
    expect(status(chip.request(P.MSG_SET_POLICY, loosen))).toBe(P.ERR_CONFIRM_PENDING);
    const wipe = h(K.nodeId);
    expect(status(chip.request(P.MSG_WIPE, wipe))).toBe(P.ERR_CONFIRM_BUSY);
    // A different payload of the same request type is another request too.
    expect(status(chip.request(P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 2000n })))).toBe(P.ERR_CONFIRM_BUSY);
    // The user presses approve, but the set_policy host went away: the wipe
    // takes the display (its own prompt, not approved by that press), and the
    // approval is applied to nothing.
    b.answer = PROMPT_APPROVED;
    expect(status(chip.request(P.MSG_WIPE, wipe))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown.at(-1)).toMatch(/^Wipe the device\?/);
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_WIPE, wipe))).toBe(P.ERR_CONFIRM_DENIED);
    expect(policy(chip).dailyLimitMsat).toBe(1000n);
    expect(info(chip).provisioned).toBe(true);
  });

  it('a board that cannot show the prompt cannot confirm: ERR_CONFIRM_DENIED, detail 1', () => {
    const flash = new MemoryFlash();
    const noDisplay: BoardPrompt = { show: (t) => (t ? 1 : 0), poll: () => PROMPT_APPROVED };
    const f = powerUp(flash, noDisplay).request(P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file }));
    expect(decodeError(f.payload)).toMatchObject({ code: P.ERR_CONFIRM_DENIED, detail: 1 });
  });

  it('a reset forgets the waiting prompt (RAM only)', () => {
    const flash = new MemoryFlash();
    const b = new Buttons();
    const req = encodeProvision({ hsmSecret: K.file });
    expect(status(powerUp(flash, b).request(P.MSG_PROVISION, req))).toBe(P.ERR_CONFIRM_PENDING);
    // After a reset another request is not busy: nothing waits any more.
    const again = powerUp(flash, b);
    expect(status(again.request(P.MSG_PROVISION, encodeProvision({ generate: true })))).toBe(P.ERR_CONFIRM_PENDING);
  });
});

describe('which requests need the press, and what the device shows', () => {
  it('set_policy: tightening applies at once; loosening or removing any limit, the threshold included, asks', () => {
    const b = new Buttons();
    const { chip } = provisioned(b);
    const tight: SpendingLimits = { maxAmountMsat: 100_000n, maxFeeMsat: 1_000n, maxFeePpm: 5_000, dailyLimitMsat: 500_000n, confirmAboveMsat: 50_000n };
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy(tight)))).toMatchObject(tight);
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...tight, maxFeeMsat: 999n, confirmAboveMsat: 0n }));
    expect(b.shown).toEqual([]);
    const cases: [Partial<SpendingLimits>, string][] = [
      [{ maxAmountMsat: 100_001n }, ' amount'],
      [{ maxFeeMsat: null }, ' fee'],
      [{ maxFeePpm: 5_001 }, ' ppm'],
      [{ dailyLimitMsat: null }, ' daily'],
      [{ confirmAboveMsat: 1n }, ' confirm'],
      [{ maxAmountMsat: 1n, dailyLimitMsat: 600_000n }, ' daily'],
    ];
    const base = { ...tight, maxFeeMsat: 999n, confirmAboveMsat: 0n };
    for (const [change, names] of cases) {
      b.shown = [];
      b.always(PROMPT_DENIED);
      const req = encodeSetPolicy({ ...base, ...change });
      expect(status(chip.request(P.MSG_SET_POLICY, req))).toBe(P.ERR_CONFIRM_DENIED);
      expect(policy(chip)).toMatchObject(base);
      expect(b.shown).toEqual([`Loosen spending limits?\n${names}\n`]);
    }
    b.always(PROMPT_APPROVED);
    expect(decodePolicy(ok(chip, P.MSG_SET_POLICY, encodeSetPolicy(NONE)))).toMatchObject(NONE);
    expect(b.shown.at(-1)).toBe('Loosen spending limits?\n amount fee ppm daily confirm\n');
  });

  it('wipe: exactly the 33-byte node id (else no prompt), then the press', () => {
    const b = new Buttons();
    const { chip } = provisioned(b);
    const id = h(K.nodeId);
    expect(status(chip.request(P.MSG_WIPE, id.subarray(0, 32)))).toBe(P.ERR_BAD_PAYLOAD);
    expect(status(chip.request(P.MSG_WIPE, Uint8Array.from([...id, 0])))).toBe(P.ERR_BAD_PAYLOAD);
    const other = secp.getPublicKey(sha256(ascii('another device')), true);
    expect(status(chip.request(P.MSG_WIPE, other))).toBe(P.ERR_WIPE_CONFIRM);
    expect(b.shown).toEqual([]);
    expect(status(chip.request(P.MSG_WIPE, id))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown).toEqual([`Wipe the device?\nNode ${K.nodeId.slice(0, 16)}...\nThe secret is erased for good\n`]);
    b.answer = PROMPT_APPROVED;
    expect(ok(chip, P.MSG_WIPE, id).length).toBe(0);
    expect(info(chip).provisioned).toBe(false);
  });

  it('build_onion: a payment delivering more than confirm_above_msat asks (amount, fee, final node); at or below it, a resend, and createonion mode do not', () => {
    const b = new Buttons();
    const { chip } = provisioned(b);
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, confirmAboveMsat: 1_000_000n }));
    ok(chip, P.MSG_BUILD_ONION, payment('at threshold', 1_000_000n));
    expect(b.shown).toEqual([]);
    const big = payment('above', 1_000_001n, 7n);
    expect(status(chip.request(P.MSG_BUILD_ONION, big))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown).toEqual([`Pay 1000001 msat?\nFee 7 msat\nTo ${x(nodes[1]).slice(0, 16)}...\n`]);
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_BUILD_ONION, big))).toBe(P.ERR_CONFIRM_DENIED);
    expect(policy(chip)).toMatchObject({ logUsed: 1, spentLast24hMsat: 1_000_005n });
    expect(status(chip.request(P.MSG_BUILD_ONION, big))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_APPROVED;
    const a = ok(chip, P.MSG_BUILD_ONION, big);
    expect(policy(chip)).toMatchObject({ logUsed: 2, spentLast24hMsat: 2_000_013n });
    // A resend of the recorded part spends nothing new: no prompt.
    b.always(PROMPT_DENIED);
    b.shown = [];
    expect(x(ok(chip, P.MSG_BUILD_ONION, big))).toBe(x(a));
    // createonion mode reads no amount and no policy: never a prompt.
    ok(chip, P.MSG_BUILD_ONION, encodeCreateOnion({
      hops: [{ pubkey: nodes[0], payload: Uint8Array.of(3, 2, 1, 5) }], assocData: new Uint8Array(0), sessionKey: new Uint8Array(32).fill(9),
    }));
    expect(b.shown).toEqual([]);
  });

  it('fw_begin shows the version and the image hash; denied leaves the slot alone', () => {
    const b = new Buttons();
    const chip = powerUp(new MemoryFlash(), b);
    const img = image(WASM, '0.2.3', DEV_KEY);
    expect(status(chip.request(P.MSG_FW_BEGIN, img.header))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown).toEqual([`Install firmware 0.2.3?\nDEV image: key is public\nSHA256 ${x(img.hash).slice(0, 16)}...\n`]);
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_FW_BEGIN, img.header))).toBe(P.ERR_CONFIRM_DENIED);
    // Not begun: a chunk is out of sequence.
    expect(status(chip.request(P.MSG_FW_CHUNK, new Uint8Array(5)))).toBe(P.ERR_FW_STATE);
    expect(status(chip.request(P.MSG_FW_BEGIN, img.header))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_APPROVED;
    ok(chip, P.MSG_FW_BEGIN, img.header);
    // Refusals come before the prompt: an image not signed by the release key never asks.
    b.shown = [];
    expect(status(chip.request(P.MSG_FW_BEGIN, image(WASM, '0.3.0', OTHER_KEY).header))).toBe(P.ERR_FW_SIGNATURE);
    expect(b.shown).toEqual([]);
  });

  it('every prompt fits the display, and the provision prompt never shows the secret', () => {
    const shown: string[] = [];
    const { chip } = provisioned(autoPrompt(PROMPT_APPROVED, shown));
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, confirmAboveMsat: 0n }));
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, confirmAboveMsat: null }));
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, confirmAboveMsat: 0n }));
    ok(chip, P.MSG_BUILD_ONION, payment('max', 2_099_999_999_999_999_000n, 999n));
    ok(chip, P.MSG_FW_BEGIN, image(WASM, '255.255.255', DEV_KEY).header);
    ok(chip, P.MSG_WIPE, h(K.nodeId));
    ok(chip, P.MSG_PROVISION, encodeProvision({ hsmSecret: K.file, network: 'signet' }));
    // set_policy from none to 0 tightens (no prompt), back to none loosens.
    expect(shown.length).toBe(5);
    shown.forEach(fitsDisplay);
    expect(shown).toContain('Pay 2099999999999999000 msat?\nFee 999 msat\nTo ' + x(nodes[1]).slice(0, 16) + '...\n');
    const secretHex = x(K.file);
    for (const t of shown) for (let i = 0; i + 8 <= secretHex.length; i += 2) expect(t).not.toContain(secretHex.slice(i, i + 8));
  });
});

describe('the spending window\'s clock floor', () => {
  const T0 = 1_800_000_000;
  it('time never goes back for the window; a jump of more than a day asks before it frees the window', () => {
    let now = T0;
    const b = new Buttons();
    const { chip, flash } = provisioned(b, () => now);
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 100_000n }));
    ok(chip, P.MSG_BUILD_ONION, payment('t0', 60_000n));
    expect(policy(chip)).toMatchObject({ clockFloor: T0, spentLast24hMsat: 60_005n });
    // The clock set back a week: the floor holds, nothing is freed, new parts are stamped at the floor.
    now = T0 - 7 * 86400;
    ok(chip, P.MSG_BUILD_ONION, payment('back', 1_000n));
    expect(policy(chip)).toMatchObject({ clockFloor: T0, clock: now, spentLast24hMsat: 61_010n });
    // Less than a day forward: no prompt, the window moves with it.
    now = T0 + 86400 - 10;
    expect(policy(chip).spentLast24hMsat).toBe(61_010n);
    // More than a day past the floor: the window stays at the floor until the press.
    now = T0 + 25 * 3600;
    expect(policy(chip)).toMatchObject({ spentLast24hMsat: 61_010n, clockFloor: T0 });
    const req = payment('after jump', 50_000n);
    expect(status(chip.request(P.MSG_BUILD_ONION, req))).toBe(P.ERR_CONFIRM_PENDING);
    expect(b.shown).toEqual(['Clock jumped +25 h\nAccept the new time? It frees\nthe 24 h spending window\n']);
    // Meanwhile set_policy (tightening, no press) does not take the jump over.
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 99_000n }));
    expect(policy(chip)).toMatchObject({ clockFloor: T0, spentLast24hMsat: 61_010n });
    b.answer = PROMPT_DENIED;
    expect(status(chip.request(P.MSG_BUILD_ONION, req))).toBe(P.ERR_CONFIRM_DENIED);
    expect(policy(chip)).toMatchObject({ clockFloor: T0, spentLast24hMsat: 61_010n, logUsed: 2 });
    expect(status(chip.request(P.MSG_BUILD_ONION, req))).toBe(P.ERR_CONFIRM_PENDING);
    b.answer = PROMPT_APPROVED;
    ok(chip, P.MSG_BUILD_ONION, req);
    expect(policy(chip)).toMatchObject({ clockFloor: T0 + 25 * 3600, spentLast24hMsat: 50_005n, logUsed: 1 });
    // The floor is in flash: a new power-up keeps it.
    now = T0;
    expect(policy(powerUp(flash, b, () => now))).toMatchObject({ clockFloor: T0 + 25 * 3600, spentLast24hMsat: 50_005n });
  });

  it('no prompt for a jump when nothing in the window would be freed or no limit reads it', () => {
    let now = T0;
    const b = new Buttons();
    const { chip } = provisioned(b, () => now);
    ok(chip, P.MSG_BUILD_ONION, payment('no limits', 1_000n));
    now = T0 + 3 * 86400;
    ok(chip, P.MSG_BUILD_ONION, payment('later', 1_000n));
    expect(b.shown).toEqual([]);
    expect(policy(chip)).toMatchObject({ clockFloor: now, logUsed: 1 });
  });
});

describe('a policy record written before the threshold and the floor existed', () => {
  it('reads as "confirm every payment" (the strictest threshold) and floor 0: an update never loosens the policy', () => {
    const b = new Buttons();
    const { chip, flash } = provisioned(b);
    ok(chip, P.MSG_SET_POLICY, encodeSetPolicy({ ...NONE, dailyLimitMsat: 1_000_000n })); // seq 1: sector 1
    // Rewrite it as the earlier firmware did: bytes 40..63 reserved, zero; CRC over 4..2623.
    const off = FLASH_POLICY_OFF + FLASH_SECTOR;
    const rec = new Uint8Array(2628);
    flash.read(off, rec);
    expect(rec.subarray(40, 48)).toEqual(new Uint8Array(8).fill(0xff)); // confirm_above: none
    rec.fill(0, 40, 64);
    new DataView(rec.buffer).setUint32(2624, crc32c(rec.subarray(4, 2624)), true);
    flash.erase(off, FLASH_SECTOR);
    flash.write(off, rec);
    const old = powerUp(flash, b);
    expect(policy(old)).toMatchObject({ dailyLimitMsat: 1_000_000n, confirmAboveMsat: 0n, clockFloor: 0, seq: 1 });
    expect(status(old.request(P.MSG_BUILD_ONION, payment('old record', 1n)))).toBe(P.ERR_CONFIRM_PENDING);
  });
});

describe('hostile payloads of the gated requests never trap', () => {
  it('random set_policy, wipe, provision, fw_begin and build_onion payloads with random button answers', () => {
    const answers = [PROMPT_WAITING, PROMPT_APPROVED, PROMPT_DENIED, PROMPT_TIMEOUT, 7, -1];
    let k = 0;
    const board: BoardPrompt = { show: () => 0, poll: () => answers[k++ % answers.length] };
    const { chip } = provisioned(board);
    const hdr = image(WASM, '0.9.0', DEV_KEY).header;
    fc.assert(fc.property(
      fc.constantFrom(P.MSG_SET_POLICY, P.MSG_WIPE, P.MSG_PROVISION, P.MSG_FW_BEGIN, P.MSG_BUILD_ONION, P.MSG_GET_POLICY),
      fc.oneof(
        fc.uint8Array({ maxLength: 300 }),
        fc.tuple(fc.constantFrom(encodeSetPolicy(NONE), h(K.nodeId), hdr, payment('f', 10n)), fc.nat(), fc.integer({ min: 0, max: 255 }))
          .map(([b, i, v]) => { const c = b.slice(); c[i % c.length] = v; return c; }),
      ),
      (type, payload) => {
        const f = chip.request(type, payload);
        expect([type | P.MSG_REPLY, P.MSG_ERROR]).toContain(f.type);
      },
    ), { numRuns: 400 });
    expect(x(ok(chip, P.MSG_PING, ascii('alive')))).toBe(x(ascii('alive')));
  });
});
