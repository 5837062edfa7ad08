"""The intake's browser path (RPTENV encryption in the page) played from Python."""

from __future__ import annotations

import base64
import json
from typing import Any

from flask.testing import FlaskClient
from nacl.public import PublicKey

from crypto.codename import derive_codename_keys, generate_codename
from crypto.envelope import encrypt
from crypto.keys import generate_keypair, seal_case_key
from tests.support.forms import csrf_token

B64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731


class ScriptedBrowser:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = csrf_token(client, "/report")
        self.case_key = generate_keypair()
        self.codename = generate_codename()
        self.codename_keys = derive_codename_keys(self.codename)

    def headers(self) -> dict[str, str]:
        return {"X-CSRFToken": self.token}

    def keys(self, mechanism: str = "CAT") -> dict[str, Any]:
        response = self.client.get(f"/report/keys/{mechanism}")
        assert response.status_code == 200
        return response.get_json()

    def upload(self, envelope: bytes, part_size: int = 100_000) -> str:
        started = self.client.post("/report/uploads", headers=self.headers())
        assert started.status_code == 201, started.get_data(as_text=True)
        upload_id = started.get_json()["upload"]
        for seq, offset in enumerate(range(0, len(envelope), part_size)):
            response = self.client.post(
                f"/report/uploads/{upload_id}/parts/{seq}",
                data=envelope[offset : offset + part_size],
                headers=self.headers(),
                content_type="application/octet-stream",
            )
            assert response.status_code == 200, response.get_data(as_text=True)
        return upload_id

    def payload(self, report: bytes, attachments: list[str], **overrides: Any) -> dict[str, Any]:
        recipients = self.keys(overrides.pop("keys_for", "CAT"))["recipients"]
        payload = {
            "mechanism": "CAT",
            "urgency": "urgent",
            "in_detention": "no",
            "consent": {
                "store_assess": "granted",
                "given_by": "victim",
                "contact": "granted",
                "state_named": "refused",
                "share_with": ["SP"],
            },
            "case_public_key": B64(bytes(self.case_key.public_key)),
            "submitter_public_key": B64(bytes(self.codename_keys.submitter_key.public_key)),
            "lookup_tag": B64(self.codename_keys.lookup_tag),
            "access": [
                {
                    "reviewer": r["id"],
                    "public_key": r["public_key"],
                    "sealed_case_key": B64(
                        seal_case_key(self.case_key, PublicKey(base64.b64decode(r["public_key"])))
                    ),
                }
                for r in recipients
            ],
            "report": B64(report),
            "attachments": attachments,
        }
        payload.update(overrides)
        return payload

    def commit(self, payload: dict[str, Any]):
        return self.client.post(
            "/report/commit",
            data=json.dumps(payload),
            headers=self.headers(),
            content_type="application/json",
        )

    def report_envelope(self, text: str = "BROWSER-PHRASE") -> bytes:
        answers = {"form": "report", "form_version": 1, "what_happened": text}
        return encrypt(json.dumps(answers).encode(), [self.case_key.public_key], {"kind": "report"})
