#!/usr/bin/env bash
# The client's size as a browser downloads it (wasm + js, gzip -9), beside
# the smallest Yew app built exactly the same way (bench/minimal-yew): what
# is ours and what any Yew app costs. Goal (issue #12): under 300 KiB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# shellcheck source=../scripts/tools.sh
. scripts/tools.sh
export TRUNK_SKIP_VERSION_CHECK=true
gz() { cat "$1"/*.wasm "$(ls "$1"/*.js | grep -v '/sw\.js$')" | gzip -9 | wc -c; }
trunk build --release 2>&1 | tail -n 1
(cd bench/minimal-yew && CARGO_TARGET_DIR="$ROOT/target" trunk build --release 2>&1 | tail -n 1)
app=$(gz dist) floor=$(gz target/minimal-yew-dist)
echo "wasm+js gzip: msn-web $app bytes ($((app / 1024)) KiB; goal < 300 KiB), minimal Yew app $floor bytes ($((floor / 1024)) KiB), ours $((app - floor)) bytes"
