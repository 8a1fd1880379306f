#!/usr/bin/env bash
# The development loop in one command: devserver (demo accounts) + relay +
# `trunk serve`, which rebuilds the client on every change and serves it on
# http://127.0.0.1:8000 with /ws, /ws-refusal and /NotRST.srf proxied (see
# Trunk.toml). Ctrl-C stops everything. The same three commands by hand are
# in the README.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/tools.sh
export TRUNK_SKIP_VERSION_CHECK=true

cargo fetch --locked -q
echo "[dev] building devserver and relay..."
cargo build --release -q -p devserver -p relay
DB="${MSN_DB:-$ROOT/.msn-devserver.db}"
./target/release/devserver --demo --db "$DB" &
DEV=$!
./target/release/relay --upstream 127.0.0.1:1863 &
RELAY=$!
trap 'kill $DEV $RELAY 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
echo "[dev] trunk serve: open http://127.0.0.1:8000/ once it has built (demo accounts: alice@example.com / alice, bob@example.com / bob)"
trunk serve
