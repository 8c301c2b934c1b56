# Shell helpers to run a throwaway PostgreSQL cluster in a folder, on a loopback port.
# PostgreSQL refuses to run as root; as root the server runs as Debian's `postgres` user.

pg_bin() {
  local newest
  newest=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  echo "${PG_BIN:-${newest:-$(dirname "$(command -v initdb)")}}"
}

pg_as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# pg_start DIR PORT [extra postgresql.conf lines...]
pg_start() {
  local dir=$1 port=$2 bin
  shift 2
  bin=$(pg_bin)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
  pg_as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
  {
    echo "port = $port"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$dir'"
    echo "fsync = off"
    for line in "$@"; do echo "$line"; done
  } | pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
  pg_as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
}

pg_stop() {
  local dir=$1
  [ -d "$dir/data" ] && pg_as_owner "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
}
