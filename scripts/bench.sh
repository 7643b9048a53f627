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
# Three samples of the simulation; Node and net/http are measured once per
# process, each as the median of three warmed-up runs (with min and max).
run -bench 'SimServer|ClientServerSim' -count 3 ./httpcore
echo "== scaling"
run -bench 'TimedExchanges' -benchtime 200000x -count 3 ./simnet
run -bench 'TimeoutsHour' -benchtime 1x ./simnet
run -bench 'Body|IdleHTTPConns' -benchtime 1x ./httpcore
# A seed costs about 0.3 ms of CPU: 2,000 of them make each sample last
# about half a second or more, and three samples give the ratio a median.
run -bench 'Sweep' -benchtime 2000x -count 3 ./features
# What a user runs: the simhttp command sweeping 5,000 and 20,000 seeds with
# --jobs 1 (one process) and --jobs 2 (two worker processes), three
# interleaved pairs of each after a warm-up, inside one benchmark run (1x:
# it repeats itself).
run -bench 'SweepJobs' -benchtime 1x ./cmd/simhttp
echo "== record / replay"
run -bench 'Record' ./record
run -bench 'Inspect' ./replay

# metric BENCH UNIT is the median of BENCH's samples of UNIT (0 if none);
# low and high are their least and greatest.
samples() { awk -v b="$1" -v m="$2" '$1 ~ "^"b"(-[0-9]+)?$" { for (i = 2; i < NF; i++) if ($(i+1) == m) print $i }' "$out" | sort -g; }
metric() { samples "$1" "$2" | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 0) + 0 }'; }
low() { samples "$1" "$2" | head -n 1 | awk '{ print $1 + 0 } END { if (NR == 0) print 0 }'; }
high() { samples "$1" "$2" | tail -n 1 | awk '{ print $1 + 0 } END { if (NR == 0) print 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1fx", a / b; else print "n/a" }'; }
num() { awk -v a="$1" -v f="$2" 'BEGIN { printf f, a }'; }

echo
echo "== ratios (same run)"
echo "loop events/s:                 $(metric BenchmarkLoopEvents events/s)   (target >= 2,000,000)"
echo "simnet echo vs loopback echo:  $(ratio "$(metric BenchmarkEchoSim roundtrips/s)" "$(metric BenchmarkEchoLoopback roundtrips/s)")   (target >= 20x)"
echo "idle connection pair:          $(metric BenchmarkIdleConns bytes/conn) bytes   (target <= 8192)"
echo "idle virtual hour:             $(metric BenchmarkIdleHour ns/op) ns wall   (target < 1,000,000)"
echo "parser vs net/http:            $(ratio "$(metric BenchmarkParseRequests MB/s)" "$(metric BenchmarkNetHTTPReadRequest MB/s)")   (target >= 2x)"
cs=BenchmarkClientServerSim
echo "client+server sim vs Node:     $(num "$(metric $cs x-node)" %.1f)x (Node's runs: $(num "$(metric $cs x-node-lo)" %.1f)-$(num "$(metric $cs x-node-hi)" %.1f)x)   (target >= 20x)"
echo "  sim $(num "$(metric $cs req/s)" %.0f) req/s ($(low $cs req/s)-$(high $cs req/s)); Node $(metric $cs node-req/s) req/s ($(metric $cs node-min-req/s)-$(metric $cs node-max-req/s))"
echo "client+server sim vs net/http: $(num "$(metric $cs x-nethttp)" %.1f)x; net/http $(metric $cs nethttp-req/s) req/s ($(metric $cs nethttp-min-req/s)-$(metric $cs nethttp-max-req/s))"
echo "per simulated GET:             $(metric $cs us/req) us wall, $(metric $cs cpu-ns/req) ns CPU, $(metric $cs allocs/op) allocs   (target <= 30 allocs)"
echo "  floor, objects alone:       $(metric BenchmarkClientServerSimFloor cpu-ns/req) ns CPU, $(metric BenchmarkClientServerSimFloor B/op) B per GET to make the objects a GET must make afresh, against the simulation's $(metric $cs cpu-ns/req) ns, $(metric $cs B/op) B"
echo "server half per request:       $(metric BenchmarkSimServer ns/op) ns wall, $(metric BenchmarkSimServer cpu-ns/req) ns CPU, $(metric BenchmarkSimServer allocs/op) allocs   (target <= 2,000 ns)"
te=BenchmarkTimedExchanges/conns
echo "timed exchange, CPU ns:        1: $(metric $te=1 cpu-ns/exchange)  100: $(metric $te=100 cpu-ns/exchange)  1,000: $(metric $te=1000 cpu-ns/exchange)  10,000: $(metric $te=10000 cpu-ns/exchange)  100,000: $(metric $te=100000 cpu-ns/exchange)"
echo "  100,000 vs 1,000 sockets:    $(ratio "$(metric $te=100000 cpu-ns/exchange)" "$(metric $te=1000 cpu-ns/exchange)")   (target <= 1.3x)"
tf=BenchmarkTimedExchangesFloor/conns
added() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.0f", a - b }'; }
echo "  floor, same lines, no work:  1,000: $(metric $tf=1000 cpu-ns/exchange)  100,000: $(metric $tf=100000 cpu-ns/exchange) ns CPU: $(added "$(metric $tf=100000 cpu-ns/exchange)" "$(metric $tf=1000 cpu-ns/exchange)") ns from 1,000 to 100,000, against the simulation's $(added "$(metric $te=100000 cpu-ns/exchange)" "$(metric $te=1000 cpu-ns/exchange)")"
th=BenchmarkTimedExchangesHugePages/conns
echo "  heap in huge pages (opt-in): 1,000: $(metric $th=1000 cpu-ns/exchange)  100,000: $(metric $th=100000 cpu-ns/exchange) ns CPU: $(ratio "$(metric $th=100000 cpu-ns/exchange)" "$(metric $th=1000 cpu-ns/exchange)"), $(metric $th=100000 huge-MiB) MiB in huge pages   (target <= 1.3x)"
tfh=BenchmarkTimedExchangesFloorHugePages/conns
echo "  its floor, same lines:       1,000: $(metric $tfh=1000 cpu-ns/exchange)  100,000: $(metric $tfh=100000 cpu-ns/exchange) ns CPU: $(added "$(metric $tfh=100000 cpu-ns/exchange)" "$(metric $tfh=1000 cpu-ns/exchange)") ns from 1,000 to 100,000, against the simulation's $(added "$(metric $th=100000 cpu-ns/exchange)" "$(metric $th=1000 cpu-ns/exchange)") with huge pages"
echo "100,000 sockets, virtual hour: $(metric BenchmarkTimeoutsHour wall-s) s wall, $(metric BenchmarkTimeoutsHour cpu-s) s CPU, $(metric BenchmarkTimeoutsHour heap-MiB) MiB live"
echo "body 1 / 10 / 100 MiB:         $(metric BenchmarkBody/1MiB MB/s) / $(metric BenchmarkBody/10MiB MB/s) / $(metric BenchmarkBody/100MiB MB/s) MB/s"
echo "100,000 idle HTTP connections: $(metric BenchmarkIdleHTTPConns heap-MiB) MiB live, $(metric BenchmarkIdleHTTPConns bytes/conn) bytes each   (target < 512 MiB)"
for n in 5000 20000; do
  sj=BenchmarkSweepJobs/seeds=$n
  echo "sweep command, $n seeds, --jobs 2 vs 1: $(num "$(metric $sj x-jobs2)" %.2f)x ($(num "$(metric $sj x-jobs2-lo)" %.2f)-$(num "$(metric $sj x-jobs2-hi)" %.2f)x over three pairs); $(metric $sj jobs2-seeds/s) vs $(metric $sj jobs1-seeds/s) seeds/s, CPU per seed $(metric $sj jobs2-cpu-ms/seed) vs $(metric $sj jobs1-cpu-ms/seed) ms   (target >= 1.8x)"
  echo "  two --jobs 1 on half each:   $(num "$(metric $sj x-apart)" %.2f)x --jobs 1 ($(num "$(metric $sj x-apart-lo)" %.2f)-$(num "$(metric $sj x-apart-hi)" %.2f)x), what two cores give processes sharing nothing; --jobs 2 reaches $(num "$(metric $sj x-jobs2-of-apart)" %.2f)x of it ($(num "$(metric $sj x-jobs2-of-apart-lo)" %.2f)-$(num "$(metric $sj x-jobs2-of-apart-hi)" %.2f)x)"
done
echo "sweep library, 2 goroutines vs 1: $(ratio "$(metric BenchmarkSweep/jobs=2 seeds/s)" "$(metric BenchmarkSweep/jobs=1 seeds/s)") seeds/s; CPU per seed $(metric BenchmarkSweep/jobs=1 cpu-ms/seed) vs $(metric BenchmarkSweep/jobs=2 cpu-ms/seed) ms, so two free cores give at most $(ratio "$(awk -v a="$(metric BenchmarkSweep/jobs=1 cpu-ms/seed)" 'BEGIN { print 2 * a }')" "$(metric BenchmarkSweep/jobs=2 cpu-ms/seed)")   (one heap: the command uses processes)"
it=BenchmarkInspectVsTshark
echo "inspect vs tshark:             $(num "$(metric $it x-tshark)" %.1f)x ($(num "$(metric $it x-tshark-lo)" %.1f)-$(num "$(metric $it x-tshark-hi)" %.1f)x over tshark's three warm runs; $(num "$(metric $it x-tshark-steady)" %.1f)x without tshark's $(metric $it tshark-start-s) s start-up)   (target >= 10x; scripts/bench-inspect.sh checks 1M packets)"
