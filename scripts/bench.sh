#!/usr/bin/env bash
# Runs every performance benchmark in one go and prints each figure with the
# ratio to its reference measured in the same run. BENCHMARKS.md records a
# run of this script. Usage: scripts/bench.sh [benchtime]   (default 1s)
set -euo pipefail
cd "$(dirname "$0")/.."
bt=${1:-1s}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

run() { go test -run '^$' -benchtime "$bt" "$@" | grep -E '^Benchmark' | tee -a "$out"; }

echo "== simnet (one core)"
run -bench 'LoopEvents|EchoSim|IdleHour' -cpu 1 ./simnet
run -bench 'IdleConns' -benchtime 1x -cpu 1 ./simnet
echo "== real-TCP loopback (one core)"
run -bench 'EchoLoopback' -cpu 1 ./simnet/realtcp
echo "== httpcore"
run -bench 'ParseRequests|NetHTTPReadRequest' ./httpcore
run -bench 'SimServer|ClientServerSim' ./httpcore
echo "== record / replay"
run -bench 'Record' ./record
run -bench 'Inspect' ./replay

metric() { awk -v b="$1" -v m="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == m) v = $i } END { print v + 0 }' "$out"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }

echo
echo "== ratios (same run)"
echo "loop events/s:                 $(metric BenchmarkLoopEvents events/s)   (target >= 2,000,000)"
echo "simnet echo vs loopback echo:  $(ratio "$(metric BenchmarkEchoSim roundtrips/s)" "$(metric BenchmarkEchoLoopback roundtrips/s)")   (target >= 20x)"
echo "idle connection pair:          $(metric BenchmarkIdleConns bytes/conn) bytes   (target <= 8192)"
echo "idle virtual hour:             $(metric BenchmarkIdleHour ns/op) ns wall   (target < 1,000,000)"
echo "parser vs net/http:            $(ratio "$(metric BenchmarkParseRequests MB/s)" "$(metric BenchmarkNetHTTPReadRequest MB/s)")   (target >= 2x)"
echo "client+server sim vs Node:     $(metric BenchmarkClientServerSim x-node)x   (target >= 10x)"
echo "inspect vs tshark:             $(metric BenchmarkInspectVsTshark x-tshark)x   (target >= 10x; scripts/bench-inspect.sh checks 1M packets)"
