#!/usr/bin/env bash
# Reproduces the figures in docs/BENCHMARKS.md: starts two parley nodes on
# the local Postgres and Redis (loopback only), then measures, in one run:
# the floor (a bare Postgres commit, a bare Redis round trip), the rate
# ramp (visitors on node a -> an agent on node b, up to a p99 bound), the
# dashboard fan-out (many agent sockets on both nodes), the connect rate
# and the server memory per idle websocket, with the CPU of both nodes,
# Postgres and Redis during each step.
#   bash cmd/parleyload/cluster.sh
# Sizes and ports come from the environment (defaults in brackets):
#   PORT_A [8081] PORT_B [8082] ASSISTANT [off]
#   RAMP_FROM [50] RAMP_TO [1500] RAMP_STEP [x1.5] RAMP_P99 [50ms] STEP_DURATION [10s] RAMP_TRIES [2]
#   FANOUT_AGENTS [200] FANOUT_VISITORS [10] FANOUT_RATE [20] FANOUT_DURATION [20s]
#   CONNECT_N [2000] CONNECT_CONCURRENCY [32] IDLE_N [10000] FLOOR_N [1000]
#   PARLEY_BENCH_PG [postgres://postgres@127.0.0.1:5432] PARLEY_BENCH_REDIS [redis://127.0.0.1:6379/3]
#   PARLEY_BIN [built from this tree]: another parley binary to measure (an
#   older commit's, for a before/after in the same window)
#   STEPS [floor ramp fanout connect idle]: the steps to run, in their order
#   here (the floor runs first and last whenever it is among them)
#   PROFILE [none]: a file for a 10 s CPU profile of node a, taken during a
#   last ramp step at PROFILE_RATE [800] msg/s (node a then has
#   PARLEY_ADMIN_ADDR on PORT_A+100); its top is printed
set -euo pipefail
cd "$(dirname "$0")/../.."
port_a=${PORT_A:-8081}
port_b=${PORT_B:-8082}
pg=${PARLEY_BENCH_PG:-postgres://postgres@127.0.0.1:5432}
redis=${PARLEY_BENCH_REDIS:-redis://127.0.0.1:6379/3}
work=$(mktemp -d)
db=parleyload_bench_$$
a=http://127.0.0.1:$port_a
b=http://127.0.0.1:$port_b

if [ -n "${PARLEY_BIN:-}" ]; then cp "$PARLEY_BIN" "$work/parley"; else go build -o "$work/parley" ./cmd/parley; fi
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
start() { # name port [admin address]
  PARLEY_ADDR=127.0.0.1:$2 PARLEY_NODE_ID=$1 PARLEY_ADMIN_ADDR=${3:-} "$work/parley" >"$work/$1.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do grep -qs '"listening"' "$work/$1.log" && return; sleep 0.1; done
  echo "node $1 did not start:" >&2; cat "$work/$1.log" >&2; exit 1
}
admin_a=
if [ -n "${PROFILE:-}" ]; then admin_a=127.0.0.1:$((port_a + 100)); fi
start a "$port_a" "$admin_a"
start b "$port_b"

line=$(grep 'created a demo workspace' "$work/a.log")
email=$(sed 's/.*"email":"\([^"]*\)".*/\1/' <<<"$line")
password=$(sed 's/.*"password":"\([^"]*\)".*/\1/' <<<"$line")
site=$(curl -s "$a/demo" | grep -o '"site_[A-Za-z0-9_-]*"' | head -n1 | tr -d '"')
# The demo site's built-in assistant answers every visitor message, which
# doubles the messages and puts its search on node a; the measurements
# are of visitor-to-agent chat, so it is off unless ASSISTANT=on.
if [ "${ASSISTANT:-off}" = off ]; then
  token=$(curl -sf -H 'Content-Type: application/json' -d "{\"email\":\"$email\",\"password\":\"$password\"}" \
    "$a/api/v1/auth/login" | sed 's/.*"token":"\([^"]*\)".*/\1/')
  site_id=$(curl -sf -H "Authorization: Bearer $token" "$a/api/v1/sites" | grep -o '"id":[0-9]*' | head -n1 | cut -d: -f2)
  curl -sf -o /dev/null -X PATCH -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"assistant_enabled":false}' "$a/api/v1/sites/$site_id"
fi
# Postgres backends of this database only, then every postgres process
# (with the WAL writer, and whatever else shares the server).
cpu="parley-a=${pids[0]},parley-b=${pids[1]},pg-backends=postgres:$db,postgres-all=postgres,redis=redis-server"
cluster=(-a "$a" -b "$b" -site "$site" -origin http://localhost:8080 -email "$email" -password "$password"
  -cpu "$cpu" -floor-n "${FLOOR_N:-1000}")

echo "== $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), assistant ${ASSISTANT:-off}"
steps=" ${STEPS:-floor ramp fanout connect idle} "
step() { [[ "$steps" == *" $1 "* ]]; }
if step floor; then
echo "== floor"
"$work/parleyload" floor -floor-n "${FLOOR_N:-1000}" -cpu "$cpu"
fi
if step ramp; then
echo "== ramp (visitors on a -> agents on b)"
"$work/parleyload" ramp "${cluster[@]}" -from "${RAMP_FROM:-50}" -to "${RAMP_TO:-1500}" -step "${RAMP_STEP:-x1.5}" \
  -p99 "${RAMP_P99:-50ms}" -step-duration "${STEP_DURATION:-10s}" -tries "${RAMP_TRIES:-2}"
fi
if step fanout; then
echo "== fanout (agent sockets on both nodes)"
"$work/parleyload" fanout "${cluster[@]}" -agents "${FANOUT_AGENTS:-200}" -visitors "${FANOUT_VISITORS:-10}" \
  -rate "${FANOUT_RATE:-20}" -duration "${FANOUT_DURATION:-20s}"
fi
if step connect; then
echo "== connect (visitor sockets on a)"
"$work/parleyload" connect -url "$a" -site "$site" -n "${CONNECT_N:-2000}" -concurrency "${CONNECT_CONCURRENCY:-32}" -cpu "$cpu"
"$work/parleyload" connect -returning -url "$a" -site "$site" -n "${CONNECT_N:-2000}" -concurrency "${CONNECT_CONCURRENCY:-32}" -cpu "$cpu"
fi
if step idle; then
echo "== memory per idle websocket (${IDLE_N:-10000} visitor connections on a)"
"$work/parleyload" idle -url "$a" ${admin_a:+-admin "http://$admin_a"} -site "$site" -n "${IDLE_N:-10000}"
fi
if [ -n "${PROFILE:-}" ]; then
  echo "== CPU profile of node a during a step at ${PROFILE_RATE:-800} msg/s"
  (sleep 3; curl -sf -o "$PROFILE" "http://$admin_a/debug/pprof/profile?seconds=10") &
  prof=$!
  "$work/parleyload" ramp "${cluster[@]}" -from "${PROFILE_RATE:-800}" -to "${PROFILE_RATE:-800}" -step-duration 15s -tries 1 || true
  wait "$prof"
  go tool pprof -top -nodecount=30 "$work/parley" "$PROFILE" 2>/dev/null | head -40
fi
if step floor; then
echo "== floor again (it moves with the machine's load)"
"$work/parleyload" floor -floor-n "${FLOOR_N:-1000}" -cpu "$cpu"
fi
echo "== $(date -u +%FT%TZ) load average $(cut -d' ' -f1-3 /proc/loadavg)"
