"""The package's shape: layers that follow the data, and no module that imports one that
imports it back. Read from the source (every import, inside functions and TYPE_CHECKING
blocks too), so a cycle shows here before it shows as an ImportError."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "workbench"
# The order the data flows in; a module may import its own layer and the ones before it.
LAYERS = [
    {"workbench", "workbench.errors", "workbench.model", "workbench.paths", "workbench.languages"},
    {"workbench.text"},
    {"workbench.embed"},
    {"workbench.align"},
    {"workbench.fidelity"},
    {"workbench.review"},
    {"workbench.output"},
    {"workbench.options", "workbench.pipeline", "workbench.evaluate"},
    {"workbench.corpus"},
    {"workbench.ui", "workbench.cli", "workbench.__main__"},
]


def modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The workbench modules `name` imports (a package's own submodules excluded)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("workbench"):
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("workbench")}
    return {target for target in found & set(known) if target != name and not target.startswith(name + ".")}


def layer(name: str) -> int:
    for index, members in enumerate(LAYERS):
        if any(name == member or (member != "workbench" and name.startswith(member + ".")) for member in members):
            return index
    raise AssertionError(f"{name} is in no layer of tests/test_layers.py")


def test_no_module_imports_one_that_imports_it_back() -> None:
    known = modules()
    graph = {name: imports(name, path, known) for name, path in known.items()}
    cycles = []

    def visit(name: str, trail: list[str], done: set[str]) -> None:
        for target in sorted(graph[name]):
            if target in trail:
                cycles.append(trail[trail.index(target):] + [target])
            elif target not in done:
                done.add(target)
                visit(target, trail + [target], done)

    for name in sorted(graph):
        visit(name, [name], {name})
    assert not cycles, " ; ".join(" -> ".join(cycle) for cycle in cycles)


def test_each_layer_imports_only_the_layers_before_it() -> None:
    known = modules()
    upward = [f"{name} -> {target}" for name, path in sorted(known.items())
              for target in sorted(imports(name, path, known)) if layer(target) > layer(name)]
    assert not upward, upward


def test_the_core_knows_nothing_of_streamlit_or_the_command_line() -> None:
    known = modules()
    for name, path in known.items():
        if layer(name) < layer("workbench.ui"):
            text = path.read_text(encoding="utf-8")
            assert "import streamlit" not in text and "argparse" not in text, name


def test_importing_the_app_runs_nothing() -> None:
    """Tests and tools import the app's module; only `streamlit run` runs its page."""
    import workbench.ui.app as app

    assert callable(app.main)
