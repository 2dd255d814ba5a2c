// Chains Core Lightning knows, by genesis hash in wire byte order, with the
// bech32 prefix of their on-chain (segwit) addresses.
import { bech32, bech32m, hex } from '@scure/base';

const CHAINS: Record<string, { name: string; hrp: string }> = {
  '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000': { name: 'bitcoin', hrp: 'bc' },
  '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000': { name: 'testnet', hrp: 'tb' },
  '43f08bdab050e35b567c864b91f47f50ae725ae2de53bcfbbaf284da00000000': { name: 'testnet4', hrp: 'tb' },
  'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000': { name: 'signet', hrp: 'tb' },
  '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f': { name: 'regtest', hrp: 'bcrt' },
};

export const chainByHash = (h: Uint8Array) => CHAINS[hex.encode(h)];

/**
 * Segwit address of a fallback (BIP-173 for version 0, BIP-350 for 1..16), or
 * undefined when the program does not meet the version's requirements.
 */
export function segwitAddress(hrp: string, version: number, program: Uint8Array): string | undefined {
  if (version > 16 || program.length < 2 || program.length > 40) return undefined;
  if (version === 0 && program.length !== 20 && program.length !== 32) return undefined;
  const words = [version, ...bech32.toWords(program)];
  return version === 0 ? bech32.encode(hrp, words) : bech32m.encode(hrp, words);
}
