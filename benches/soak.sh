#!/usr/bin/env bash
# Soak (RELIABILITY.md row 8; run by hand, not in CI): N services (default 1000) against a local
# target where 70 % are up, 20 % flap (up one minute, down the next) and 10 % stay down, every
# 10 s, for MINUTES (default 60). Every 30 s it records the process's RSS, open file
# descriptors, open database files and checks done, as CSV on standard output.
# Usage: benches/soak.sh [N] [MINUTES] [BINARY]   (BINARY defaults to target/release/watchpost)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
minutes=${2:-60}
bin=${3:-target/release/watchpost}
[ -x "$bin" ] || cargo build --release -q
work=$(mktemp -d)
target_port=18301
port=18302
cleanup() { kill "$wp" "$tp" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

# The target: /up/N answers 200, /down/N 503, /flap/N 200 in even minutes and 503 in odd ones,
# /hook (the Slack webhook) 200.
cat > "$work/target.py" <<'PY'
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def answer(self):
        p = self.path
        code = 503 if p.startswith("/down") or (p.startswith("/flap") and int(time.time() // 60) % 2) else 200
        self.send_response(code); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    do_GET = do_POST = answer
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
python3 "$work/target.py" "$target_port" &
tp=$!
{
    printf '[database]\nurl = "sqlite://%s/watchpost.db"\n' "$work"
    printf '[checks]\ninterval = 10\nretries = 1\nfailure_threshold = 2\n'
    printf '[slack]\nwebhook_url = "http://127.0.0.1:%s/hook"\n' "$target_port"
    for i in $(seq 1 "$n"); do
        kind=up
        if [ $((i % 10)) -eq 0 ]; then kind=down; elif [ $((i % 10)) -le 2 ]; then kind=flap; fi
        printf '[[services]]\nname = "svc-%04d"\nurl = "http://127.0.0.1:%s/%s/%d"\n' "$i" "$target_port" "$kind" "$i"
    done
} > "$work/soak.toml"
WATCHPOST_BIND=127.0.0.1:$port RUST_LOG=warn "$bin" --config "$work/soak.toml" serve 2> "$work/serve.log" &
wp=$!
echo "minute,rss_kib,open_fds,db_files,checks_total"
end=$(( $(date +%s) + minutes * 60 ))
start=$(date +%s)
while [ "$(date +%s)" -lt "$end" ]; do
    sleep 30
    kill -0 "$wp" || { echo "watchpost exited" >&2; tail -20 "$work/serve.log" >&2; exit 1; }
    rss=$(awk '/^VmRSS/ {print $2}' "/proc/$wp/status")
    fds=$(ls "/proc/$wp/fd" | wc -l)
    dbs=$(ls -l "/proc/$wp/fd" 2>/dev/null | grep -c 'watchpost.db' || true)
    checks=$(curl -s "127.0.0.1:$port/metrics" | awk '/^watchpost_checks_total/ {s += $2} END {print s + 0}')
    printf '%.1f,%s,%s,%s,%s\n' "$(echo "($(date +%s) - $start) / 60" | bc -l)" "$rss" "$fds" "$dbs" "$checks"
done
