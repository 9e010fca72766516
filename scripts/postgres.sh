#!/usr/bin/env bash
# PostgreSQL for Dunbot, from Debian's packages, without systemd.
#
#   scripts/postgres.sh up      install if needed, start the cluster on 127.0.0.1 only,
#                               create the dunbot role and database, print the URL
#   scripts/postgres.sh status  say whether the cluster runs and print the URL
#   scripts/postgres.sh down    stop the cluster (the data stays)
#
# The dunbot role's password is generated once into $DUNBOT_HOME/secrets/postgres-password
# (mode 600), never into the repository. Idempotent: a second `up` only checks.
set -euo pipefail

HOME_DIR="${DUNBOT_HOME:-/var/lib/dunbot}"
SECRET="$HOME_DIR/secrets/postgres-password"
PORT="${DUNBOT_PG_PORT:-5432}"
ROLE=dunbot
DBNAME=dunbot

log() { echo "postgres: $*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" -eq 0 ] || die "run as root (it installs Debian packages and manages the cluster)"

install_pkgs() {
  if ! dpkg-query -W -f='${Status}' postgresql 2>/dev/null | grep -q "ok installed"; then
    log "installing Debian package postgresql"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
}

cluster() {
  # The newest installed cluster (Debian 12 ships 15), created if the package left none.
  local line
  line=$(pg_lsclusters -h 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$line" ]; then
    local ver
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n1)
    [ -n "$ver" ] || die "no PostgreSQL server installed under /usr/lib/postgresql"
    pg_createcluster "$ver" main -p "$PORT" >/dev/null
    line=$(pg_lsclusters -h | sort -V | tail -n1)
  fi
  echo "$line" | awk '{print $1, $2, $3}'
}

password() {
  if [ ! -s "$SECRET" ]; then
    mkdir -p "$(dirname "$SECRET")"
    (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' > "$SECRET")
  fi
  cat "$SECRET"
}

url() { echo "postgresql://$ROLE:$(password)@127.0.0.1:$1/$DBNAME"; }

psql_admin() { runuser -u postgres -- psql -X -q -p "$1" -v ON_ERROR_STOP=1 "${@:2}"; }

up() {
  install_pkgs
  read -r ver name port < <(cluster)
  # Loopback only: nothing outside this machine can reach the store.
  local conf="/etc/postgresql/$ver/$name"
  sed -i '/^[[:space:]]*listen_addresses[[:space:]]*=/d' "$conf/postgresql.conf"
  mkdir -p "$conf/conf.d"
  echo "listen_addresses = '127.0.0.1'" > "$conf/conf.d/dunbot.conf"
  if ! pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1==v && $2==n {print $4}' | grep -q online; then
    log "starting cluster $ver/$name on 127.0.0.1:$port"
    pg_ctlcluster "$ver" "$name" start
  fi
  local pw
  pw=$(password)
  psql_admin "$port" -d postgres <<SQL
SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '$ROLE') \gexec
ALTER ROLE $ROLE WITH LOGIN CREATEDB PASSWORD '$pw';
SELECT format('CREATE DATABASE %I OWNER %I', '$DBNAME', '$ROLE')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = '$DBNAME') \gexec
SQL
  log "ready; URL of the dunbot database:"
  url "$port"
}

status() {
  command -v pg_lsclusters >/dev/null || die "PostgreSQL is not installed (run: scripts/postgres.sh up)"
  read -r ver name port < <(cluster)
  pg_lsclusters -h | awk -v v="$ver" -v n="$name" '$1==v && $2==n {print "cluster " v "/" n ": " $4}'
  url "$port"
}

down() {
  command -v pg_lsclusters >/dev/null || exit 0
  read -r ver name _ < <(cluster)
  pg_ctlcluster "$ver" "$name" stop 2>/dev/null || true
  log "cluster $ver/$name stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
