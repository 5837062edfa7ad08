"""Run the node unit tests of the browser library (tests/js/*.test.js) from pytest.

Needs `node` (Node.js 20). Without it this test is skipped, except under CI=true, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IN_CI = os.environ.get("CI", "").lower() == "true"


def test_node_test_suite_passes() -> None:
    node = shutil.which("node")
    if node is None:
        message = "`node` (Node.js 20) is not on PATH; the JavaScript crypto tests need it"
        if IN_CI:
            pytest.fail(f"CI=true: {message}")
        pytest.skip(message)
    result = subprocess.run(
        [node, "--test", "tests/js/"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    summary = "\n".join(line for line in result.stdout.splitlines() if line.startswith("# "))
    assert result.returncode == 0, f"{summary}\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
    assert "# fail 0" in result.stdout, summary
