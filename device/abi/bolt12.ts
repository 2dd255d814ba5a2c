// Exported BOLT 12 codec functions (chip interface).
// To be filled by the device codec work.
export function bolt12_abi_version(): u32 {
  return 1;
}
