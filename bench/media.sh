#!/usr/bin/env bash
# The media layer's figures in one command (issue #10): file-transfer
# throughput through relay + devserver between two native msnp clients and
# between two people in headless Chromium, and the time from opening a
# conversation to the contact's picture drawn, beside the window drawn.
#   ./bench/media.sh [--mib N] [--runs N]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
MIB=8 RUNS=10
while [ $# -gt 0 ]; do
  case "$1" in
    --mib) MIB="$2"; shift 2 ;;
    --runs) RUNS="$2"; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
export WANT_BROWSER=1
# shellcheck source=../scripts/tools.sh
. scripts/tools.sh
export TRUNK_SKIP_VERSION_CHECK=true
export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
trunk build --release 2>&1 | tail -n 1
cargo build --release -q -p devserver -p relay -p bench
./target/release/transfer_bench --mib "$MIB"
cargo run -q -p e2e --example transfer_timing -- --mib "$MIB"
cargo run -q -p e2e --example picture_timing -- --runs "$RUNS"
