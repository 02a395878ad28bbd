#!/usr/bin/env bash
# The project's test command (README.md; CI runs it through .ci/run): start the services the
# integration tests use, build the binaries, run every test target.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
cargo build --bins

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --no-fail-fast --all-targets -- --test-threads=4 2>&1 | tee "$log" || status=$?

# One summary over all test binaries.
awk '/^test result:/ {
        for (i = 1; i <= NF; i++) {
            if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i
            if ($(i+1) ~ /^ignored/) g += $i
        }
        n++
     }
     END { printf "\n%d test binaries\ntests: %d passed, %d failed, %d skipped\n", n, p, f, g }' "$log"
exit "$status"
