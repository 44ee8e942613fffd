"""The core is pure: standard library only, no I/O, no clock, no randomness, no edges."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "src" / "bedstretch" / "core"
ALLOWED = {
    "__future__",
    "bisect",
    "collections",
    "dataclasses",
    "enum",
    "fractions",
    "functools",
    "heapq",
    "itertools",
    "math",
    "operator",
    "re",
    "statistics",
    "string",
    "typing",
    "datetime",  # arithmetic on dates passed in; now()/today() are banned below
    "uuid",  # name-based uuid5/uuid3 only (deterministic); uuid1()/uuid4() are banned below
}
BANNED_CALLS = {"now", "today", "utcnow", "time", "monotonic", "perf_counter", "random", "open"}
BANNED_CALLS |= {"uuid1", "uuid4", "getnode"}  # the clock, randomness, the machine


def core_modules() -> list[Path]:
    return sorted(CORE.glob("*.py"))


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.name)
def test_core_module_imports_only_allowed_stdlib_and_core(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            allowed = top in ALLOWED or name.startswith("bedstretch.core")
            assert allowed, f"{path.name}:{node.lineno} imports {name}"


@pytest.mark.parametrize("path", core_modules(), ids=lambda p: p.name)
def test_core_module_reads_no_clock_and_opens_no_files(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            assert name not in BANNED_CALLS, f"{path.name}:{node.lineno} calls {name}()"


def test_core_folder_states_its_rule() -> None:
    readme = (CORE / "README.md").read_text(encoding="utf-8")
    assert "Standard library only" in readme
    assert "No clock" in readme
