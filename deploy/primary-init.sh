#!/usr/bin/env bash
# compose.yaml's primary, at its first start: a role the replica streams as, allowed in,
# and the service's application role with a password (migration 0003 finds it there and
# grants it what it needs).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD '${REPLICATION_PASSWORD}';
CREATE ROLE shouhu_app LOGIN PASSWORD '${SHOUHU_APP_DB_PASSWORD}';
SQL
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
