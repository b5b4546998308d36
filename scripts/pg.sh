# Source this file: pg_start creates a throwaway PostgreSQL cluster on a free loopback port and
# exports PG_URL; pg_stop removes it. Runs the server as the 'postgres' OS user when root.
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

pg_start() {
  local bin; bin=$(pg_bin)
  PG_DIR=$(mktemp -d /tmp/madoguchi-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local run=()
  if [[ $(id -u) -eq 0 ]]; then chown postgres "$PG_DIR"; run=(runuser -u postgres --); fi
  "${run[@]}" "$bin/initdb" -D "$PG_DIR/data" -U madoguchi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${run[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" start >/dev/null
  # The app and the tests connect as a role that is neither superuser nor BYPASSRLS, or the
  # row-level security policies (core.tenancy) would be silently bypassed. CREATEDB: pytest
  # makes its own test database.
  "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U madoguchi -d postgres -c "CREATE ROLE madoguchi_app LOGIN CREATEDB NOSUPERUSER NOBYPASSRLS"
  "$bin/createdb" -h 127.0.0.1 -p "$PG_PORT" -U madoguchi -O madoguchi_app madoguchi
  export PG_URL="postgres://madoguchi_app@127.0.0.1:$PG_PORT/madoguchi"
  export PG_ADMIN_URL="postgres://madoguchi@127.0.0.1:$PG_PORT/madoguchi"
  export PG_BIN="$bin" PG_DIR PG_PORT
  echo "==> PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT"
}

pg_stop() {
  [[ -n "${PG_DIR:-}" && -d "$PG_DIR" ]] || return 0
  local run=(); [[ $(id -u) -eq 0 ]] && run=(runuser -u postgres --)
  "${run[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
