"""Issues: a stable code, a severity, the cell to fix, and a Vietnamese message.

Modelled on frictionless' error classes: programs filter on ``code``, people read ``message``.
Codes, severities and message templates are declared in ``schemas/issues.json``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from . import spec


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


def make(issue_code: str, /, sheet=None, cell=None, field=None, severity=None, **values) -> Issue:
    """An issue of a declared kind; ``values`` fill its message template (they may include ``code``)."""
    decl = spec.load("issues")[issue_code]
    shown = {k: _show(v) for k, v in values.items()}
    template = decl["message"]
    if "message" in values and "{message}" not in template:  # a caller still wording its own text
        return Issue(severity or decl["severity"], issue_code, shown["message"], sheet, cell, field)
    return Issue(severity or decl["severity"], issue_code, template.format(**shown), sheet, cell, field)


def _show(v):
    from .normalize import format_number

    if isinstance(v, bool) or v is None:
        return "" if v is None else str(v)
    if isinstance(v, (int, float)):
        return format_number(v)
    return str(v)


def count(issues: list[Issue]) -> tuple[int, int]:
    errors = sum(1 for i in issues if i.severity == "error")
    return errors, len(issues) - errors
