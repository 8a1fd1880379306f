#!/usr/bin/env bash
# Installs the tools the build and tests need, skipping whatever is already
# there. Source it (`. scripts/tools.sh`) to get them on PATH.
#   wasm32 target (rustup), wasm-bindgen-cli at exactly Cargo.lock's version,
#   trunk 0.21.14, wasm-opt 132 (npm binaryen) and axe-core 4.14.1 (pinned in tools/package-lock.json),
#   and with WANT_BROWSER=1 Debian chromium + chromium-driver.
# Nothing here is fetched at build time by trunk itself: Trunk.toml is offline.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
TRUNK_VERSION=0.21.14

say() { echo "[tools] $*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock exactly.
WBG="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock")"
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WBG" ]; then
  say "installing wasm-bindgen-cli $WBG (about 5 minutes)"
  # Not --locked: its lockfile pins a webpki-roots this registry lacks.
  cargo install wasm-bindgen-cli --version "$WBG"
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (about 11 minutes)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-opt (binaryen) and axe-core (the accessibility checks the browser
# tests run), both pinned in tools/package-lock.json.
if ! wasm-opt --version 2>/dev/null | grep -q "version 132" || [ ! -f "$ROOT/tools/node_modules/axe-core/axe.min.js" ]; then
  say "installing wasm-opt 132 and axe-core 4.14.1 from npm"
  (cd "$ROOT/tools" && npm ci --no-audit --no-fund)
fi

# Browser and deployment tests: Chromium + chromedriver, and nginx + openssl
# for the TLS reverse-proxy test.
if [ "${WANT_BROWSER:-0}" = 1 ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  fi
fi
