#!/usr/bin/env bash
# Captures the trace of every trace-comparing run - the bundled features
# (two seeds, network included), httpcore's Node cases and server tests, and
# the sweeps of features' jobs test - into DIR, and with BASELINE given
# fails unless every one is byte-identical to BASELINE's. Run it before a
# change to make the baseline and after it to prove nothing moved.
# Usage: scripts/trace-guard.sh DIR [BASELINE]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/trace-guard.sh DIR [BASELINE]}
base=${2:-}
rm -rf "$dir"
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/simhttp" ./cmd/simhttp
# A failing scenario or test still leaves its trace; which ones fail is
# recorded too, so a change that flips one shows in the diff.
for seed in 1 7; do
	"$bin/simhttp" run --format progress --seed "$seed" --trace "$dir/features-seed$seed" 2>&1 |
		grep -E '^(seed|[0-9]+ scenarios)' >"$dir/status-run-seed$seed" || true
done
# Scenarios driving a real service carry its wall-clock times: no two runs
# agree, so they prove nothing here.
find "$dir" -name '*real_service*' -delete
SIMHTTP_TRACE_DUMP=$dir go test -count=1 -run 'Node|Server|Client|Sweep|Agent|Timeout' ./httpcore ./features 2>&1 |
	grep -E '^(--- FAIL|ok|FAIL)' | sed 's/\t[0-9.]*s$//' >"$dir/status-tests" || true
echo "trace guard: $(find "$dir" -type f | wc -l) files, $(du -sh "$dir" | cut -f1) in $dir"
if [ -n "$base" ]; then
	diff -r -q "$base" "$dir" && echo "trace guard: byte-identical to $base"
fi
