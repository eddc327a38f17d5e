#!/usr/bin/env bash
# Coverage-guided fuzzing (cargo-fuzz / libFuzzer) of the parsers that take untrusted input:
# the list query of derived resources, JSON bodies, and tokens. The targets live in `fuzz/`
# (a crate of its own, outside the workspace); each one runs for a bounded time.
#
#   scripts/fuzz-targets.sh [seconds per target, default 30]
#
# - installs cargo-fuzz (pinned) when it is missing; the toolchain is stable, and the nightly
#   flags cargo-fuzz passes to rustc are allowed with RUSTC_BOOTSTRAP=1;
# - builds without a sanitizer (the workspace forbids `unsafe`) but with debug assertions, so
#   integer overflow panics too;
# - each target starts from its committed seeds (`fuzz/corpus/<target>/`, read only) and the
#   corpus it grew on earlier runs (`fuzz/work/<target>/`, ignored by git), with the
#   dictionary `fuzz/dict/<target>.dict` (parameter names, claim names, boundary values);
# - any crash, panic, timeout (10 s for one input) or out-of-memory fails the script, which
#   prints the reproducer and the command that replays it.
#
# Knobs: FUZZ_TARGETS (space-separated subset), CARGO_TARGET_DIR (default
# ~/.cache/rustbe-fuzz-target, apart from the workspace's: the flags differ).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-30}"
case "$seconds" in
  '' | *[!0-9]*) echo "usage: $0 [seconds per target]" >&2; exit 2 ;;
esac

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/rustbe-fuzz-target}"
export RUSTC_BOOTSTRAP=1

cargo_fuzz_version="0.13.2"
if [ "$(cargo fuzz --version 2>/dev/null | awk '{print $NF}')" != "$cargo_fuzz_version" ]; then
  echo "installing cargo-fuzz $cargo_fuzz_version"
  cargo install cargo-fuzz --locked --version "$cargo_fuzz_version"
fi

flags=(--fuzz-dir fuzz --sanitizer none --debug-assertions)
read -r -a targets <<<"${FUZZ_TARGETS:-$(cargo fuzz list --fuzz-dir fuzz | tr '\n' ' ')}"

cargo fuzz build "${flags[@]}"

failed=()
for target in "${targets[@]}"; do
  work="fuzz/work/$target"
  mkdir -p "$work" "fuzz/artifacts/$target"
  log="fuzz/work/$target.log"
  echo "== $target: ${seconds}s"
  args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1)
  if [ -f "fuzz/dict/$target.dict" ]; then
    args+=(-dict="fuzz/dict/$target.dict")
  fi
  status=0
  cargo fuzz run "${flags[@]}" "$target" "$work" "fuzz/corpus/$target" -- "${args[@]}" \
    >"$log" 2>&1 || status=$?
  execs=$(awk '/^stat::number_of_executed_units:/ {print $2}' "$log")
  rate=$(awk '/^stat::average_exec_per_sec:/ {print $2}' "$log")
  corpus=$(find "$work" -type f | wc -l)
  echo "   ${execs:-?} runs, ${rate:-?} exec/s, corpus $corpus inputs, exit $status"
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    echo "---- $target failed ($log):"
    # The panic message and libFuzzer's summary, without the backtrace frames.
    grep -v -E '^ +([0-9]+: |at )' "$log" | grep -A 12 -E 'panicked at|ERROR: libFuzzer' |
      cut -c 1-400 | head -n 40
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    if [ -n "$artifact" ] && [ -f "$artifact" ]; then
      echo "---- reproducer $artifact ($(wc -c <"$artifact") bytes), as base64:"
      base64 -w 0 "$artifact"
      echo
      echo "---- replay: RUSTC_BOOTSTRAP=1 cargo fuzz run ${flags[*]} $target $artifact"
    fi
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz targets failed: ${failed[*]}" >&2
  exit 1
fi
echo "all fuzz targets ran ${seconds}s each without a crash"
