#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL server, for the records tests.
#
#   scripts/with-postgres.sh CMD [ARGS...]
#
# Starts a private server (initdb in a temporary folder, trust auth, listening
# only on 127.0.0.1 at a free port and on a unix socket inside that folder),
# exports MESODESK_TEST_POSTGRES_URL=postgresql+psycopg2://..., runs CMD, then
# always stops the server and removes the folder. PostgreSQL refuses to run as
# root, so as root the server runs as the `postgres` system user (created if
# absent). Without PostgreSQL binaries the command runs without the URL: the
# PostgreSQL tests then skip locally and fail under CI (CI is set).
set -uo pipefail

if [ $# -eq 0 ]; then
  echo "usage: scripts/with-postgres.sh CMD [ARGS...]" >&2
  exit 2
fi

if [ -n "${MESODESK_TEST_POSTGRES_URL:-}" ]; then
  exec "$@"        # a server is already provided
fi

bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then bindir=$d; break; fi
done
if [ -z "$bindir" ]; then
  echo "with-postgres: no PostgreSQL server binaries in /usr/lib/postgresql/*/bin;" \
       "running without MESODESK_TEST_POSTGRES_URL" >&2
  exec "$@"
fi

as_owner=()
owner=$(id -un)
if [ "$(id -u)" -eq 0 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin postgres \
      || { echo "with-postgres: cannot create the postgres user" >&2; exit 2; }
  fi
  owner=postgres
  as_owner=(runuser -u postgres --)
fi

root=$(mktemp -d "${TMPDIR:-/tmp}/mesodesk-pg.XXXXXX") || exit 2
chmod 0755 "$root"
pgdata="$root/data"
sockdir="$root/socket"
mkdir -p "$sockdir"
[ "$owner" = postgres ] && chown -R postgres "$root"

cleanup() {
  "${as_owner[@]}" "$bindir/pg_ctl" -D "$pgdata" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

free_port() {
  local py
  for py in python3 "${PYTHON:-}" .venv/bin/python; do
    if [ -n "$py" ] && command -v "$py" >/dev/null 2>&1; then
      "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' && return
    fi
  done
  echo $((20000 + RANDOM % 20000))
}
port=$(free_port)

if ! "${as_owner[@]}" "$bindir/initdb" -D "$pgdata" -U mesodesk --auth=trust \
       --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1; then
  # older servers or images without C.UTF-8
  "${as_owner[@]}" "$bindir/initdb" -D "$pgdata" -U mesodesk --auth=trust \
       --encoding=UTF8 --no-locale >"$root/initdb.log" 2>&1 \
    || { echo "with-postgres: initdb failed:" >&2; cat "$root/initdb.log" >&2; exit 2; }
fi

opts="-c listen_addresses=127.0.0.1 -p $port -k $sockdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
if ! "${as_owner[@]}" "$bindir/pg_ctl" -D "$pgdata" -o "$opts" -l "$root/server.log" -w -t 30 start >/dev/null; then
  echo "with-postgres: the server did not start:" >&2
  cat "$root/server.log" >&2
  exit 2
fi
"${as_owner[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U mesodesk mesodesk_test \
  || { echo "with-postgres: createdb failed" >&2; exit 2; }

export MESODESK_TEST_POSTGRES_URL="postgresql+psycopg2://mesodesk@127.0.0.1:$port/mesodesk_test"
echo "with-postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port" >&2
"$@"
status=$?
exit $status
