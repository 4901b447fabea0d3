#!/usr/bin/env bash
# The tests that exercise the SQL most (migrations up and down, row-level security and the
# authorization matrix, the compiled reads, sync, statistics), on the oldest PostgreSQL
# supported in production (docs/database.md), where its server is installed: a throw-away
# cluster on a loopback port, stopped and deleted afterwards. Elsewhere it says it is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=${OLDEST_POSTGRES:-15}
BIN=/usr/lib/postgresql/$VERSION/bin
PYTHON=.venv/bin/python  # make install makes it
# Arguments, if any, replace the tests chosen (paths, -k, -x…). The authorization matrix
# runs as the app role only: its run as the tables' owner sends the same statements without
# row-level security, and would add a third to the time.
TESTS=(tests/cli/test_migrations.py tests/authz tests/compiler tests/sync tests/statistics
    -k "not bypassed")
[ $# = 0 ] || TESTS=("$@")

if [ ! -x "$BIN/initdb" ]; then
    echo "PostgreSQL $VERSION tests skipped: no $BIN/initdb (Debian: apt-get install postgresql-$VERSION)"
    exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shouhu-postgres-$VERSION.XXXXXX")
AS=()
if [ "$(id -u)" = 0 ]; then
    # PostgreSQL refuses to run as root: the clusters are the postgres user's (the package's).
    AS=(runuser -u postgres --)
    chown postgres "$WORK"
fi
# One cluster per test process: a sync round ends at the oldest transaction running on the
# whole server (app/store/sync.py), so two processes on one server, each in its own
# databases, would move the rounds each other's sync tests expect.
PROCESSES=2

stop() {
    local status=$? n
    for n in $(seq 0 $((PROCESSES - 1))); do
        if [ "$status" != 0 ] && [ -f "$WORK/server$n.log" ]; then
            echo "--- the end of PostgreSQL $VERSION's log ($n):"
            tail -n 20 "$WORK/server$n.log"
        fi
        "${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data$n" -m fast -w stop >/dev/null 2>&1 || true
    done
    rm -rf "$WORK"
}
trap stop EXIT

URLS=()
for n in $(seq 0 $((PROCESSES - 1))); do
    PORT=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${AS[@]}" "$BIN/initdb" -D "$WORK/data$n" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >/dev/null
    # A throw-away cluster: durability is not what is tested, and fsync is most of CI's time.
    "${AS[@]}" "$BIN/pg_ctl" -D "$WORK/data$n" -l "$WORK/server$n.log" -w -s start -o \
        "-h 127.0.0.1 -p $PORT -k $WORK -c fsync=off -c full_page_writes=off"
    URLS+=("postgresql://postgres@127.0.0.1:$PORT/postgres")
done

echo "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') (${URLS[*]}): ${TESTS[*]}"
# tests/conftest.py gives each test process its own server of the list.
SHOUHU_TEST_DATABASE_URLS="${URLS[*]}" \
    "$PYTHON" -m pytest -q -p no:cacheprovider -n "$PROCESSES" "${TESTS[@]}"
