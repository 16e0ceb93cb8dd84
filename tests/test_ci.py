"""CI runs the README's set-up lines verbatim, so the two can never drift apart (issue 12).

``.ci/run --print`` shows what CI will execute; it must be exactly the lines of the README's first
```bash block, and the script must not install or upgrade anything on its own (a user following
the README does not upgrade pip: CI must see what they see).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / ".ci" / "run"


def readme_setup_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"^```bash[ \t]*\n(.*?)^```[ \t]*$", text, re.S | re.M)
    assert block, "README.md must start its instructions with a ```bash block"
    return [line for line in block.group(1).splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_ci_runs_exactly_the_readme_lines():
    printed = subprocess.run([str(CI), "--print"], capture_output=True, text=True, timeout=30, check=True).stdout
    lines = readme_setup_lines()
    assert printed.splitlines() == lines
    assert any("pip install" in line for line in lines) and any("pytest" in line for line in lines)
    assert any("dementi run --demo" in line for line in lines)  # the demo ends by itself (test_run_demo.py)


def test_ci_adds_no_install_step_of_its_own():
    commands = [line.strip() for line in CI.read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert not [c for c in commands if re.search(r"pip\s+install|--upgrade|ensurepip|python3 -m venv", c)]
    assert any("pip check" in c for c in commands)
