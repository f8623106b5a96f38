"""The engine stays a functional core: no I/O libraries, SDKs, clocks or adapters in its modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parents[2] / "bot" / "core"
CORE = sorted(str(p.relative_to(BOT)) for p in BOT.rglob("*.py"))
FORBIDDEN = {"sqlalchemy", "slack_bolt", "slack_sdk", "telegram", "apscheduler", "aiohttp", "asyncio", "adapters",
             "os", "socket", "time", "random", "httpx", "yaml", "subprocess"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_nothing_that_does_io(module: str) -> None:
    assert imported_roots(BOT / module) & FORBIDDEN == set()


@pytest.mark.parametrize("module", CORE)
def test_core_module_never_reads_the_clock(module: str) -> None:
    source = (BOT / module).read_text(encoding="utf-8")
    assert ".now(" not in source and "today()" not in source
