"""No import cycle in `app/` or between the pages' modules: every import counts, also one inside
a function or under `TYPE_CHECKING` and a page's dynamic `import()`, because each ties the two
modules together for a reader all the same. A cycle is a layer that reaches back up."""

import ast
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def python_imports(package: str) -> dict[str, set[str]]:
    """Module -> the modules of `package` it imports (a package's name stands for its
    `__init__`; `from a import b` names `a.b` when that is a module)."""
    files = {_module(p): p for p in (ROOT / package).rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        here = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(
                        [*here.split(".")[: len(here.split(".")) - node.level + 1], base]
                    )
                found.add(base.strip("."))
                found.update(f"{base}.{alias.name}".strip(".") for alias in node.names)
        graph[name] = {m for m in found if m in files and m != name}
    return graph


def page_imports() -> dict[str, set[str]]:
    """Page module -> the modules it imports, statically or with `import()`."""
    static = ROOT / "web" / "static"
    pattern = re.compile(r"""(?:from\s+|import\s*\(\s*|import\s+)["']\./([\w-]+\.js)["']""")
    return {js.name: set(pattern.findall(js.read_text())) - {js.name} for js in static.glob("*.js")}


def cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                yield from visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                yield sorted(group)

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)


def test_the_finder_sees_a_cycle() -> None:
    assert list(cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})) == [["a", "b", "c"]]
    assert list(cycles({"a": {"b"}, "b": set()})) == []


def test_no_import_cycle_in_the_server() -> None:
    graph = python_imports("app")
    assert "app.service.live" in graph["app.service.service"], "the graph sees imports"
    assert list(cycles(graph)) == []


def test_no_import_cycle_between_the_pages_modules() -> None:
    graph = page_imports()
    assert "common.js" in graph["player.js"], "the graph sees imports"
    assert list(cycles(graph)) == []
