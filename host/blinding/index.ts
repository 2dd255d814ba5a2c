// Route blinding, onion messages and payments into blinded paths on @noble
// (BOLT 4; docs/host/blinding.md lists the API). Independent of the firmware:
// the tests check the device against it and the simulated network uses it.
export * from './encrypted-data.js';
export * from './keys.js';
export * from './path.js';
export * from './unblind.js';
export * from './onionmsg-payload.js';
export * from './onion-message.js';
export * from './payinfo.js';
export * from './payment-onion.js';
export * from './forward.js';
