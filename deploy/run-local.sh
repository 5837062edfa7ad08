#!/usr/bin/env bash
# `make run`: both apps under gunicorn on the loopback, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin

# A trial needs an organisation key to certify focal points' keys (docs/spec/reader-record-v1.md).
# A real deployment makes it offline and pins only its public half (deploy/README.md, "The
# organisation key"); for this local trial it is made here, unprotected, outside the instance folder.
instance=$("$venv/python" -c 'from reprisal_intake.config import default_instance_path as p; print(p())')
org_key=trial-organisation.key
if [ -z "${REPRISAL_ORG_PUBLIC_KEYS:-}" ] && [ ! -e "$instance/org_public_keys" ]; then
  mkdir -p "$instance"
  [ -e "$org_key" ] || "$venv/reprisal-decrypt" org-keygen --out "$org_key" --unprotected 2>/dev/null >/dev/null
  "$venv/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["public_key"])' "$org_key" \
    > "$instance/org_public_keys"
  echo "Made a local organisation key for this trial: $org_key (unprotected; pinned in $instance/org_public_keys)."
fi

"$venv/gunicorn" -c deploy/gunicorn/intake.conf.py 'reprisal_intake:create_app()' &
intake=$!
"$venv/gunicorn" -c deploy/gunicorn/admin.conf.py 'admin:create_app()' &
admin=$!
trap 'kill "$intake" "$admin" 2>/dev/null; wait' INT TERM EXIT

cat <<MSG

  Intake (for people reporting):  http://127.0.0.1:8080
  Admin (for focal points):       http://127.0.0.1:8081

  First time? Invite the first administrator (prints a one-time link to open in the browser):
    .venv/bin/reprisal-admin user add admin --role administrator
  Open the link, choose a password and enrol an authenticator app (TOTP). Then, under "Accounts",
  invite a focal point for a mechanism (e.g. CAT); they set their own password, enrol TOTP and make
  their key under "My account and key". No report is encrypted to a key until the organisation
  signs it (a second person): .venv/bin/reprisal-admin reviewer list prints, for each key waiting,
  the reprisal-decrypt sign-reader command to run with the organisation key (for this trial:
  --org-key $org_key); then .venv/bin/reprisal-admin reviewer certify RECORD_FILE. Reports sent to
  CAT at http://127.0.0.1:8080/report then appear under "Cases".
  Check the audit log any time: .venv/bin/reprisal-admin audit verify
  (Security keys need a domain name: use http://localhost:8081 for them.)

  Press Ctrl-C to stop both.
MSG
wait -n "$intake" "$admin"
