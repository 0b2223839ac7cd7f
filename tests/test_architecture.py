"""The import graph of cchc_xl, built from the code (AST; imports inside functions count).

Circles make a module impossible to understand, test or move alone: there are none, and a new
one fails here with the modules named. The data moves through stages, each a package that imports
only from the stages before it (``STAGES``; ARCHITECTURE.md): an import of a later stage from an
earlier one fails here too. The leaves import nothing of the project.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cchc_xl"


# Modules that import nothing of the project: everything may use them, they use nothing back.
LEAVES = ["cchc_xl.safetext", "cchc_xl.numtext", "cchc_xl.files.isolate", "cchc_xl.server.errors"]

# The stage of each package (or top-level module): a module may import only from its own stage or
# an earlier one. ``normalize`` reads the spaces and number text declared in schemas/checks.json, so
# it sits just after the declarations; ``sheets`` (the sheet model and its renderers) comes before
# the content (``appendix``) that is written as sheet models.
STAGES = {
    "cchc_xl.safetext": -1, "cchc_xl.numtext": -1,
    "cchc_xl.spec": 0, "cchc_xl.normalize": 0.5,
    "cchc_xl.files": 1, "cchc_xl.read": 2, "cchc_xl.check": 3, "cchc_xl.consolidate": 4,
    "cchc_xl.sheets": 5, "cchc_xl.appendix": 6, "cchc_xl.workbook": 7, "cchc_xl.cycle": 8,
    # the front doors: parse, call the library, print; the server serves the buttons (excel) and
    # seeds its demonstration from demo's sample data; the command line starts the server
    "cchc_xl.demo": 9, "cchc_xl.excel": 9, "cchc_xl.analysis": 9, "cchc_xl.build_templates": 9,
    "cchc_xl.server": 10, "cchc_xl.cli": 11, "cchc_xl.__main__": 12, "cchc_xl": 12,
}


def modules() -> dict[str, Path]:
    out = {}
    for p in PACKAGE.rglob("*.py"):
        parts = list(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


def _targets(mod: str, is_pkg: bool, node, known: dict) -> list[str]:
    names = []
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names if a.name.split(".")[0] == "cchc_xl"]
    else:
        if node.level:
            base = mod.split(".") if is_pkg else mod.split(".")[:-1]
            base = base[:len(base) - (node.level - 1)]
            m = ".".join(base + ([node.module] if node.module else []))
        else:
            m = node.module or ""
            if m.split(".")[0] != "cchc_xl":
                return []
        names = [f"{m}.{a.name}" if f"{m}.{a.name}" in known else m for a in node.names]
    out = []
    for n in names:  # "cchc_xl.spec.catalog" → the module cchc_xl.spec
        while n and n not in known:
            n = n.rpartition(".")[0]
        if n:
            out.append(n)
    return out


def import_graph() -> dict[str, set[str]]:
    known = modules()
    graph = {}
    for mod, path in known.items():
        is_pkg = path.name == "__init__.py"
        edges = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                edges.update(t for t in _targets(mod, is_pkg, node, known) if t != mod)
        graph[mod] = edges
    return graph


def circles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected sets of more than one module (Tarjan, iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            v, it = work[-1]
            w = next(it, None)
            if w is not None:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph[w]))))
                elif w in on:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[v])
            if low[v] == index[v]:
                comp = set()
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.add(w)
                    if w == v:
                        break
                if len(comp) > 1:
                    out.append(comp)
    return out


def stage_of(mod: str) -> float:
    while mod not in STAGES:
        mod = mod.rpartition(".")[0]
    return STAGES[mod]


def upward(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(importer, imported) where the imported module belongs to a later stage."""
    return sorted((m, t) for m, ts in graph.items() for t in ts if stage_of(t) > stage_of(m))


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # cli imports the validator only inside cmd_validate; the graph must still see it
    assert "cchc_xl.check.validate" in graph["cchc_xl.cli"]
    assert "cchc_xl.spec" in graph["cchc_xl.workbook.template"]


def test_upward_import_found_on_a_made_up_graph():
    g = {"cchc_xl.read.agency": {"cchc_xl.check.validate"}, "cchc_xl.check.validate": {"cchc_xl.read.agency"}}
    assert upward(g) == [("cchc_xl.read.agency", "cchc_xl.check.validate")]


def test_no_upward_import():
    found = upward(import_graph())
    assert not found, "mô-đun nhập từ tầng sau: " + "; ".join(f"{a} → {b}" for a, b in found)


def test_circles_found_on_a_made_up_graph():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(g) == [{"a", "b", "c"}]


def test_no_import_circle():
    found = [sorted(c) for c in circles(import_graph())]
    assert not found, f"vòng nhập giữa các mô-đun: {found}"


def test_leaves_import_nothing_of_the_project():
    graph = import_graph()
    for leaf in LEAVES:
        assert not graph[leaf], f"{leaf} nhập {sorted(graph[leaf])}"


def package_of(mod: str) -> str:
    """``cchc_xl.read.agency`` → ``cchc_xl.read``; a top-level module is its own room."""
    return mod if modules()[mod].name == "__init__.py" or mod.count(".") == 1 else mod.rpartition(".")[0]


def private_imports() -> list[tuple[str, str, str]]:
    """(importer, module, name) where a ``_private`` name crosses from one package to another."""
    known = modules()
    out = []
    for mod, path in known.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in known:
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__") and \
                            package_of(node.module) != package_of(mod):
                        out.append((mod, node.module, a.name))
    return out


def test_no_private_name_crosses_a_package():
    found = private_imports()
    assert not found, "tên riêng nhập sang gói khác: " + "; ".join(f"{a} ← {b}.{n}" for a, b, n in found)
