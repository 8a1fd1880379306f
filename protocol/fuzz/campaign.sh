#!/usr/bin/env bash
# A fuzz campaign without cargo-fuzz (which needs the network to install):
# builds each target with libFuzzer's coverage instrumentation the way
# cargo-fuzz does, seeds its corpus with every transcript under
# protocol/tests/transcripts (whole, and cut into one command per file), and
# runs it for a number of executions. A finding stops the run and is kept
# under artifacts/<target>/.
#   protocol/fuzz/campaign.sh [RUNS] [TARGET...]     (default 10,000,000; all four)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"
RUNS="${1:-10000000}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(decode roundtrip session_ops p2p)
export RUSTC_BOOTSTRAP=1
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
cargo build --release -q --target x86_64-unknown-linux-gnu "${TARGETS[@]/#/--bin=}"
seeds="$HERE/corpus/seeds"
mkdir -p "$seeds"
for t in ../tests/transcripts/*.txt; do
  base="$(basename "$t" .txt)"
  # What the server said and what the client said, each as the bytes on
  # the wire (CRLF lines), and every line alone.
  sed -n 's/^S: //p' "$t" | sed 's/$/\r/' > "$seeds/$base-server"
  sed -n 's/^C: //p' "$t" | sed 's/$/\r/' > "$seeds/$base-client"
  awk -v dir="$seeds" -v base="$base" \
    '/^[CS]: / { sub(/^[CS]: /, ""); n++; printf "%s\r\n", $0 > (dir "/" base "-" n) }' "$t"
done
for target in "${TARGETS[@]}"; do
  mkdir -p "corpus/$target" "artifacts/$target"
  echo "== $target: $RUNS runs"
  start=$(date +%s)
  "./target/x86_64-unknown-linux-gnu/release/$target" "corpus/$target" "$seeds" \
    -dict=msnp.dict -runs="$RUNS" -max_len=4096 -artifact_prefix="artifacts/$target/" -print_final_stats=1 \
    2>&1 | grep -E "^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|==[0-9]+==|SUMMARY|Done|.*(panicked|deadly|crash))" || true
  echo "   $target: $(( $(date +%s) - start )) s"
done
