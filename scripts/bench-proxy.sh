#!/usr/bin/env bash
# Keep-alive throughput, added latency and CPU per request of `simhttp
# proxy`, against the same client talking to the server directly, against
# floors that show what any user-space proxy can reach on this machine, and
# against toxiproxy v2.5.0, all in the same run, on loopback. The floors:
# scripts/benchforward, two io.Copy goroutines per connection and nothing
# else, copying through a buffer with Go's default GOMAXPROCS (floor), the
# same with GOMAXPROCS=1 as `simhttp proxy` runs (floor-1p), and with
# splice(2) (floor-splice); and scripts/benchpoll (floor-poll), one thread
# that never sleeps while a connection is open, busy-polling nonblocking
# sockets, which takes the wake-ups out of a proxy's latency. The x-floor
# column divides by the best median of the floors measured for that
# upstream and load, so no proxy is flattered by a weak floor. simhttp runs three ways: with no rules, with
# an HTTP-aware rule that never fires, and with no rules and --no-spin.
# Loads: wrk -c1, wrk -c50 and a Node keep-alive loop; upstreams: Node
# (fixtures/node/proxy/server.js) and Go's net/http
# (scripts/benchupstream). Every target is warmed up for one run first;
# then each figure is the median of REPEATS runs with the targets
# interleaved within each repeat, and the lowest and highest req/s beside
# it. For the proxies the script also reads, from /proc, the CPU time the
# proxy process used and the context switches its threads made over each
# run, per request.
#   scripts/bench-proxy.sh [SECONDS_PER_RUN] [REPEATS]     (default 2 and 5)
# For a quick check, UPSTREAMS (node go), LOADS (wrk-c1 wrk-c50 node-loop)
# and TARGETS (all; direct and floor-1p are always measured) pick a part,
# e.g. UPSTREAMS=go LOADS=node-loop TARGETS="simhttp toxiproxy" scripts/bench-proxy.sh 1 3
# Needs go, node and wrk (apt-get install -y wrk). toxiproxy is built into a
# temporary directory from the Go module proxy; it never becomes a
# dependency of this module, and neither floor is part of simhttp.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-2}
repeats=${2:-5}
all="direct floor floor-1p floor-splice floor-poll simhttp simhttp-rule simhttp-nospin toxiproxy"
for t in ${TARGETS:-}; do
  case " $all " in *" $t "*) ;; *) echo "TARGETS: unknown target $t (one of: $all)" >&2; exit 2 ;; esac
done
targets=
for t in $all; do
  case " direct floor-1p ${TARGETS:-$all} " in *" $t "*) targets="$targets $t" ;; esac
done
for u in ${UPSTREAMS:-node go}; do
  case $u in node|go) ;; *) echo "UPSTREAMS: unknown upstream $u (node or go)" >&2; exit 2 ;; esac
done
for l in ${LOADS:-wrk-c1 wrk-c50 node-loop}; do
  case $l in wrk-c1|wrk-c50|node-loop) ;; *) echo "LOADS: unknown load $l (wrk-c1, wrk-c50 or node-loop)" >&2; exit 2 ;; esac
done
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
go build -o "$tmp/simhttp" ./cmd/simhttp
go build -o "$tmp/goupstream" ./scripts/benchupstream
go build -o "$tmp/benchforward" ./scripts/benchforward
go build -o "$tmp/benchpoll" ./scripts/benchpoll
GOBIN="$tmp" go install github.com/Shopify/toxiproxy/v2/cmd/server@v2.5.0
freeport() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
portof() { # FILE: waits for {"port":N} in FILE
  for _ in $(seq 100); do
    if [ -s "$1" ]; then node -e "console.log(JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')).port)" "$1"; return; fi
    sleep 0.05
  done
  echo "no port in $1" >&2; exit 1
}
waitport() { for _ in $(seq 100); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.05; done; echo "nothing on port $1" >&2; exit 1; }

# The upstreams and the floor forwarders exit when their stdin ends: when
# this script's fd 8 closes.
mkfifo "$tmp/stdin"
node fixtures/node/proxy/server.js <"$tmp/stdin" >"$tmp/node.port" & pids+=($!)
"$tmp/goupstream" <"$tmp/stdin" >"$tmp/go.port" & pids+=($!)
exec 8>"$tmp/stdin"
declare -A up=([node]=$(portof "$tmp/node.port") [go]=$(portof "$tmp/go.port"))

api=$(freeport)
"$tmp/server" -host 127.0.0.1 -port "$api" >"$tmp/toxiproxy.log" 2>&1 & pids+=($!)
toxipid=$!
waitport "$api"

declare -A port pid
never='[{"what":"reset","request":1000000000,"after":"response headers"}]'
for u in node go; do
  port[$u-direct]=${up[$u]}
  port[$u-floor]=$(freeport)
  "$tmp/benchforward" -splice=false "127.0.0.1:${port[$u-floor]}" "127.0.0.1:${up[$u]}" <"$tmp/stdin" >/dev/null 8>&- & pids+=($!)
  pid[$u-floor]=$!
  port[$u-floor-1p]=$(freeport)
  GOMAXPROCS=1 "$tmp/benchforward" -splice=false "127.0.0.1:${port[$u-floor-1p]}" "127.0.0.1:${up[$u]}" <"$tmp/stdin" >/dev/null 8>&- & pids+=($!)
  pid[$u-floor-1p]=$!
  port[$u-floor-poll]=$(freeport)
  "$tmp/benchpoll" "127.0.0.1:${port[$u-floor-poll]}" "127.0.0.1:${up[$u]}" <"$tmp/stdin" >/dev/null 8>&- & pids+=($!)
  pid[$u-floor-poll]=$!
  port[$u-floor-splice]=$(freeport)
  "$tmp/benchforward" "127.0.0.1:${port[$u-floor-splice]}" "127.0.0.1:${up[$u]}" <"$tmp/stdin" >/dev/null 8>&- & pids+=($!)
  pid[$u-floor-splice]=$!
  port[$u-simhttp]=$(freeport)
  "$tmp/simhttp" proxy --listen "127.0.0.1:${port[$u-simhttp]}" --upstream "127.0.0.1:${up[$u]}" 2>>"$tmp/proxy.log" & pids+=($!)
  pid[$u-simhttp]=$!
  port[$u-simhttp-rule]=$(freeport)
  "$tmp/simhttp" proxy --listen "127.0.0.1:${port[$u-simhttp-rule]}" --upstream "127.0.0.1:${up[$u]}" --rules "$never" 2>>"$tmp/proxy.log" & pids+=($!)
  pid[$u-simhttp-rule]=$!
  port[$u-simhttp-nospin]=$(freeport)
  "$tmp/simhttp" proxy --listen "127.0.0.1:${port[$u-simhttp-nospin]}" --upstream "127.0.0.1:${up[$u]}" --no-spin 2>>"$tmp/proxy.log" & pids+=($!)
  pid[$u-simhttp-nospin]=$!
  port[$u-toxiproxy]=$(freeport)
  pid[$u-toxiproxy]=$toxipid
  curl -sf -X POST "http://127.0.0.1:$api/proxies" \
    -d "{\"name\":\"$u\",\"listen\":\"127.0.0.1:${port[$u-toxiproxy]}\",\"upstream\":\"127.0.0.1:${up[$u]}\"}" >/dev/null
  for t in $all; do waitport "${port[$u-$t]}"; done
done

# usage PID: prints the CPU nanoseconds and the context switches of all the
# process's threads so far; "0 0" without a PID (direct).
usage() {
  [ -n "${1:-}" ] || { echo "0 0"; return; }
  local ns=0 sw=0 t run rest
  for t in /proc/"$1"/task/*; do
    read -r run rest <"$t/schedstat" || continue
    ns=$((ns + run))
    sw=$((sw + $(awk '/ctxt_switches/ { s += $2 } END { print s + 0 }' "$t/status")))
  done
  echo "$ns $sw"
}

# One measurement: prints "RPS P50_US P99_US REQUESTS".
us() { awk '{ v = $1 + 0; if ($1 ~ /us$/) print v; else if ($1 ~ /ms$/) print v * 1000; else if ($1 ~ /s$/) print v * 1000000; else print v }'; }
measure() { # LOAD PORT
  case $1 in
    wrk-c1|wrk-c50)
      local c=${1#wrk-c} threads=1
      [ "$c" = 50 ] && threads=2
      wrk -t"$threads" -c"$c" -d"${secs}s" --latency "http://127.0.0.1:$2/" >"$tmp/wrk.out"
      echo "$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out") $(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out" | us) $(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out" | us) $(awk '/requests in/ { print $1 }' "$tmp/wrk.out")"
      ;;
    node-loop)
      node fixtures/node/proxy/loop.js "http://127.0.0.1:$2/" "$secs" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s);console.log(r.rps, r.p50, r.p99, r.requests)})"
      ;;
  esac
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
column() { awk -v t="$1" -v k="$2" '$1 == t { print $k }' "$tmp/runs"; }

printf "%-7s %-9s %-13s %8s %15s %8s %7s %8s %8s %8s %8s %9s\n" \
  upstream load target req/s min-max x-direct x-floor p50-us p99-us +p50-us cpu-us/req switch/req
for u in ${UPSTREAMS:-node go}; do
  for load in ${LOADS:-wrk-c1 wrk-c50 node-loop}; do
    for t in $targets; do measure "$load" "${port[$u-$t]}" >/dev/null; done # warm-up
    : >"$tmp/runs"
    for _ in $(seq "$repeats"); do
      for t in $targets; do
        read -r ns0 sw0 < <(usage "${pid[$u-$t]:-}")
        m=$(measure "$load" "${port[$u-$t]}")
        read -r ns1 sw1 < <(usage "${pid[$u-$t]:-}")
        echo "$t $m $((ns1 - ns0)) $((sw1 - sw0))" | awk '{ printf "%s %s %s %s %s %.2f %.2f\n", $1, $2, $3, $4, $5, $6 / $5 / 1000, $7 / $5 }' >>"$tmp/runs"
      done
    done
    declare -A rps
    best=0
    for t in $targets; do
      rps[$t]=$(column "$t" 2 | median)
      case $t in floor*) best=$(awk -v a="$best" -v b="${rps[$t]}" 'BEGIN { print (b > a ? b : a) }') ;; esac
    done
    for t in $targets; do
      p50=$(column "$t" 3 | median) p99=$(column "$t" 4 | median) cpu=$(column "$t" 6 | median) sw=$(column "$t" 7 | median)
      lo=$(column "$t" 2 | sort -g | head -1) hi=$(column "$t" 2 | sort -g | tail -1)
      p50d=$(column direct 3 | median)
      [ "$t" = direct ] && cpu=- sw=-
      awk -v u="$u" -v l="$load" -v t="$t" -v r="${rps[$t]}" -v lo="$lo" -v hi="$hi" -v d="${rps[direct]}" -v f="$best" \
        -v a="$p50" -v b="$p99" -v a0="$p50d" -v cpu="$cpu" -v sw="$sw" \
        'BEGIN { printf "%-7s %-9s %-13s %8.0f %15s %8.2f %7.2f %8.1f %8.1f %8.1f %8s %9s\n", u, l, t, r, sprintf("%.0f-%.0f", lo, hi), r / d, r / f, a, b, a - a0, cpu, sw }'
    done
  done
done
echo "(median of $repeats runs of ${secs}s each after a warm-up run, min-max of req/s beside it; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
