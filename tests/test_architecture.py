"""The import graph of cchc_xl, built from the code (AST; imports inside functions count).

Circles make a module impossible to understand, test or move alone. The known ones are listed
below and may only shrink: a new circle, or a module drawn into an old one, fails here with the
modules named. The leaves (safetext) import nothing of the project.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "cchc_xl"

# Circles still in the code (issue 21 removes them), as they stand after issues 20–24 were merged;
# each entry is one strongly connected set. The list may only shrink.
KNOWN_CIRCLES = [
    {"cchc_xl.cycle.carry", "cchc_xl.cycle.distribute"},
    {"cchc_xl.cli", "cchc_xl.server", "cchc_xl.server.access", "cchc_xl.server.api", "cchc_xl.server.app",
     "cchc_xl.server.bounds", "cchc_xl.server.buttons", "cchc_xl.server.fields", "cchc_xl.server.officers",
     "cchc_xl.server.pages", "cchc_xl.server.service"},
    {"cchc_xl", "cchc_xl.analysis", "cchc_xl.appendix", "cchc_xl.boundary", "cchc_xl.budget", "cchc_xl.checks",
     "cchc_xl.checks.areas", "cchc_xl.checks.choices", "cchc_xl.checks.dates", "cchc_xl.checks.formula",
     "cchc_xl.checks.number_sheet", "cchc_xl.checks.numbers", "cchc_xl.checks.presence",
     "cchc_xl.checks.relations", "cchc_xl.checks.status_sheet", "cchc_xl.consolidate",
     "cchc_xl.consolidate.aggregate", "cchc_xl.consolidate.command", "cchc_xl.consolidate.figures",
     "cchc_xl.consolidate.files", "cchc_xl.consolidate.records", "cchc_xl.consolidate.tables",
     "cchc_xl.consolidate.workbook", "cchc_xl.cycle.compare", "cchc_xl.fastschema", "cchc_xl.fileio",
     "cchc_xl.identity", "cchc_xl.input_rows", "cchc_xl.issues", "cchc_xl.normalize", "cchc_xl.printing",
     "cchc_xl.reader", "cchc_xl.registry", "cchc_xl.registry_order", "cchc_xl.render", "cchc_xl.report_draft",
     "cchc_xl.report_template", "cchc_xl.restate", "cchc_xl.sheets.docx", "cchc_xl.sheets.xlsx",
     "cchc_xl.sheets.xlsx_tables", "cchc_xl.spec", "cchc_xl.template", "cchc_xl.validate"},
]

LEAVES = ["cchc_xl.safetext"]


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


def test_the_graph_sees_imports_inside_functions():
    graph = import_graph()
    # cli imports the validator only inside cmd_validate; the graph must still see it
    assert "cchc_xl.validate" in graph["cchc_xl.cli"]
    assert "cchc_xl.spec" in graph["cchc_xl.template"]


def test_circles_found_on_a_made_up_graph():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert circles(g) == [{"a", "b", "c"}]


def test_no_new_import_circle_and_no_module_drawn_into_an_old_one():
    found = circles(import_graph())
    new = [sorted(c) for c in found if not any(c <= k for k in KNOWN_CIRCLES)]
    assert not new, f"vòng nhập mới giữa các mô-đun: {new}"


def test_leaves_import_nothing_of_the_project():
    graph = import_graph()
    for leaf in LEAVES:
        assert not graph[leaf], f"{leaf} nhập {sorted(graph[leaf])}"
