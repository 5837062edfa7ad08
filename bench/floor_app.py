"""The floor of the submit benchmark: the least any intake must do to store a no-JavaScript report as
this design requires, and nothing else.

Per report it parses the same multipart form as the bare app, reads the mechanism's reviewer keys, seals
the case with the intake's own code (``seal_on_server``: case key pair, codename keys, the report
envelope, one access stanza per reviewer), writes the rows of ``docs/design.md`` (case, lookup tag, case
mechanism, access stanzas, one consent row per answered scope, envelope piece, item) in a single
``INSERT`` statement through one persistent psycopg connection, commits durably, and answers a page with
the codename.

What it leaves out, on purpose, is everything else the intake does: CSRF and validation of the answers,
the mechanism choices, rate limits, the translated receipt page, security headers, SQLAlchemy's
connection pool and statements, SQLite support. It is not an intake (it trusts its input and stores
whatever it is sent); it exists to show how far the target of bench/submit_throughput.py can be
reached at all on a given machine. PostgreSQL only.

    gunicorn -c deploy/gunicorn/intake.conf.py 'bench.floor_app:create_app()'
"""

from __future__ import annotations

import datetime
import hashlib
import os
import threading
from typing import Any

import psycopg
from flask import Flask, request
from markupsafe import escape

from crypto.codename import derive_codename_keys, generate_codename
from crypto.keys import generate_keypair
from reprisal_intake.domain import ASKED_LATER
from reprisal_intake.intake.submission import RecipientKey, seal_on_server
from reprisal_intake.models import new_case_ref, random_id

RECIPIENTS = """
SELECT r.id, r.public_key FROM reviewers r
JOIN reviewer_mechanisms rm ON rm.reviewer_id = r.id AND rm.mechanism_code = %s
JOIN mechanisms m ON m.code = rm.mechanism_code AND m.accepts_reports
WHERE r.active ORDER BY r.id
"""

STORE_CASE = """
WITH c AS (
  INSERT INTO cases (ref, public_key, submitter_public_key, created, status, urgency, in_detention,
                     language, item_count)
  VALUES (%(ref)s, %(case_key)s, %(submitter_key)s, %(today)s, 'received', %(urgency)s, NULL, 'en', 1)
), t AS (
  INSERT INTO submitter_tags (tag, case_ref) VALUES (%(tag)s, %(ref)s)
), m AS (
  INSERT INTO case_mechanisms (case_ref, mechanism_code) VALUES (%(ref)s, %(mechanism)s)
), a AS (
  INSERT INTO access_stanzas (id, case_ref, reviewer_id, sealed_case_key, created)
  SELECT id, %(ref)s, reviewer, sealed, %(today)s
  FROM unnest(%(stanza_ids)s::text[], %(reviewers)s::text[], %(sealed)s::bytea[]) AS s(id, reviewer, sealed)
), k AS (
  INSERT INTO consents (id, case_ref, version, scope, mechanism_code, state, given_by, language,
                        recorded)
  SELECT id, %(ref)s, n - 1, scope, NULL, state, %(given_by)s, 'en', %(today)s
  FROM unnest(%(consent_ids)s::text[], %(scopes)s::text[], %(states)s::text[])
    WITH ORDINALITY AS k(id, scope, state, n)
), e AS (
  INSERT INTO envelope_chunks (item_id, seq, data) VALUES (%(item)s, 0, %(envelope)s)
)
INSERT INTO items (id, case_ref, seq, kind, submitter_readable, created, size, sha256)
VALUES (%(item)s, %(ref)s, 0, 'report', false, %(today)s, %(size)s, %(sha256)s)
"""


def create_app() -> Flask:
    app = Flask(__name__)
    url = os.environ["REPRISAL_DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    connections: dict[tuple[int, int], psycopg.Connection[Any]] = {}
    app.extensions["floor_connections"] = connections

    def connection() -> psycopg.Connection[Any]:
        # One connection per worker process and thread (the workers are threaded), opened after
        # the fork, on first use.
        key = (os.getpid(), threading.get_ident())
        if key not in connections or connections[key].closed:
            connections[key] = psycopg.connect(url)
        return connections[key]

    @app.get("/safety")
    def safety() -> str:
        return "<!doctype html><title>ok</title><p>ok</p>"

    @app.get("/report")
    def form() -> str:
        return '<!doctype html><form><input name="csrf_token" value="floor"></form>'

    @app.post("/report")
    def submit() -> str:
        form = request.form
        mechanism = form["mechanism"]
        consents = [
            (name.removeprefix("consent_"), "granted" if value == "y" else value)
            for name, value in form.items()
            if name.startswith("consent_")
            and name != "consent_given_by"
            and name.removeprefix("consent_") not in ASKED_LATER  # as the intake: asked later
        ]
        codename = generate_codename()
        case_key = generate_keypair()
        today = datetime.date.today()
        database = connection()
        with database.transaction(), database.cursor() as cursor:
            recipients = [
                RecipientKey(reviewer_id, bytes(public_key))
                for reviewer_id, public_key in cursor.execute(RECIPIENTS, (mechanism,))
            ]
            sealed = seal_on_server(
                recipients,
                case_key=case_key,
                codename_keys=derive_codename_keys(codename),
                report={"what_happened": form["what_happened"], "acts": form.getlist("acts")},
                attachments=[],
            )
            envelope = sealed.report.read()
            reviewers = sorted(sealed.access)
            cursor.execute(
                STORE_CASE,
                {
                    "ref": new_case_ref(),
                    "case_key": sealed.case_public_key,
                    "submitter_key": sealed.submitter_public_key,
                    "today": today,
                    "urgency": form.get("urgency"),
                    "tag": sealed.lookup_tag,
                    "mechanism": mechanism,
                    "stanza_ids": [random_id() for _ in reviewers],
                    "reviewers": reviewers,
                    "sealed": [sealed.access[r] for r in reviewers],
                    "consent_ids": [random_id() for _ in consents],
                    "scopes": [scope for scope, _state in consents],
                    "states": [state for _scope, state in consents],
                    "given_by": form.get("consent_given_by", "victim"),
                    "item": random_id(),
                    "envelope": envelope,
                    "size": len(envelope),
                    "sha256": hashlib.sha256(envelope).hexdigest(),
                },
            )
        return f'<!doctype html><p class="codename" id="codename">{escape(codename)}</p>'

    return app
