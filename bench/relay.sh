#!/usr/bin/env bash
# The relay benchmark in one command: installs the peers it compares against
# (websocat 1.14.1 from crates.io, websockify 0.13.0 from PyPI, with numpy,
# its fast path) when missing, builds in release and runs
# target/release/relay_bench with the arguments given (see bench/README.md).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$HOME/.cargo/bin:$PATH"
say() { echo "[bench] $*" >&2; }

if [ "$(websocat --version 2>/dev/null | awk '{print $2}')" != "1.14.1" ]; then
  say "installing websocat 1.14.1"
  cargo install websocat --version 1.14.1 --locked
fi
if ! python3 -c 'import importlib.metadata as m, sys; sys.exit(m.version("websockify") != "0.13.0")' 2>/dev/null \
  || ! python3 -c 'import numpy' 2>/dev/null; then
  say "installing websockify 0.13.0"
  python3 -m pip install --quiet websockify==0.13.0 numpy
fi
cd "$ROOT"
cargo build --release -p relay -p bench
exec ./target/release/relay_bench "$@"
