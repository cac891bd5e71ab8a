#!/usr/bin/env bash
# Installs (if needed) and starts Debian's PostgreSQL on 127.0.0.1:5432 with a test database.
# Used by .ci/run and by developers: prints the TEST_DATABASE_URL to use.
set -euo pipefail
if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi
ver=$(ls /etc/postgresql | sort -n | tail -1)
conf=/etc/postgresql/$ver/main/postgresql.conf
grep -q "^listen_addresses = '127.0.0.1'" "$conf" || echo "listen_addresses = '127.0.0.1'" >>"$conf"
pg_ctlcluster "$ver" main start 2>/dev/null || pg_ctlcluster "$ver" main restart
for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -q && break; sleep 1; done
su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\""
su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='wf_test'\"" | grep -q 1 ||
  su postgres -c "createdb wf_test"
echo "postgresql://postgres:postgres@127.0.0.1:5432/wf_test"
