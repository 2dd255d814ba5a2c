// Exported primitives of the device crypto core (chip interface, used by the
// emulator's self-checks, the test-suites and the benchmarks; nothing here
// touches the device secret).
import { sha256, sha256Init, sha256Update, sha256Final, SHA256_CTX_SIZE } from "../crypto/sha256";

export function crypto_sha256(data: usize, len: u32, out: usize): void {
  sha256(data, len, out);
}

export function crypto_sha256_ctx_size(): u32 {
  return <u32>SHA256_CTX_SIZE;
}

export function crypto_sha256_init(ctx: usize): void {
  sha256Init(ctx);
}

export function crypto_sha256_update(ctx: usize, data: usize, len: u32): void {
  sha256Update(ctx, data, len);
}

export function crypto_sha256_final(ctx: usize, out: usize): void {
  sha256Final(ctx, out);
}
