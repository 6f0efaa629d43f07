"""The README says what a new user needs for the browser tests and counts the demo's items right."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_counts_the_demo_items():
    demo = json.loads((ROOT / "queue_server" / "demo" / "xiqu.json").read_text(encoding="utf-8"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    counts = re.findall(r"(\d+) items with modes", readme)
    assert counts == [str(len(demo["services"]))]


def test_readme_says_the_browser_tests_need_chromium_and_a_cjk_font():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "/usr/bin/chromium" in readme and "fonts-wqy-microhei" in readme
    assert "chromium" in ci and "fonts-wqy-microhei" in ci  # what the README says CI installs
