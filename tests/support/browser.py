"""Driving Debian's Chromium with Playwright against a live intake (loopback only)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


BIN = Path(sys.executable).parent

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]


@dataclass
class LiveIntake:
    url: str
    folder: Path
    env: dict[str, str]
    key: Path
    passphrase: Path
    org_key: Path | None = None  # the organisation key that certified the reader (unprotected)
    opened: dict[str, list[bytes]] = field(default_factory=dict)

    def run(self, *command: str) -> str:
        result = subprocess.run(
            command, capture_output=True, text=True, env=self.env, cwd=self.folder, check=False
        )
        assert result.returncode == 0, f"{command}: {result.stderr}"
        return result.stdout

    def stored(self) -> tuple[int, int]:
        """(cases, items) in the live database, as `reprisal-admin case list --json` counts them."""
        cases = json.loads(self.run(str(BIN / "reprisal-admin"), "case", "list", "--json"))
        return len(cases), sum(case["items"] for case in cases)

    def decrypted_cases(self) -> list[bytes]:
        """Every file of every case, exported and decrypted offline as a focal point would."""
        for case in json.loads(self.run(str(BIN / "reprisal-admin"), "case", "list", "--json")):
            if len(self.opened.get(case["ref"], [])) == case["items"]:
                continue  # opened before, and nothing was added since
            bundle = self.folder / f"{case['ref']}-{time.monotonic_ns()}.zip"
            out = self.folder / f"open-{bundle.stem}"
            self.run(
                str(BIN / "reprisal-admin"), "case", "export", case["ref"], "--out", str(bundle)
            )
            self.run(
                str(BIN / "reprisal-decrypt"),
                "open",
                "--key",
                str(self.key),
                "--passphrase-file",
                str(self.passphrase),
                str(bundle),
                "--out",
                str(out),
            )
            self.opened[case["ref"]] = [
                p.read_bytes()
                for p in sorted(out.rglob("*"))
                if p.is_file() and p.name != "metadata.json"
            ]
        return [content for contents in self.opened.values() for content in contents]


WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)
  }));
}"""


def axe(page: Any, source: str) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    violations: list[dict[str, Any]] = page.evaluate(RUN_AXE, WCAG_TAGS)
    return violations


@dataclass
class Traffic:
    """Every request a page sends, with its body."""

    origin: str
    urls: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)

    def record(self, request: Any) -> None:
        self.urls.append(request.url)
        body = request.post_data_buffer
        if body:
            self.bodies.append(body)

    def assert_same_origin(self) -> None:
        foreign = [
            u for u in self.urls if not (u.startswith(self.origin + "/") or u == self.origin)
        ]
        assert foreign == [], foreign

    def assert_never_sent(self, *needles: bytes) -> None:
        for body in self.bodies:
            for needle in needles:
                assert needle not in body, f"{needle[:24]!r} was sent in the clear"


def open_page(
    browser: Any, intake: LiveIntake, *, javascript: bool, wasm: str = "on"
) -> tuple[Any, Any, Traffic]:
    context = browser.new_context(java_script_enabled=javascript)
    if wasm == "absent":
        # As Tor Browser at "Safer" (javascript.options.wasm off): no WebAssembly object at all.
        # Chromium has no switch for that, so remove it before any page script runs.
        context.add_init_script("delete globalThis.WebAssembly;")
    elif wasm == "refused":
        # A policy without 'wasm-unsafe-eval': WebAssembly exists but may not compile.
        def strip_wasm(route: Any) -> None:
            response = route.fetch()
            headers = dict(response.headers)
            headers["content-security-policy"] = headers["content-security-policy"].replace(
                " 'wasm-unsafe-eval'", ""
            )
            route.fulfill(response=response, headers=headers)

        context.route("**/report", strip_wasm)
    page = context.new_page()
    traffic = Traffic(intake.url)
    page.on("request", traffic.record)
    return context, page, traffic


def shown_codename(page: Any) -> str:
    """The codename on a receipt (its large-text copy, folded away in a <details> at first)."""
    page.wait_for_selector("#codename", state="attached", timeout=180_000)
    return (page.text_content("#codename") or "").strip()


def open_part(page: Any, field: str) -> None:
    """Open the folded section of the form that holds ``field``, as a person clicks its summary."""
    part = page.locator("details", has=page.locator(f"[name={field}]"))
    if part.get_attribute("open") is None:
        part.locator("summary").click()


def fill_report(page: Any, phrase: str, files: list[dict[str, Any]]) -> None:
    page.check("input[name=mechanism][value=CAT]")
    page.fill("#what_happened", phrase)
    open_part(page, "acts")
    page.check("input[name=acts][value=travel_ban]")
    page.check("input[name=urgency][value=urgent]")
    page.check("input[name=submitter_role][value=victim]")
    page.check("#consent_store_assess")
    page.check("input[name=consent_given_by][value=victim]")
    page.check("input[name=consent_contact][value=granted]")
    if files:
        open_part(page, "attachments")
        page.set_input_files("#attachments", files=files)
