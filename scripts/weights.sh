#!/usr/bin/env bash
# The weight on the wire of the main pages and the field app, uncompressed and compressed
# (gzip, brotli), measured against the demo commune. Used for docs/benchmarks.md (issue 15).
#   scripts/weights.sh            # builds the debug binary if needed
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --bin congdongso
bin="$PWD/target/debug/congdongso"
tmp="$(mktemp -d)"
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for v in $(compgen -v | grep '^CONGDONGSO_' || true); do unset "$v"; done
export CONGDONGSO_DATABASE_URL="sqlite://$tmp/db.sqlite" CONGDONGSO_DEMO_PASSWORD="weights-$$" NO_COLOR=1
"$bin" demo >/dev/null 2>&1
"$bin" serve --addr 127.0.0.1:0 >"$tmp/log" 2>&1 &
pid=$!
base=""
for _ in $(seq 300); do
  base="$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$tmp/log" | head -n1 || true)"
  [ -n "$base" ] && curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
login() { # USER JAR
  curl -fsS -c "$2" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$CONGDONGSO_DEMO_PASSWORD\"}" "$base/api/v1/login" >/dev/null
}
login vhxh "$tmp/admin"
login tovien03 "$tmp/member"
login so "$tmp/province"
size() { # JAR PATH ENCODING
  curl -fsS -b "$1" -H "Accept-Encoding: $3" -o /dev/null -w '%{size_download}' "$base$2"
}
printf '| %-46s | %9s | %9s | %9s |\n' "answer (account)" "plain" "gzip" "brotli"
printf '|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..48})" "-----------" "-----------" "-----------"
row() { # LABEL JAR PATH
  printf '| %-46s | %9s | %9s | %9s |\n' "$1" "$(size "$2" "$3" identity)" \
    "$(size "$2" "$3" gzip)" "$(size "$2" "$3" br)"
}
row "/dashboard (vhxh)" "$tmp/admin" /dashboard
row "/residents (vhxh)" "$tmp/admin" /residents
row "/province (so)" "$tmp/province" /province
row "/field (tovien03)" "$tmp/member" /field
row "/assets/field.<hash>.js" "$tmp/member" /assets/field.js
row "/assets/field.<hash>.css" "$tmp/member" /assets/field.css
row "/assets/style.<hash>.css" "$tmp/member" /assets/style.css
row "/assets/app.<hash>.js" "$tmp/member" /assets/app.js
row "/sw.js" "$tmp/member" /sw.js
row "/manifest.webmanifest" "$tmp/member" /manifest.webmanifest
row "/api/v1/field/data (tovien03, hamlet 3)" "$tmp/member" /api/v1/field/data

# The incremental snapshot: what a phone fetches after a help (issue 15).
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
cursor="$(curl -fsS -b "$tmp/member" "$base/api/v1/field/data" | json 'd["cursor"]')"
row "/api/v1/field/data?since= (nothing changed)" "$tmp/member" "/api/v1/field/data?since=$cursor"
resident="$(curl -fsS -b "$tmp/member" "$base/api/v1/field/data" | json 'd["residents"][0]["id"]')"
csrf="$(curl -fsS -b "$tmp/member" "$base/api/v1/me" | json 'd["csrf_token"]')"
today="$(date -u -d '+7 hours' +%F)"
body="{\"device_id\":\"weights\",\"records\":[{\"id\":\"00000000-0000-4000-8000-$(printf '%012d' $$)\",\"type\":\"help\",\"resident_id\":$resident,\"service\":\"vneid\",\"done\":false,\"date\":\"$today\"}]}"
sync_down="$(curl -fsS -b "$tmp/member" -H "X-CSRF-Token: $csrf" -H 'Content-Type: application/json' \
  -H 'Accept-Encoding: br' -d "$body" -o /dev/null -w '%{size_download}' "$base/api/v1/sync")"
echo
echo "help round trip (brotli): sync request body ${#body} B, sync answer $sync_down B, changes after it" \
  "$(size "$tmp/member" "/api/v1/field/data?since=$cursor" br) B" \
  "(plain $(size "$tmp/member" "/api/v1/field/data?since=$cursor" identity) B)"
code="$(curl -sS -b "$tmp/member" -H "If-None-Match: \"$cursor\"" -o /dev/null -w '%{http_code}' "$base/api/v1/field/data")"
echo "the old cursor as If-None-Match after the help: $code (changed); the new one:" \
  "$(curl -sS -b "$tmp/member" -H "If-None-Match: \"$(curl -fsS -b "$tmp/member" "$base/api/v1/field/data" | json 'd["cursor"]')\"" -o /dev/null -w '%{http_code}' "$base/api/v1/field/data")"
