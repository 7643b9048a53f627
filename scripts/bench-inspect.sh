#!/usr/bin/env bash
# bench-inspect.sh: `simhttp inspect --json` against tshark on one capture of
# at least a million packets, side by side, printing packets/s and
# exchanges/s for both and the ratio.
#
#   scripts/bench-inspect.sh [CAPTURE]     (default /tmp/simhttp-bench.pcap)
#
# PACKETS=N sets the least packet count (1000000); REMAKE=1 rewrites an
# existing capture. The capture is made by `simhttp record`: the bundled
# scenarios, repeated with successive seeds until there are enough packets.
set -euo pipefail
cd "$(dirname "$0")/.."

file=${1:-/tmp/simhttp-bench.pcap}
packets_min=${PACKETS:-1000000}

command -v tshark >/dev/null || {
	echo "bench-inspect: tshark is not installed (DEBIAN_FRONTEND=noninteractive apt-get install -y tshark)" >&2
	exit 1
}
command -v jq >/dev/null || { echo "bench-inspect: jq is needed to count the exchanges" >&2; exit 1; }

bin=$(mktemp -d)/simhttp
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./cmd/simhttp

if [[ ! -s $file || -n ${REMAKE:-} ]]; then
	# One run first, to learn how many packets the bundled scenarios make.
	"$bin" record --out "$file" 2>"$bin.log"
	per_run=$(grep -o 'wrote [0-9]*' "$bin.log" | grep -o '[0-9]*')
	repeat=$(( (packets_min + per_run - 1) / per_run ))
	echo "making $file: the bundled scenarios $repeat times ($per_run packets a run)..."
	"$bin" record --out "$file" --repeat "$repeat"
fi

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
