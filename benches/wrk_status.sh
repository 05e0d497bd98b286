#!/usr/bin/env bash
# Request rate of the public reads with N services (default 100), next to the machine's
# ceiling (/healthz, the cheapest handler of the same server), so figures read as ratios.
# Needs wrk (apt-get install wrk). Usage: benches/wrk_status.sh [N] [DURATION]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}
duration=${2:-10s}
port=18195
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT

cargo build --release -q
{
    printf '[database]\nurl = "sqlite://%s/watchpost.db"\n[checks]\ninterval = 10\nretries = 1\n' "$work"
    # The services check the server's own /healthz: no other process needed.
    for i in $(seq -w 1 "$n"); do
        printf '[[services]]\nname = "service-%s"\nurl = "http://127.0.0.1:%s/healthz"\n' "$i" "$port"
    done
} > "$work/bench.toml"
WATCHPOST_BIND=127.0.0.1:$port RUST_LOG=warn target/release/watchpost --config "$work/bench.toml" serve &
pid=$!
sleep 12 # one interval: every service has a result

printf '%-44s %12s %10s %10s\n' endpoint req/s p99 body
for spec in "/healthz|" "/api/status|" "/api/status|gzip, deflate, br" "/|" "/|gzip, deflate, br"; do
    path=${spec%%|*}
    encoding=${spec#*|}
    args=(-t2 -c50 -d"$duration" --latency)
    [ -n "$encoding" ] && args+=(-H "Accept-Encoding: $encoding")
    out=$(wrk "${args[@]}" "http://127.0.0.1:$port$path")
    rate=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
    size=$(curl -s ${encoding:+-H "Accept-Encoding: gzip"} "http://127.0.0.1:$port$path" | wc -c)
    printf '%-44s %12s %10s %10s\n' "GET $path ${encoding:+(Accept-Encoding: $encoding)}" "$rate" "$p99" "$size"
done
