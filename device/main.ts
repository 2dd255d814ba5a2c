// Firmware entry point: everything exported here is the export list of
// firmware.wasm (documented in docs/firmware.md). One line per area.
export { io_ptr, io_size } from "./abi/io";
export * from "./abi/crypto";
export * from "./abi/secp";
export * from "./abi/bolt12";
export * from "./abi/serial";
export * from "./abi/keys";
export { selftest } from "./selftest";
export * from "./boot/abi";
export * from "./abi/onion";
export * from "./abi/aead";
export * from "./abi/memory";
