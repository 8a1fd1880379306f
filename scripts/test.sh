#!/usr/bin/env bash
# Runs every check and test: formatting, lints, wasm builds, unit, property,
# transcript, TCP integration, relay loopback, browser unit tests and the
# end-to-end tests in headless Chromium. Installs what it needs first.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export WANT_BROWSER=1
. scripts/tools.sh
export TRUNK_SKIP_VERSION_CHECK=true
# A run of this script builds everything once: incremental caches would only
# double what it leaves on disk (CI's disk is small), so they are off unless
# the caller asks for them.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
export WASM_BINDGEN_TEST_WEBDRIVER_JSON="$ROOT/.cargo/webdriver.json"
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT

step() { echo; echo "==> $*"; }

step "fetch"
cargo fetch --locked -q
step "fmt"
cargo fmt --all --check
step "clippy (native crates)"
cargo clippy -q -p msnp -p alloc-count -p decode-wasm -p devserver -p relay -p e2e -p bench -p proctree --all-targets -- -D warnings
step "clippy (client, wasm32)"
cargo clippy -q -p client --target wasm32-unknown-unknown --all-targets -- -D warnings
step "check protocol and client for wasm32"
cargo check -q -p msnp -p client --target wasm32-unknown-unknown
step "trunk build --release"
trunk build --release 2>&1 | tail -n 2
wasm=$(ls dist/*.wasm); js=$(ls dist/client-*.js)
grep -q "$(basename "$js")" dist/index.html || { echo "dist/index.html does not load the app"; exit 1; }
[ "$(stat -c %s "$wasm")" -gt 100000 ] || { echo "wasm suspiciously small"; exit 1; }
echo "wasm+js gzip: $(cat "$wasm" "$js" | gzip -9 | wc -c) bytes"
# Every test suite runs even when one fails (--no-fail-fast, no early exit),
# so the summary counts them all; the script fails at the end.
status=0
step "native tests (protocol, devserver, relay, bench helpers)"
cargo test --no-fail-fast --workspace --exclude client --exclude e2e 2>&1 | tee -a "$LOG" || status=1
# One test at a time: each drives up to three Chromiums, and on a 2-core box
# two such tests at once have crashed a renderer.
step "end-to-end tests in Chromium"
cargo test --no-fail-fast -p e2e -- --test-threads=1 2>&1 | tee -a "$LOG" || status=1
step "benchmark smoke runs (so they cannot rot; figures come from bench/*.sh)"
{
  cargo build -q -p devserver -p relay -p bench \
    && ./target/debug/transfer_bench --mib 1 \
    && cargo run -q -p e2e --example transfer_timing -- --mib 1 \
    && cargo run -q -p e2e --example picture_timing -- --runs 2 \
    && cargo run -q -p e2e --example history_timing -- --messages 2000 \
    && cargo run -q -p e2e --example list_timing -- --contacts 300 --runs 1 \
    && cargo run -q -p e2e --example latency -- --messages 30 --delay-ms 20 \
    && ./bench/decode.sh 0.2 \
    && ./bench/size.sh
} || { echo "a benchmark smoke run failed"; status=1; }
step "client unit tests in Chromium (wasm-bindgen-test)"
cargo test --no-fail-fast -p client --target wasm32-unknown-unknown 2>&1 | tee -a "$LOG" || status=1

read -r passed failed < <(grep -E '^test result:' "$LOG" | sed -E 's/.* ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/' | awk '{p+=$1; f+=$2} END {print p+0, f+0}')
echo
echo "all: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
