// Board-facing runtime ABI (docs/firmware.md): the board fills the boot info
// block and calls fw_boot() once after instantiation (and after every reset),
// then hands every received serial byte over by writing up to serial_rx_cap()
// bytes at serial_rx_ptr() and calling serial_rx(len). Replies leave through
// the env.serial_write import, from inside serial_rx or fw_boot.
import { RX_CHUNK, RX_CHUNK_SIZE, rxChunk } from "../proto/rx";
import { boot, bootInfo } from "../proto/boot";

export function fw_boot_info_ptr(): usize {
  return bootInfo();
}

export function fw_boot(): void {
  boot();
}

export function serial_rx_ptr(): usize {
  return RX_CHUNK;
}

export function serial_rx_cap(): u32 {
  return RX_CHUNK_SIZE;
}

export function serial_rx(len: u32): void {
  rxChunk(len);
}
