#!/usr/bin/env bash
# bench-inspect-https.sh: `simhttp inspect --keylog` against tshark with the
# same key log (`-o tls.keylog_file:`) on one HTTPS capture, same run:
# packets/s for both and the ratio. Each tool runs once to warm the page
# cache and its own start-up, then RUNS times (5) interleaved; the medians
# are compared. Both must find the same number of requests.
#
#   scripts/bench-inspect-https.sh [CAPTURE]   (default /tmp/simhttp-bench-https.pcap)
#
# The key log is CAPTURE.keys. When the capture is missing (or REMAKE=1),
# it is made as root with tcpdump on loopback: Node's https server of
# fixtures/captures/https and scripts/https-load.js, CONNS connections (50)
# of REQUESTS requests each (400), cycling through the five suites.
set -euo pipefail
cd "$(dirname "$0")/.."

file=${1:-/tmp/simhttp-bench-https.pcap}
keys=$file.keys
runs=${RUNS:-5}

for tool in tshark jq node; do
	command -v $tool >/dev/null || { echo "bench-inspect-https: $tool is not installed" >&2; exit 1; }
done

bin=$(mktemp -d)
trap 'kill "${server:-}" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/simhttp" ./cmd/simhttp

if [[ ! -s $file || ! -s $keys || -n ${REMAKE:-} ]]; then
	command -v tcpdump >/dev/null || { echo "bench-inspect-https: tcpdump is needed to make the capture" >&2; exit 1; }
	port=${PORT:-18444}
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$bin/key.pem" -out "$bin/cert.pem" -days 1 \
		-subj /CN=127.0.0.1 2>/dev/null
	: >"$bin/server.log"
	CERT_DIR=$bin node fixtures/captures/https/server.js "$port" $((port + 1)) >"$bin/server.log" &
	server=$!
	until grep -q listening "$bin/server.log"; do
		kill -0 "$server" 2>/dev/null || { cat "$bin/server.log" >&2; exit 1; } # a port in use, say
		sleep 0.05
	done
	rm -f "$keys"
	tcpdump -i lo -U -w "$file" "tcp port $port" 2>"$bin/tcpdump.log" &
	dump=$!
	until grep -q listening "$bin/tcpdump.log"; do sleep 0.05; done
	echo "making $file: ${CONNS:-50} connections of ${REQUESTS:-400} requests..."
	node --tls-keylog="$keys" scripts/https-load.js "$port" "${CONNS:-50}" "${REQUESTS:-400}" 2>/dev/null
	sleep 0.5
	kill -INT "$dump"
	wait "$dump" || true
	kill "$server"
fi

now() { date +%s.%N; }
simhttp_run() { "$bin/simhttp" inspect "$file" --keylog "$keys" --json >"$bin/inspect.json"; }
tshark_run() {
	tshark -n -r "$file" -o "tls.keylog_file:$keys" -Y http.request -T fields -e http.request.uri >"$bin/tshark.txt" 2>/dev/null
}
simhttp_run
tshark_run
: >"$bin/times"
for _ in $(seq "$runs"); do
	t0=$(now); simhttp_run; t1=$(now); tshark_run; t2=$(now)
	echo "$t0 $t1 $t2" >>"$bin/times"
done

packets=$(jq '.packets' "$bin/inspect.json")
exchanges=$(jq '[.connections[].exchanges | length] | add // 0' "$bin/inspect.json")
undecrypted=$(jq '[.connections[] | select(.tls == "" or .tls == null or (.problems | length) > 0)] | length' "$bin/inspect.json")
requests=$(grep -c . "$bin/tshark.txt" || true)
if [[ $exchanges != "$requests" || $undecrypted != 0 ]]; then
	echo "bench-inspect-https: simhttp found $exchanges exchanges ($undecrypted connections not decrypted cleanly), tshark $requests requests" >&2
	exit 1
fi

awk -v p="$packets" -v x="$exchanges" -v runs="$runs" '
	{ s[NR] = $2 - $1; t[NR] = $3 - $2 }
	function median(a, n,   i, j, v) {
		for (i = 2; i <= n; i++) { v = a[i]; for (j = i - 1; j > 0 && a[j] > v; j--) a[j + 1] = a[j]; a[j + 1] = v }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		si = median(s, NR); st = median(t, NR)
		printf "capture: %d packets, %d HTTPS exchanges; median of %d runs after a warm-up\n", p, x, runs
		printf "%-44s %7.3f s  %10.0f packets/s\n", "simhttp inspect --keylog --json", si, p / si
		printf "%-44s %7.3f s  %10.0f packets/s\n", "tshark -o tls.keylog_file: -Y http.request", st, p / st
		printf "inspect is %.1fx tshark\n", st / si
	}' "$bin/times"
