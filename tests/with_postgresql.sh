#!/usr/bin/env bash
# Runs a command with CAREWATCH_TEST_DATABASE_URL pointing at a throwaway PostgreSQL server
# (its own data folder and unix socket in a temp dir, no TCP), stopped and removed afterwards.
set -euo pipefail
bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin_dir" ]; then
    echo "with_postgresql.sh: no PostgreSQL found under /usr/lib/postgresql (apt install postgresql)" >&2
    exit 1
fi
root=$(mktemp -d /tmp/carewatch-pg.XXXXXX)
as_owner=()
if [ "$(id -u)" = 0 ]; then  # PostgreSQL refuses to run as root
    chown nobody:nogroup "$root"
    as_owner=(runuser -u nobody --)
fi
stop() {
    "${as_owner[@]}" "$bin_dir/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$root"
}
trap stop EXIT
(cd "$root" && "${as_owner[@]}" "$bin_dir/initdb" -D "$root/data" -U carewatch --auth=trust -E UTF8 >/dev/null)
"${as_owner[@]}" "$bin_dir/pg_ctl" -D "$root/data" -l "$root/server.log" -w start \
    -o "-k $root -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
"$bin_dir/psql" -h "$root" -U carewatch -d postgres -qc "CREATE DATABASE carewatch_test"
export CAREWATCH_TEST_DATABASE_URL="postgresql+psycopg://carewatch@/carewatch_test?host=$root"
echo "PostgreSQL $("$bin_dir/postgres" --version | awk '{print $3}') at $root" >&2
"$@"
