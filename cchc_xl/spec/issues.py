"""Issues: a stable code, a severity, the cell to fix, and a Vietnamese message.

Modelled on frictionless' error classes: programs filter on ``code``, people read ``message``.
Codes, severities and message templates are declared in ``schemas/issues.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from cchc_xl import spec


@dataclass
class Issue:
    severity: str
    code: str
    message: str
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None

    def to_json(self) -> dict:
        return asdict(self)

    @property
    def where(self) -> str:
        if self.sheet and self.cell:
            return f"{self.sheet}!{self.cell}"
        return self.sheet or ""


def make(issue_code: str, /, sheet=None, cell=None, field=None, severity=None, variant=None, **values) -> Issue:
    """An issue of a kind declared in ``schemas/issues.json``; ``values`` fill its message
    template (they may include ``code``), ``variant`` picks one of its named ``messages``."""
    return render(spec.load("issues")[issue_code], issue_code, sheet=sheet, cell=cell, field=field,
                  severity=severity, variant=variant, **values)


def render(decl: dict, issue_code: str, /, sheet=None, cell=None, field=None, severity=None, variant=None,
           **values) -> Issue:
    """An issue from its declaration (``severity``, ``message``, optional ``messages``: named
    templates of the same code). The wording is always the declared one: a caller cannot pass
    its own text in place of the template."""
    template = decl["message"] if variant is None else decl["messages"][variant]
    if "message" in values and "{message}" not in template:
        raise TypeError(f"{issue_code}: the message is the declared template; pass its values, not a text")
    shown = {k: _show(v, k) for k, v in values.items()}
    return Issue(severity or decl["severity"], issue_code, template.format(**shown), sheet, cell, field)


def _show(v, key: str = ""):
    from cchc_xl.numtext import format_number

    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, int) and (key == "year" or key.endswith("_year")):
        return str(v)  # 2024, not 2.024
    if isinstance(v, (int, float)):
        return format_number(v)
    return str(v)


def count(issues: list[Issue]) -> tuple[int, int]:
    errors = sum(1 for i in issues if i.severity == "error")
    return errors, len(issues) - errors


def _cell_order(cell: str | None) -> tuple[int, int]:
    import re

    m = re.fullmatch(r"([A-Z]+)(\d+)", cell or "")
    if not m:
        return (0, 0)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), col)


def sort_issues(issues: list[Issue]) -> list[Issue]:
    """Errors first, then by sheet in the workbook's order, then by row and column (whole-file
    issues first within their severity); stable otherwise."""
    order = {cfg["title"]: n for n, cfg in enumerate(spec.sheets()["sheets"].values()) if isinstance(cfg, dict)
             and "title" in cfg}

    def key(i: Issue):
        sheet = -1 if i.sheet is None else order.get(i.sheet, len(order))
        return (i.severity != "error", sheet, _cell_order(i.cell))

    return sorted(issues, key=key)
