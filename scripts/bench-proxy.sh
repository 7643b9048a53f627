#!/usr/bin/env bash
# Keep-alive throughput and added latency of `simhttp proxy`, against the
# same client talking to the server directly and against toxiproxy v2.5.0,
# all in the same run, on loopback. Loads: wrk -c1, wrk -c50 and a Node
# keep-alive loop; upstreams: Node (fixtures/node/proxy/server.js) and Go's
# net/http (scripts/benchupstream). Each figure is the median of REPEATS
# runs, the targets interleaved within each repeat.
#   scripts/bench-proxy.sh [SECONDS_PER_RUN] [REPEATS]     (default 3 and 3)
# Needs go, node and wrk (apt-get install -y wrk). toxiproxy is built into a
# temporary directory from the Go module proxy; it never becomes a
# dependency of this module.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3}
repeats=${2:-3}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 2; }
go build -o "$tmp/simhttp" ./cmd/simhttp
go build -o "$tmp/goupstream" ./scripts/benchupstream
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

# The upstreams exit when their stdin ends: when this script's fd 8 closes.
mkfifo "$tmp/stdin"
node fixtures/node/proxy/server.js <"$tmp/stdin" >"$tmp/node.port" & pids+=($!)
"$tmp/goupstream" <"$tmp/stdin" >"$tmp/go.port" & pids+=($!)
exec 8>"$tmp/stdin"
declare -A up=([node]=$(portof "$tmp/node.port") [go]=$(portof "$tmp/go.port"))

api=$(freeport)
"$tmp/server" -host 127.0.0.1 -port "$api" >"$tmp/toxiproxy.log" 2>&1 & pids+=($!)
waitport "$api"

declare -A port
never='[{"what":"reset","request":1000000000,"after":"response headers"}]'
for u in node go; do
  port[$u-direct]=${up[$u]}
  port[$u-simhttp]=$(freeport)
  "$tmp/simhttp" proxy --listen "127.0.0.1:${port[$u-simhttp]}" --upstream "127.0.0.1:${up[$u]}" 2>>"$tmp/proxy.log" & pids+=($!)
  port[$u-simhttp-rule]=$(freeport)
  "$tmp/simhttp" proxy --listen "127.0.0.1:${port[$u-simhttp-rule]}" --upstream "127.0.0.1:${up[$u]}" --rules "$never" 2>>"$tmp/proxy.log" & pids+=($!)
  port[$u-toxiproxy]=$(freeport)
  curl -sf -X POST "http://127.0.0.1:$api/proxies" \
    -d "{\"name\":\"$u\",\"listen\":\"127.0.0.1:${port[$u-toxiproxy]}\",\"upstream\":\"127.0.0.1:${up[$u]}\"}" >/dev/null
  for t in simhttp simhttp-rule toxiproxy; do waitport "${port[$u-$t]}"; done
done

# One measurement: prints "RPS P50_US P99_US".
us() { awk '{ v = $1 + 0; if ($1 ~ /us$/) print v; else if ($1 ~ /ms$/) print v * 1000; else if ($1 ~ /s$/) print v * 1000000; else print v }'; }
measure() { # LOAD PORT
  case $1 in
    wrk-c1|wrk-c50)
      local c=${1#wrk-c} threads=1
      [ "$c" = 50 ] && threads=2
      wrk -t"$threads" -c"$c" -d"${secs}s" --latency "http://127.0.0.1:$2/" >"$tmp/wrk.out"
      echo "$(awk '/^Requests\/sec/ { print $2 }' "$tmp/wrk.out") $(awk '$1 == "50%" { print $2 }' "$tmp/wrk.out" | us) $(awk '$1 == "99%" { print $2 }' "$tmp/wrk.out" | us)"
      ;;
    node-loop)
      node fixtures/node/proxy/loop.js "http://127.0.0.1:$2/" "$secs" | node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const r=JSON.parse(s);console.log(r.rps, r.p50, r.p99)})"
      ;;
  esac
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

printf "%-7s %-9s %-13s %10s %7s %9s %9s %9s\n" upstream load target req/s x-direct p50-us p99-us +p50-us
for u in node go; do
  for load in wrk-c1 wrk-c50 node-loop; do
    : >"$tmp/runs"
    for r in $(seq "$repeats"); do
      for t in direct simhttp simhttp-rule toxiproxy; do
        echo "$t $(measure "$load" "${port[$u-$t]}")" >>"$tmp/runs"
      done
    done
    declare -A rps p50 p99
    for t in direct simhttp simhttp-rule toxiproxy; do
      rps[$t]=$(awk -v t="$t" '$1 == t { print $2 }' "$tmp/runs" | median)
      p50[$t]=$(awk -v t="$t" '$1 == t { print $3 }' "$tmp/runs" | median)
      p99[$t]=$(awk -v t="$t" '$1 == t { print $4 }' "$tmp/runs" | median)
    done
    for t in direct simhttp simhttp-rule toxiproxy; do
      awk -v u="$u" -v l="$load" -v t="$t" -v r="${rps[$t]}" -v d="${rps[direct]}" -v a="${p50[$t]}" -v b="${p99[$t]}" -v a0="${p50[direct]}" \
        'BEGIN { printf "%-7s %-9s %-13s %10.0f %7.2f %9.1f %9.1f %9.1f\n", u, l, t, r, r / d, a, b, a - a0 }'
    done
  done
done
echo "(median of $repeats runs of ${secs}s each; load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs)"
