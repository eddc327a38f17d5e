#!/usr/bin/env bash
# Counts the lines of examples/conduit/src that are neither blank nor comments (`//`, `///`,
# `//!`), migrations included, as issue 15 measures them (its limit: 700). Per file, then
# the total.
set -euo pipefail
cd "$(dirname "$0")/.."
total=0
for file in examples/conduit/src/*.rs; do
  n=$(grep -cvE '^[[:space:]]*(//.*)?$' "$file" || true)
  printf '%5d  %s\n' "$n" "$file"
  total=$((total + n))
done
printf '%5d  total (limit 700)\n' "$total"
