// The networks the daemon serves and their genesis block hashes in wire
// (internal) byte order, as BOLT 12 `offer_chains` / `invreq_chain` carry them.

export const NETWORKS = ['bitcoin', 'testnet', 'signet', 'regtest'] as const;
export type Network = (typeof NETWORKS)[number];

export const GENESIS_WIRE_HEX: Record<Network, string> = {
  bitcoin: '6fe28c0ab6f1b372c1a6a246ae63f74f931e8365e15a089c68d6190000000000',
  testnet: '43497fd7f826957108f4a30fd9cec3aeba79972084e90ead01ea330900000000',
  signet: 'f61eee3b63a380a477a063af32b2bbc97c9ff9f01f2c4225e973988108000000',
  regtest: '06226e46111a0b59caaf126043eb5bbf28c34f3a5e332a1fc7b2b73cf188910f',
};

export const isNetwork = (s: string): s is Network => (NETWORKS as readonly string[]).includes(s);
