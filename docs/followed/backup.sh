#!/usr/bin/env bash
# docs/backup.md as followed on the development machine, on the database docs/followed/deployment.sh
# leaves behind (two registrations, a student's submitted attempt, a delivered and a superseded grade).
#
#   bash docs/followed/backup.sh [WORKDIR]        # the same WORKDIR as deployment.sh
set -euo pipefail
WORK=${1:-/tmp/quiztool-followed}
Q="$WORK/app/.venv/bin/quiztool"
step() { printf '\n==> %s\n' "$*"; }
set -a; . "$WORK/env"; set +a

step "Backing up"
PGURL=${QUIZTOOL_DATABASE_URL/+psycopg/}
mkdir -p "$WORK/backups"
pg_dump --format=custom --file="$WORK/backups/quiz-$(date +%F).dump" "$PGURL"
cp "$WORK/env" "$WORK/backups/env"
ls -l "$WORK/backups" | tail -n +2 | awk '{print $5, $9}'

step "Restoring into a new database"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS quiz_restored" -c "CREATE DATABASE quiz_restored OWNER quiz_followed"
pg_restore --no-owner --role=quiz_followed --dbname="${PGURL%/*}/quiz_restored" "$WORK/backups/quiz-$(date +%F).dump"
export QUIZTOOL_DATABASE_URL=${QUIZTOOL_DATABASE_URL%/*}/quiz_restored
"$Q" db upgrade
"$Q" platform list
"$Q" grades status

step "Every table has the same rows in the original and the restored database"
for table in $(psql -At "$PGURL" -c "SELECT tablename FROM pg_tables WHERE schemaname='public' ORDER BY 1"); do
  original=$(psql -At "$PGURL" -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \"$table\" t")
  restored=$(psql -At "${PGURL%/*}/quiz_restored" -c "SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) FROM \"$table\" t")
  [ "$original" = "$restored" ] && echo "same  $table" || { echo "DIFFERENT $table"; exit 1; }
done

step "The restored database serves"
QUIZTOOL_BIND=127.0.0.1:8001 "$Q" serve > "$WORK/restored-web.log" 2>&1 & SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf http://127.0.0.1:8001/healthz >/dev/null && break; sleep 0.5; done
curl -s http://127.0.0.1:8001/readyz; echo
step "done"
