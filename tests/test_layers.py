"""The architecture, enforced: no import cycles, services free of the doors' frameworks, doors
that never call each other, and one composition point per process (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "bedstretch"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {
    module_name(path): path
    for path in PACKAGE.rglob("*.py")
    if "migrations" not in path.parts  # Alembic's scripts, run by Alembic
}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function (TYPE_CHECKING aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for child in node.body for n in ast.walk(child))
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def ours(name: str) -> set[str]:
    return {m for m in imports(MODULES[name]) if m in MODULES and m != name}


def test_no_module_of_ours_imports_itself_back_in_a_cycle() -> None:
    graph = {name: ours(name) - {"bedstretch"} for name in MODULES}
    # packages import their own modules to re-export them: a package is not part of a cycle
    packages = {name for name, path in MODULES.items() if path.name == "__init__.py"}
    graph = {name: edges - packages for name, edges in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in graph:
        if name not in index:
            visit(name)
    assert cycles == []


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("bedstretch.services")))
def test_a_service_knows_nothing_of_the_doors(name: str) -> None:
    doors = ("click", "fastapi", "starlette", "pydantic", "rich", "jinja2", "bedstretch.cli",
             "bedstretch.web", "bedstretch.player")  # fmt: skip
    assert not {m for m in imports(MODULES[name]) if m.startswith(doors)}


PLAYER_ENTRIES = ("bedstretch.player.session", "bedstretch.player.clock")


def test_no_door_calls_another() -> None:
    doors = {
        "api": "bedstretch.web.api",
        "pages": "bedstretch.web.pages",
        "cli": "bedstretch.cli",
        "player": "bedstretch.player",
    }
    for door, prefix in doors.items():
        others = [p for d, p in doors.items() if d != door and not prefix.startswith(p)]
        for name in (n for n in MODULES if n.startswith(prefix)):
            crossing = {m for m in imports(MODULES[name]) if m.startswith(tuple(others))}
            if door == "cli":  # the CLI starts the terminal player (and shares its clock)
                crossing = {m for m in crossing if not m.startswith(PLAYER_ENTRIES)}
            assert not crossing, f"{name} imports {crossing}"


def test_one_composition_point_per_process() -> None:
    """Only the command line's State and the web app open a journal or load the catalog."""
    makers = {"open_journal", "load_catalog"}
    allowed = {"bedstretch.cli.root", "bedstretch.web.app"}
    where = set()
    for name, path in MODULES.items():
        if name.startswith(("bedstretch.journal", "bedstretch.catalog")):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else None
                called = called or (node.func.id if isinstance(node.func, ast.Name) else None)
                if called in makers:
                    where.add(name)
    assert where == allowed
