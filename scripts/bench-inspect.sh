#!/usr/bin/env bash
# bench-inspect.sh: `simhttp inspect --json` against tshark on one capture of
# at least a million packets, side by side, printing packets/s and
# exchanges/s for both and the ratio.
#
#   scripts/bench-inspect.sh [CAPTURE]     (default /tmp/simhttp-bench.pcap)
#
# PACKETS=N sets the least packet count (1000000); REMAKE=1 rewrites an
# existing capture. The capture is simulated keep-alive traffic recorded by
# record.Recorder (replay's TestMakeBigCapture): the bundled scenarios give
# only about 630 packets a run, so `simhttp record` of them would take
# minutes to reach a million.
set -euo pipefail
cd "$(dirname "$0")/.."

file=${1:-/tmp/simhttp-bench.pcap}
packets_min=${PACKETS:-1000000}

command -v tshark >/dev/null || {
	echo "bench-inspect: tshark is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y tshark)" >&2
	exit 1
}
command -v jq >/dev/null || { echo "bench-inspect: jq is needed to count the exchanges" >&2; exit 1; }

if [[ ! -s $file || -n ${REMAKE:-} ]]; then
	echo "making $file (at least $packets_min packets)..."
	SIMHTTP_BIG_CAPTURE=$file SIMHTTP_BIG_PACKETS=$packets_min \
		go test ./replay -run '^TestMakeBigCapture$' -count=1 -v | grep 'wrote'
fi

bin=$(mktemp -d)/simhttp
trap 'rm -rf "$(dirname "$bin")" "$bin.json"' EXIT
go build -o "$bin" ./cmd/simhttp

now() { date +%s.%N; }

t0=$(now)
"$bin" inspect "$file" --json >"$bin.json"
t1=$(now)
packets=$(jq '.packets' "$bin.json")
exchanges=$(jq '[.connections[].exchanges | length] | add // 0' "$bin.json")

t2=$(now)
ts_requests=$(tshark -n -r "$file" -Y http -T fields -e http.request.uri 2>/dev/null | grep -c . || true)
t3=$(now)

awk -v p="$packets" -v x="$exchanges" -v tx="$ts_requests" \
	-v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" 'BEGIN {
	si = t1 - t0; st = t3 - t2
	printf "capture: %d packets, %d exchanges\n", p, x
	printf "%-28s %8.2f s  %12.0f packets/s  %10.0f exchanges/s\n", "simhttp inspect --json", si, p/si, x/si
	printf "%-28s %8.2f s  %12.0f packets/s  %10.0f exchanges/s (%d requests)\n", "tshark -Y http", st, p/st, tx/st, tx
	printf "inspect is %.1fx tshark\n", st/si
}'
