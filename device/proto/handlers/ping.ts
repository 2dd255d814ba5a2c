// ping: echoes its payload (link check, and the benchmarks' round trip).
import { copyBytes } from "../bytes";

export function handlePing(req: usize, len: i32, out: usize): i32 {
  copyBytes(out, req, <usize>len);
  return len;
}
