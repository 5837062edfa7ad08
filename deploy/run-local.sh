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

  The admin web app has no sign-in yet and shows no case data. Focal points read cases offline:
    1. .venv/bin/reprisal-decrypt keygen --out my.key          (prints your public key)
    2. .venv/bin/reprisal-admin reviewer add "Your Name" --mechanism CAT --public-key <that key>
    3. send a report at http://127.0.0.1:8080/report
    4. .venv/bin/reprisal-admin case list --json
    5. .venv/bin/reprisal-admin case export <ref> --out case.zip
    6. .venv/bin/reprisal-decrypt open --key my.key case.zip --out case/

  Press Ctrl-C to stop both.
MSG
wait -n "$intake" "$admin"
