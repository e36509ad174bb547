#!/usr/bin/env bash
# Dump a database (pg_dump -Fc), restore it into a scratch database (pg_restore), and compare
# the exact row count of every table. Exit 0 when every count matches.
#
#   scripts/backup_restore_check.sh [DATABASE_URL] [DUMP_FILE]
#
# DATABASE_URL defaults to $DATABASE_URL (the dev database). The scratch database is
# <name>_restore_check on the same server; it is dropped at the end unless KEEP_SCRATCH=1.
# The dump file defaults to .data/backups/<name>-<UTC timestamp>.dump and is kept.
set -euo pipefail
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"

url="${1:-${DATABASE_URL:?set DATABASE_URL or pass a postgres:// URL}}"
base="${url%%\?*}"
query="${url#"$base"}"  # e.g. ?host=/socket/dir&port=5432 for a Unix-socket server
name="${base##*/}"
server="${base%/*}"
scratch="${name}_restore_check"
root="$(cd "$(dirname "$0")/.." && pwd)"
dump="${2:-$root/.data/backups/${name}-$(date -u +%Y%m%dT%H%M%SZ).dump}"
jobs="${RESTORE_JOBS:-2}"
mkdir -p "$(dirname "$dump")"

for tool in pg_dump pg_restore psql; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done

echo "[backup] pg_dump -Fc $name -> $dump"
pg_dump --format=custom --no-owner --no-privileges --file="$dump" "$url"

echo "[restore] into scratch database $scratch"
psql "$server/postgres$query" -v ON_ERROR_STOP=1 -q \
  -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" \
  -c "CREATE DATABASE \"$scratch\""
cleanup() {
  if [[ "${KEEP_SCRATCH:-0}" != "1" ]]; then
    psql "$server/postgres$query" -q -c "DROP DATABASE IF EXISTS \"$scratch\" WITH (FORCE)" || true
  fi
}
trap cleanup EXIT
pg_restore --no-owner --no-privileges --exit-on-error --jobs="$jobs" \
  --dbname="$server/$scratch$query" "$dump"

# Exact counts of every ordinary table, as "schema.table count" lines, sorted.
count_sql="
DO \$\$ DECLARE r record; n bigint; BEGIN
  CREATE TEMP TABLE _counts (t text, n bigint);
  FOR r IN SELECT schemaname, tablename FROM pg_tables
           WHERE schemaname <> 'information_schema' AND schemaname NOT LIKE 'pg\_%' LOOP
    EXECUTE format('SELECT count(*) FROM %I.%I', r.schemaname, r.tablename) INTO n;
    INSERT INTO _counts VALUES (r.schemaname || '.' || r.tablename, n);
  END LOOP;
END \$\$;
SELECT t || ' ' || n FROM _counts ORDER BY t;"

source_counts="$(psql "$url" -X -At -q -c "$count_sql")"
restored_counts="$(psql "$server/$scratch$query" -X -At -q -c "$count_sql")"
tables="$(printf '%s\n' "$source_counts" | grep -c . || true)"
rows="$(printf '%s\n' "$source_counts" | awk '{s += $2} END {print s + 0}')"

if [[ "$source_counts" == "$restored_counts" ]]; then
  echo "[check] OK: $tables tables, $rows rows, identical counts; dump $(du -h "$dump" | cut -f1)"
  exit 0
fi
echo "[check] MISMATCH (source < > restored):" >&2
diff <(printf '%s\n' "$source_counts") <(printf '%s\n' "$restored_counts") >&2 || true
exit 1
