#!/usr/bin/env bash
# Start the servers the test suite talks to, if they are down, and create what it needs:
# PostgreSQL (127.0.0.1:5432, database "test"), NATS with JetStream (4222), Mosquitto (1883).
set -euo pipefail

log() { printf '\033[1m[services]\033[0m %s\n' "$*" >&2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  local name="$1" port="$2"
  for _ in $(seq 1 60); do
    listening "$port" && return 0
    sleep 0.5
  done
  log "$name did not start listening on 127.0.0.1:$port"; exit 1
}

if ! listening 5432; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  wait_for PostgreSQL 5432
fi
if ! psql -h 127.0.0.1 -U postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'test'" \
    | grep -q 1; then
  log "creating database test"
  createdb -h 127.0.0.1 -U postgres test
fi

if ! listening 4222; then
  log "starting NATS with JetStream"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_for NATS 4222
fi

if ! listening 1883; then
  log "starting Mosquitto"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
  wait_for Mosquitto 1883
fi
