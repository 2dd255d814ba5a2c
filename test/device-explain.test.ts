// Device refusals as sentences (host/device-client/explain.ts): what was wrong and
// where, for every status the firmware can send.
import { describe, expect, it } from 'vitest';
import * as P from '../shared/protocol.js';
import { explainDeviceStatus } from '../host/device-client/explain.js';
import { DeviceError } from '../host/transport/errors.js';
import { cut } from '../host/rpc/cut.js';

describe('explainDeviceStatus', () => {
  it('has a sentence for every refusal status of the protocol', () => {
    for (const [name, code] of Object.entries(P)) {
      if (!name.startsWith('ERR_') || typeof code !== 'number' || code <= P.ERR_FRAME_LAST) continue;
      expect(explainDeviceStatus(code, 0), name).not.toMatch(/^refused with status/);
    }
  });
  it('names the hop, the field and the limit', () => {
    expect(explainDeviceStatus(P.ERR_ONION_ROUTE, 4 | (1 << 8))).toBe('the payload of hop 2 of the route is malformed');
    expect(explainDeviceStatus(P.ERR_ONION_ROUTE, P.ONION_ROUTE_TOO_BIG | (37 << 8))).toBe('the hop payloads are 37 bytes too big for the onion');
    expect(explainDeviceStatus(P.ERR_ONION_AMOUNT, P.ONION_AMT_INCREASES | (2 << 8))).toMatch(/^amt_to_forward of hop 3 of the route is larger than the amount reaching it/);
    expect(explainDeviceStatus(P.ERR_POLICY, P.POLICY_LIMIT_DAILY)).toBe('a spending limit refuses it: would exceed its 24-hour spending limit (daily_limit_msat)');
    // Every POLICY_LIMIT_* has its sentence (issue 12: the BOLT 12 terms).
    for (const [name, v] of Object.entries(P)) {
      if (name.startsWith('POLICY_LIMIT_')) expect(explainDeviceStatus(P.ERR_POLICY, v as number), name).not.toMatch(/limit \d+$/);
    }
    expect(explainDeviceStatus(P.ERR_POLICY, P.POLICY_LIMIT_PAYEE_DAILY)).toMatch(/24-hour limit for this payee \(payee_daily_msat/);
    expect(explainDeviceStatus(P.ERR_POLICY, P.POLICY_LIMIT_PERIOD_CAP)).toMatch(/one recurring payment \(recurring_period_msat/);
    expect(explainDeviceStatus(P.ERR_REFUSED, P.REFUSED_ALLOWLIST_FULL)).toBe('its offer allowlist is full (16 offers): remove one first (disallowoffer)');
    expect(explainDeviceStatus(P.ERR_SIGN_FIELD, 88)).toBe('TLV field 88, which the signing policy reads, is missing or malformed');
    expect(explainDeviceStatus(P.ERR_BLIND_TLV, P.BLIND_TLV_PATH_ID | (1 << 8) | (12 << 16))).toBe('path_id is set at a non-final hop (hop 2 of the path, at byte 12)');
  });
  it("is DeviceError's message, after the request and status names", () => {
    const e = new DeviceError(P.ERR_ONION_ROUTE, P.MSG_BUILD_ONION, 4 | (3 << 8));
    expect(e.message).toBe('device refused MSG_BUILD_ONION: ERR_ONION_ROUTE: the payload of hop 4 of the route is malformed');
  });
});

describe('cut', () => {
  it('keeps short values and cuts long ones around a length note', () => {
    expect(cut('short')).toBe('short');
    const c = cut('a'.repeat(1000));
    expect(c).toBe(`${'a'.repeat(30)}...(1000 chars)...${'a'.repeat(30)}`);
    expect(c.length).toBeLessThanOrEqual(80);
  });
});
