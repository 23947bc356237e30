#!/usr/bin/env bash
# Start the local PostgreSQL cluster if it is down (the tests run against it for real).
set -euo pipefail
host=${ZORGPAD_PG_HOST:-127.0.0.1}
if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h "$host" -p 5432; then
  exit 0
fi
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
  for version in $(ls /etc/postgresql); do
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  done
fi
for _ in $(seq 1 30); do
  if pg_isready -q -h "$host" -p 5432; then exit 0; fi
  sleep 1
done
echo "PostgreSQL is not reachable on $host:5432" >&2
exit 1
