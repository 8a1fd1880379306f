#!/usr/bin/env bash
# Decode throughput on the same bytes, native and wasm (node), and the ratio.
# The memchr ceiling and the per-frame detail are in `cargo bench -p msnp --bench decode`.
#   ./bench/decode.sh [SECONDS]     (per figure; default 3)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
SECS="${1:-3}"
export PATH="$HOME/.cargo/bin:$PATH"
rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo build -q --release -p decode-wasm --bin decode_native
cargo build -q --release -p decode-wasm --lib --target wasm32-unknown-unknown
out="$ROOT/target/decode-wasm"
wasm-bindgen --target nodejs --out-dir "$out" target/wasm32-unknown-unknown/release/decode_wasm.wasm
native="$(./target/release/decode_native "$SECS")"
wasm="$(node -e "const m = require('$out/decode_wasm.js'); for (const k of ['syn', 'msg']) console.log(k, m.wasm_throughput(k, $SECS).toFixed(1));")"
echo "decode throughput, same bytes (framed and decoded into typed commands):"
while read -r kind n; do
  w="$(echo "$wasm" | awk -v k="$kind" '$1 == k { print $2 }')"
  label=$([ "$kind" = syn ] && echo "SYN of 1,000 contacts (MSNP12)" || echo "stream of 1,000 MSG")
  echo "  $label: native $n MiB/s, wasm (node $(node --version)) $w MiB/s: native/wasm $(awk -v a="$n" -v b="$w" 'BEGIN { printf "%.2f", a / b }')x (goal <= 2x)"
done <<< "$native"
