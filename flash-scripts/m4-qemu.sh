#!/usr/bin/env bash
# Runs the Cortex-M4 build of `npm run build:native` (build/native/m4/lnsigner-m4.elf)
# on QEMU's mps2-an386 board with time counted in instructions (-icount shift=0:
# 1 ns of virtual time per instruction). Without arguments: the firmware's
# self-test (exit 0 when it passes). With `bench`: also the benchmarks of
# native/board/bench.c (instructions per operation; docs/native.md).
# Needs Debian's qemu-system-arm.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
elf="$root/build/native/m4/lnsigner-m4.elf"
[ -f "$elf" ] || { echo "m4-qemu: $elf missing: npm run build:native" >&2; exit 1; }
mode="${1:-selftest}"
# Output and exit status go through Arm semihosting; no UART, no monitor.
# QEMU writes the semihosting console to its stderr: joined to stdout here.
timeout 600 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none \
  -icount shift=0 -semihosting-config "enable=on,target=native,arg=lnsigner-m4,arg=$mode" \
  -kernel "$elf" 2>&1
