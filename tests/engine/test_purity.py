"""The rooms' walls hold: import-linter's contracts (pyproject.toml) and a clock the core never reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "bot" / "core"


def test_the_import_contracts_hold() -> None:
    """Core imports nothing from shell, app or adapters and no SDK; adapters never storage; no circles."""
    result = subprocess.run(
        [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports; "
                               "sys.exit(lint_imports(no_cache=True, no_logo=True))"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", sorted(str(p.relative_to(CORE)) for p in CORE.rglob("*.py")))
def test_core_module_never_reads_the_clock(module: str) -> None:
    source = (CORE / module).read_text(encoding="utf-8")
    assert ".now(" not in source and "today()" not in source
