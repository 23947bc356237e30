"""The rooms of the code and the one direction of its arrows (DEVELOPERS.md).

Read from the source with `ast`, imports inside functions included: a lazy import hides a
circle from Python's import system but not from a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """Module -> the app modules (and third-party top-level names) it imports."""
    modules = {_module_name(p): p for p in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # `from package import module` names the module, not the package's own code
                named = {f"{target}.{alias.name}" for alias in node.names} & modules.keys()
                found.update(named or {target})
        graph[name] = found
    return graph


def _app_edges(graph, prefix: str) -> dict[str, set[str]]:
    return {
        src: {dst for dst in targets if dst.startswith(prefix) and dst != src}
        for src, targets in graph.items()
        if src.startswith(prefix)
    }


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if nxt not in edges:
                continue  # a package __init__ with nothing in it, or a name, not a module
            if state.get(nxt) == "open":
                found.append(stack[stack.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_services_have_no_import_circles():
    assert _cycles(_app_edges(_imports(), "app.services")) == []


def test_data_flows_one_way():
    graph = _imports()
    rules = {
        "app.engine": ("app.models", "app.services", "app.api", "app.web", "app.cli"),
        "app.models": ("app.services", "app.api", "app.web", "app.engine.runtime"),
        "app.services": ("app.api", "app.web", "app.cli"),
        "app.api": ("app.web", "app.models", "app.engine"),
        "app.web": ("app.api", "app.models", "app.engine"),
    }
    # Two arrows that skip the services on purpose: the one clock of the whole app ("due in 2
    # days" must agree with the engine's now), and readiness asking the schema its revision.
    allowed = {("app.web.i18n", "app.engine.clock"), ("app.api.health", "app.models.schema")}
    wrong = [
        (src, dst)
        for src, targets in graph.items()
        for room, forbidden in rules.items()
        if src == room or src.startswith(room + ".")
        for dst in targets
        if any(dst == f or dst.startswith(f + ".") for f in forbidden) and (src, dst) not in allowed
    ]
    assert wrong == []


def test_only_the_engine_imports_spiffworkflow():
    importers = sorted(
        src for src, targets in _imports().items() if any(t.split(".")[0] == "SpiffWorkflow" for t in targets)
    )
    assert importers and all(src.startswith("app.engine") for src in importers), importers


def test_services_are_grouped_by_capability():
    # Beside the capability packages only the shared kernel (errors, unit of work) stays flat.
    flat = sorted(p.name for p in (APP / "services").glob("*.py") if p.name != "__init__.py")
    assert flat == ["errors.py", "unit_of_work.py"]
