#!/usr/bin/env bash
# Makes sure the local PostgreSQL 15 and Redis 7 that tests and the local stage use are up, starting
# them the way this machine image does if they are installed but stopped. Fails loudly otherwise.
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "postgres: not answering on 127.0.0.1:5432, starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
fi
pg_isready -h 127.0.0.1 -p 5432 >/dev/null || { echo "postgres: still down; install PostgreSQL 15 (apt-get install postgresql) with trust auth on 127.0.0.1" >&2; exit 1; }
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "redis: not answering on 127.0.0.1:6379, starting it" >&2
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis-cli ping >/dev/null 2>&1 && break; sleep 0.2; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "redis: still down; install Redis 7 (apt-get install redis-server)" >&2; exit 1; }
echo "postgres and redis: up" >&2
# The read/write-split tests stream a replica from this server (pg_basebackup): allow replication
# connections from loopback, as a replica host in a VPC would be allowed.
hba=$(psql -h 127.0.0.1 -U postgres -Atc 'SHOW hba_file')
if ! grep -Eq '^host\s+replication\s+\S+\s+127\.0\.0\.1/32' "$hba"; then
  echo "postgres: allowing replication connections from 127.0.0.1 in $hba" >&2
  echo 'host replication postgres 127.0.0.1/32 trust' >>"$hba"
  psql -h 127.0.0.1 -U postgres -qc 'SELECT pg_reload_conf()' >/dev/null
fi
