"""The shared browser client's seq logic, tested with Node's own test runner."""

import shutil
import subprocess
from pathlib import Path

from tests.conftest import service_missing

JS_TESTS = Path(__file__).parent / "js"


def test_live_js_unit_tests():
    """Do live.js's rules (order, duplicates, gaps, resets, reconnects) hold? (node --test)"""
    node = shutil.which("node")
    if node is None:
        service_missing("Node.js", "node not found")
    result = subprocess.run([node, "--test", str(JS_TESTS)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
