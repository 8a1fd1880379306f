#!/usr/bin/env bash
# Runs the whole app locally: devserver (demo accounts) + relay serving the
# built client. Prints the URL to open. Ctrl-C stops everything.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/tools.sh
export TRUNK_SKIP_VERSION_CHECK=true
PORT="${PORT:-8080}"

cargo fetch --locked -q
echo "[run] building the client (trunk build --release)..."
trunk build --release >/dev/null
# Deployment defaults the page reads at start: where to get Passport tickets.
cat > dist/msn-web.json <<JSON
{"passport": "http://127.0.0.1:8081/NotRST.srf"}
JSON
echo "[run] building devserver and relay..."
cargo build --release -q -p devserver -p relay

DB="${MSN_DB:-$ROOT/.msn-devserver.db}"
./target/release/devserver --demo --db "$DB" &
DEV=$!
./target/release/relay --listen "127.0.0.1:$PORT" --upstream 127.0.0.1:1863 --static dist &
RELAY=$!
trap 'kill $DEV $RELAY 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
sleep 1
cat <<MSG

  msn-web is running: open http://127.0.0.1:$PORT/

  Sign in with a demo account (password = the name):
    alice@example.com / alice      bob@example.com / bob
    carol@example.com / carol      dave@example.com / dave
  Open a second browser window (or a private one) to chat between two accounts.

MSG
wait
