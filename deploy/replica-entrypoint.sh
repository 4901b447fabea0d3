#!/usr/bin/env bash
# compose.yaml's replica: at its first start, a base backup of the primary (streaming, with
# the standby settings written by -R); then the server, as a hot standby.
set -euo pipefail
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_isready -h primary -U "$POSTGRES_USER"; do sleep 1; done
  PGPASSWORD="$REPLICATION_PASSWORD" pg_basebackup -h primary -U replicator -D "$PGDATA" \
    -R -X stream -c fast
  chmod 700 "$PGDATA"
fi
exec postgres
