#!/usr/bin/env bash
# Starts a throwaway PostgreSQL for datomkit's tests and benchmarks, and prints the shell lines that
# point them at it:  eval "$(bash .ci/start-postgres.sh)"
# The server gets a fresh data folder under $TMPDIR, listens on 127.0.0.1 on a free port (and a
# socket in its folder), trusts local connections, and keeps PostgreSQL's durability settings
# (fsync and synchronous_commit on). As root it runs as the user `datomkit-pg`, created if needed.
# Printed: DATOMKIT_TEST_PG (the URI of the database `datomkit_test`) and DATOMKIT_TEST_PG_CTL (a
# script that runs pg_ctl on this server: `"$DATOMKIT_TEST_PG_CTL" stop` stops it, and the fault
# tests restart it with `restart -m immediate`). Exits non-zero when no server could be started.
set -euo pipefail

bindir=""
for d in "$(pg_config --bindir 2>/dev/null || true)" /usr/lib/postgresql/*/bin; do
  if [[ -n "$d" && -x "$d/initdb" ]]; then bindir="$d"; break; fi
done
if [[ -z "$bindir" ]]; then
  echo "start-postgres: no PostgreSQL server found; install it (Debian: apt-get install -y postgresql-15)" >&2
  exit 1
fi

base=$(mktemp -d "${TMPDIR:-/tmp}/datomkit-pg-XXXXXX")
chmod 755 "$base"
run=()
if [[ "$(id -u)" == 0 ]]; then
  # initdb refuses to run as root.
  id -u datomkit-pg >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin datomkit-pg
  chown datomkit-pg "$base"
  run=(runuser -u datomkit-pg --)
fi

# A free port: the kernel picks one for a socket that is closed right after.
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

"${run[@]}" "$bindir/initdb" -D "$base/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$base/initdb.log" 2>&1 ||
  { cat "$base/initdb.log" >&2; exit 1; }
cat >"$base/pg_ctl" <<CTL
#!/usr/bin/env bash
# pg_ctl on the test server in $base/data, as its owner.
exec ${run[*]} "$bindir/pg_ctl" -D "$base/data" -l "$base/server.log" -w "\$@"
CTL
chmod 755 "$base/pg_ctl"
opts="-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$base -c max_connections=200 -c fsync=on -c synchronous_commit=on"
"$base/pg_ctl" -o "$opts" start >"$base/start.log" 2>&1 || { cat "$base/start.log" "$base/server.log" >&2; exit 1; }
"$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres datomkit_test

echo "export DATOMKIT_TEST_PG=postgres://postgres@127.0.0.1:$port/datomkit_test"
echo "export DATOMKIT_TEST_PG_CTL=$base/pg_ctl"
