#!/usr/bin/env bash
# Runs the firmware's power-on self-test under wabt's spectest-interp, a
# non-JIT interpreter, with every post-MVP feature disabled: the same check a
# microcontroller interpreter (wasm3, WAMR) would make at boot.
# Needs Debian's `wabt` package (wat2wasm, spectest-interp).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wasm="${1:-$root/build/firmware.wasm}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$wasm" "$work/firmware.wasm"
# A stand-in board: every import of shared/firmware-abi.ts, returning "ok"
# (its prompt shows nothing to nobody: prompt_poll answers "denied").
cat > "$work/env.wat" <<'WAT'
(module
  (func (export "entropy") (param i32 i32) (result i32) i32.const 0)
  (func (export "serial_write") (param i32 i32))
  (func (export "flash_read") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "flash_write") (param i32 i32 i32) (result i32) i32.const 0)
  (func (export "flash_erase") (param i32 i32) (result i32) i32.const 0)
  (func (export "clock_seconds") (result i32) i32.const 0)
  (func (export "prompt_show") (param i32 i32) (result i32) i32.const 0)
  (func (export "prompt_poll") (result i32) i32.const 2))
WAT
wat2wasm --disable-sign-extension --disable-bulk-memory --disable-mutable-globals \
  --disable-saturating-float-to-int --disable-multi-value --disable-reference-types \
  "$work/env.wat" -o "$work/env.wasm"
cat > "$work/selftest.json" <<'JSON'
{"source_filename":"selftest.wast","commands":[
 {"type":"module","line":1,"name":"$env","filename":"env.wasm"},
 {"type":"register","line":2,"name":"$env","as":"env"},
 {"type":"module","line":3,"filename":"firmware.wasm"},
 {"type":"assert_return","line":4,"action":{"type":"invoke","field":"selftest","args":[]},
  "expected":[{"type":"i32","value":"0"}]}
]}
JSON
cd "$work"
spectest-interp --disable-sign-extension --disable-bulk-memory --disable-mutable-globals \
  --disable-saturating-float-to-int --disable-multi-value --disable-reference-types selftest.json
echo "firmware self-test passed under spectest-interp (MVP only)"
