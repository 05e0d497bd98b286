#!/usr/bin/env bash
# Every figure of BENCHMARKS.md's targets table, one load-harness mode after another (run by
# hand on an otherwise idle machine, not in CI; about 30 minutes). Each mode's table goes to
# OUT/NAME.txt (its progress to OUT/NAME.err) and OUT/log says when each began and ended.
# Usage: benches/figures.sh [OUT]   (OUT defaults to target/figures)
# WATCHPOST_BIN measures another build; TEST_DATABASE_URL (default: the local PostgreSQL at
# 127.0.0.1:5432, database test) is where the PostgreSQL modes make their throwaway database.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/figures}
export TEST_DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
cargo bench --bench load --no-run -q
mkdir -p "$out"
: > "$out/log"

mode() {
    local name=$1
    shift
    echo "$(date -u +%T) $name: $*" >> "$out/log"
    if cargo bench -q --bench load -- "$@" > "$out/$name.txt" 2> "$out/$name.err"; then
        echo "$(date -u +%T) $name done" >> "$out/log"
    else
        echo "$(date -u +%T) $name FAILED (see $out/$name.err)" >> "$out/log"
    fi
}

mode run-10000 run --services 10000 --duration 300 --warmup 20
for i in 1 2 3; do mode "run-1000-$i" run --services 1000 --duration 60 --warmup 10; done
mode run-1000-300s run --services 1000 --duration 300 --warmup 10
mode run-100 run --services 100 --duration 60 --warmup 10
mode fresh-10000 run --services 10000 --duration 60 --warmup 20 --fresh
mode fresh-1000 run --services 1000 --duration 60 --warmup 10 --fresh
mode fresh-100 run --services 100 --duration 60 --warmup 10 --fresh
mode postgres-10000 run --services 10000 --duration 120 --warmup 20 --postgres
mode wrk-100 wrk --services 100
mode wrk-10000 wrk --services 10000
mode persistence persistence
mode startup startup --services 10000
mode startup-postgres startup --services 10000 --postgres
mode storage storage --services 100 --backend sqlite,postgres
echo "$(date -u +%T) all modes ran; tables in $out" >> "$out/log"
grep -hs "CPU per check" "$out"/run-*.txt "$out"/fresh-*.txt || true
