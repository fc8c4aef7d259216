#!/usr/bin/env bash
# docs/deployment.md as followed on the development machine (no systemd, no real LMS, no DNS):
# the same steps from a fresh clone, with ports 8443 (the tool) and 8444 (the demo LMS as an https
# LMS of its own), a self-signed certificate for localhost, nginx started with its own config file,
# and processes started from this shell instead of systemd units. Needs root, PostgreSQL on
# 127.0.0.1:5432 with trust for local TCP (as scripts/test sets up) and nginx (apt-get install nginx).
# The "LMS" is on this machine, so the tool is told it may reach loopback
# (QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS), as a campus LMS on a private network would need.
#
#   bash docs/followed/deployment.sh [WORKDIR]      # prints each step; stops everything it started
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
WORK=${1:-/tmp/quiztool-followed}
rm -rf "$WORK" && mkdir -p "$WORK"
step() { printf '\n==> %s\n' "$*"; }
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

step "1. Install: a fresh clone, bootstrap, quiztool --help before any configuration"
git clone -q "$REPO" "$WORK/app"
cd "$WORK/app" && scripts/bootstrap >"$WORK/bootstrap.log" 2>&1 || { cat "$WORK/bootstrap.log"; exit 1; }
Q="$WORK/app/.venv/bin/quiztool"
env -i PATH=/usr/bin:/bin HOME="$WORK" "$Q" --help | sed -n '1,3p'

step "2. The database"
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS quiz_followed" -c "DROP DATABASE IF EXISTS quiz_restored" -c "DROP ROLE IF EXISTS quiz_followed"
psql -h 127.0.0.1 -U postgres -qc "CREATE ROLE quiz_followed LOGIN PASSWORD 'followed-secret'" \
     -c "CREATE DATABASE quiz_followed OWNER quiz_followed"

step "3. Settings, and the certificate the LMS and the tool trust"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost \
  -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>/dev/null
cat > "$WORK/env" <<EOF
QUIZTOOL_DATABASE_URL=postgresql+psycopg://quiz_followed:followed-secret@127.0.0.1/quiz_followed
QUIZTOOL_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')
QUIZTOOL_BASE_URL=https://localhost:8443
QUIZTOOL_PROXY_COUNT=1
QUIZTOOL_BIND=127.0.0.1:8000
QUIZTOOL_WORKERS=2
QUIZTOOL_RETENTION_DAYS=400
QUIZTOOL_OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8
REQUESTS_CA_BUNDLE=$WORK/cert.pem
EOF
chmod 600 "$WORK/env"
set -a; . "$WORK/env"; set +a
"$Q" db upgrade

step "4. The services: quiztool serve (2 processes) and two grade workers"
"$Q" serve > "$WORK/web.log" 2>&1 & PIDS+=($!)
QUIZTOOL_WORKER_METRICS_BIND=127.0.0.1:9461 "$Q" worker > "$WORK/worker1.log" 2>&1 & PIDS+=($!)
QUIZTOOL_WORKER_METRICS_BIND=127.0.0.1:9462 "$Q" worker > "$WORK/worker2.log" 2>&1 & PIDS+=($!)
for _ in $(seq 60); do curl -sf http://127.0.0.1:8000/healthz >/dev/null && break; sleep 0.5; done
head -2 "$WORK/web.log"; grep -m1 "Listening at" "$WORK/web.log"
sleep 1; grep -m1 "grade worker started" "$WORK/worker1.log"
"$Q" serve 2>&1 | tail -1 || true    # a second server on the same port refuses to start

step "The demo LMS as an https LMS of its own (a second server, development mode, its own database)"
(
  env -i PATH=/usr/bin:/bin HOME="$WORK" QUIZTOOL_ENV=development QUIZTOOL_SECRET_KEY=lms-secret \
    QUIZTOOL_DATABASE_URL="sqlite:///$WORK/lms.db" QUIZTOOL_DEMO_LMS=true QUIZTOOL_PROXY_COUNT=1 \
    QUIZTOOL_DEMO_LMS_URL=https://localhost:8444/demo-lms QUIZTOOL_DEMO_LMS_TOOL_URL=https://localhost:8443 \
    QUIZTOOL_BASE_URL=https://localhost:8444 QUIZTOOL_BIND=127.0.0.1:8100 QUIZTOOL_WORKERS=1 \
    REQUESTS_CA_BUNDLE="$WORK/cert.pem" QUIZTOOL_DEMO_GRADE_WORKER=false \
    sh -c "'$Q' db upgrade >/dev/null && exec '$Q' serve"
) > "$WORK/lms.log" 2>&1 & PIDS+=($!)

step "5. nginx and https (its own config file and pid file: the host's nginx is not touched)"
cat > "$WORK/nginx.conf" <<EOF
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events {}
http {
  access_log off;
  client_body_temp_path $WORK/nginx-body;
  proxy_temp_path $WORK/nginx-proxy;
  server {
    listen 8443 ssl; server_name localhost;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    client_max_body_size 2m;
    location = /metrics { return 404; }
    location / {
      proxy_pass http://127.0.0.1:8000;
      proxy_set_header Host \$host:8443;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host \$host:8443;
      proxy_set_header X-Request-Id \$request_id;
    }
  }
  server {
    listen 8444 ssl; server_name localhost;
    ssl_certificate $WORK/cert.pem; ssl_certificate_key $WORK/key.pem;
    location / {
      proxy_pass http://127.0.0.1:8100;
      proxy_set_header Host \$host:8444;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Host \$host:8444;
    }
  }
}
EOF
nginx -t -c "$WORK/nginx.conf" 2>&1 | tail -1
nginx -c "$WORK/nginx.conf"
trap 'nginx -c "$WORK/nginx.conf" -s stop; cleanup' EXIT
curl -s --cacert "$WORK/cert.pem" https://localhost:8443/readyz; echo
curl -s -o /dev/null -w "metrics through nginx: %{http_code}\n" --cacert "$WORK/cert.pem" https://localhost:8443/metrics
for _ in $(seq 60); do curl -sf --cacert "$WORK/cert.pem" https://localhost:8444/demo-lms/ >/dev/null && break; sleep 0.5; done

step "Registration (docs/moodle.md A and B) and a student's quiz, through nginx"
cd "$REPO" && "$REPO/.venv/bin/python" docs/followed/lms_walkthrough.py "$WORK"   # the tests' browser: the dev install

step "6. Watching it"
sleep 3   # a worker pass
curl -s http://127.0.0.1:8000/metrics | grep -E '^quiztool_(launches_total|grade_outbox|grade_delivered_last_hour|platform_info)' || true
curl -s http://127.0.0.1:9461/metrics http://127.0.0.1:9462/metrics | grep -E '^quiztool_grade_deliveries_total' || true
"$Q" grades status
SUBMIT_ID=$(grep -h '"route": "/s/<token>/attempts/<int:attempt_id>/submit"' "$WORK/web.log" | tail -1 \
            | python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["request_id"])')
echo "the submit's request id: $SUBMIT_ID; its delivery lines:"
grep -h "\"request_id\": \"$SUBMIT_ID\"" "$WORK/worker1.log" "$WORK/worker2.log" | grep '"event": "grade\.' || true

step "7. Data protection"
"$Q" user purge
step "done"
