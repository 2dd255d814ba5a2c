// Firmware entry point: everything exported here is the export list of
// firmware.wasm (documented in docs/firmware.md).
export { io_ptr, io_size } from "./abi/io";
export * from "./abi/crypto";
export { selftest } from "./selftest";
