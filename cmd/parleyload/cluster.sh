#!/usr/bin/env bash
# Reproduces the figures in docs/BENCHMARKS.md: starts two parley nodes on
# the local Postgres and Redis (loopback only), then measures server memory
# per idle websocket and visitor-to-agent latency between the nodes.
#   bash cmd/parleyload/cluster.sh [idle connections] [latency messages]
set -euo pipefail
cd "$(dirname "$0")/../.."
conns=${1:-10000}
msgs=${2:-2000}
pg=${PARLEY_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
redis=${PARLEY_BENCH_REDIS:-redis://127.0.0.1:6379/0}
work=$(mktemp -d)
db=parley_bench_$$

go build -o "$work/parley" ./cmd/parley
go build -o "$work/parleyload" ./cmd/parleyload
psql "$pg/postgres" -qc "CREATE DATABASE $db"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  psql "$pg/postgres" -qc "DROP DATABASE IF EXISTS $db" || true
  rm -rf "$work"
}
trap cleanup EXIT

export PARLEY_DATABASE_URL="$pg/$db?sslmode=disable" PARLEY_REDIS_URL="$redis" PARLEY_REDIS_PREFIX="bench$$:" \
  PARLEY_BASE_URL=http://localhost:8080 PARLEY_LOG_FORMAT=json PARLEY_LOG_LEVEL=info
PARLEY_ADDR=127.0.0.1:8081 PARLEY_NODE_ID=a "$work/parley" >"$work/a.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$work/a.log" && break; sleep 0.1; done
PARLEY_ADDR=127.0.0.1:8082 PARLEY_NODE_ID=b "$work/parley" >"$work/b.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q '"listening"' "$work/b.log" && break; sleep 0.1; done

line=$(grep 'created a demo workspace' "$work/a.log")
email=$(sed 's/.*"email":"\([^"]*\)".*/\1/' <<<"$line")
password=$(sed 's/.*"password":"\([^"]*\)".*/\1/' <<<"$line")
site=$(curl -s http://127.0.0.1:8081/demo | grep -o '"site_[A-Za-z0-9_-]*"' | head -n1 | tr -d '"')

echo "== latency between nodes ($msgs messages, visitor on a, agent on b)"
"$work/parleyload" latency -a http://127.0.0.1:8081 -b http://127.0.0.1:8082 -site "$site" \
  -origin http://localhost:8080 -email "$email" -password "$password" -n "$msgs"
echo "== memory per idle websocket ($conns visitor connections on node a)"
"$work/parleyload" idle -url http://127.0.0.1:8081 -site "$site" -origin http://localhost:8080 -n "$conns"
