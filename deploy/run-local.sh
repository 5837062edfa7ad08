#!/usr/bin/env bash
# `make run`: both apps under gunicorn on the loopback, until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv/bin

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
  their key under "My account and key". Reports sent to CAT at http://127.0.0.1:8080/report then
  appear under "Cases". Check the audit log any time: .venv/bin/reprisal-admin audit verify
  (Security keys need a domain name: use http://localhost:8081 for them.)

  Press Ctrl-C to stop both.
MSG
wait -n "$intake" "$admin"
