"""What the appendices share: cells and rows of the sheet models, the title block and the header
rows of a table, texts rendered from the templates ``cchc_xl/templates/phu_luc_*.j2``, the
document reference, and values and units written the Vietnamese way. The province report draft
(``report_draft``) builds its own appendix with them too."""

from __future__ import annotations

import unicodedata

from cchc_xl import spec
from cchc_xl.check import register
from cchc_xl.normalize import parse_date
from cchc_xl.numtext import format_number
from cchc_xl.sheets.measure import fit_heights
from cchc_xl.sheets.model import CellModel, RowModel, SheetModel
from cchc_xl.sheets.style import BODY_SIZE, TITLE_SIZE
from cchc_xl.spec.render import RenderError, render


def new_cell(value=None, **kw) -> CellModel:
    return CellModel(_clean(value), **kw)


def _clean(value):
    """NFC text without what a workbook cannot hold (the one sanitiser, safetext)."""
    if isinstance(value, str):
        from cchc_xl.safetext import clean

        return clean(unicodedata.normalize("NFC", value), limit=None)
    return value


def full_row(model_cols: int, cell: CellModel, kind: str, height: float | None = None) -> RowModel:
    cell.merge_across = model_cols
    return RowModel([cell] + [None] * (model_cols - 1), height=height, kind=kind)


def render_text(template: str, **ctx) -> str:
    return _clean(render(template, **ctx))


def render_lines(template: str, count: int | None = None, **ctx) -> list[str]:
    lines = [ln.strip() for ln in render_text(template, **ctx).split("\n") if ln.strip()]
    if count is not None and len(lines) != count:
        raise RenderError(f"Mẫu văn bản {template} phải có đúng {count} dòng (mỗi dòng một tiêu đề), "
                          f"hiện có {len(lines)} dòng")
    return lines


def marked(text: str) -> tuple[str, int]:
    """"**Tiêu chí 1: …:** rest" → ("Tiêu chí 1: …: rest", number of bold leading characters)."""
    if text.startswith("**"):
        end = text.find("**", 2)
        if end > 2:
            head = text[2:end]
            return head + text[end + 2:], len(head)
    return text, 0


def title_lines(template: str, **ctx) -> tuple[str, str]:
    lines = render_lines(template, **ctx)
    if not lines:
        raise RenderError(f"Mẫu văn bản {template} không có nội dung")
    return lines[0], "\n".join(lines[1:])


def period_ctx(report_or_period: dict, agency: str | None = None, level: str | None = None,
               appraisal_year=None) -> dict:
    period = report_or_period.get("period", report_or_period) or {}
    year, kind = period.get("year"), period.get("kind")
    words = spec.period_words(kind, year) if year else (spec.label_of("period_kinds", kind) or "")
    return {"period_words": words, "year": year, "kind": kind, "appraisal_year": appraisal_year,
            "agency": agency, "level": level}


def _period_end_month(kind: str | None) -> int | None:
    for item in spec.period_kinds():
        if item["key"] == kind:
            return int(item["end"].split("-")[0])
    return None


def report_ref(number: str | None, date, agency: str | None, agency_code: str | None,
               period: dict | None) -> str:
    """The italic line "(Kèm theo Báo cáo số 2216/BC-STC ngày 15/6/2024 của Sở Tài chính)".

    A number not yet assigned ("/BC-STC", or none) and a date not yet known are left blank the
    way agencies leave them before signing; see ``phu_luc_kem_theo.j2``.
    """
    num = (number or "").strip()
    if "/" in num:
        no, symbol = num.split("/", 1)
    else:
        no, symbol = num, ""
    symbol = symbol.strip() or (f"BC-{agency_code}" if agency_code else "BC-")
    d = parse_date(date) if date else None
    period = period or {}
    if d:
        day, month, year = d.day, d.month, d.year
    else:
        day, month, year = None, _period_end_month(period.get("kind")), period.get("year")
    return render_text("phu_luc_kem_theo.j2", number=no.strip(), symbol=symbol, day=day, month=month, year=year,
                       agency=agency or "…")


def issuer_ref(issuer: dict, period: dict) -> str:
    return report_ref(issuer.get("number"), issuer.get("date"), issuer.get("name") or "Sở Nội vụ",
                      issuer.get("code") or "SNV", period)


def title_block(model: SheetModel, heading: str, title: str, ref: str | None) -> None:
    n = model.ncols
    model.rows.append(full_row(n, new_cell(heading, bold=True, align="center", border="", size=TITLE_SIZE), "title"))
    if title:
        model.rows.append(full_row(n, new_cell(title, bold=True, align="center", border="", size=TITLE_SIZE,
                                               valign="center"), "subtitle"))
    if ref:
        model.rows.append(full_row(n, new_cell(ref, italic=True, align="center", border=""), "ref"))
    model.rows.append(full_row(n, new_cell(None, border=""), "spacer", height=8))


def header_row(titles: list[str]) -> RowModel:
    return RowModel([new_cell(t, bold=True, align="center", valign="center") for t in titles], kind="header")


def numbers_row(n: int) -> RowModel:
    return RowModel([new_cell(f"({i})", italic=True, align="center", valign="center", size=BODY_SIZE - 1)
                     for i in range(1, n + 1)], kind="numbers")


def finish(model: SheetModel, first_header: int, last_header: int) -> SheetModel:
    model.header_rows = (first_header, last_header)
    model.freeze_row = last_header + 1
    return fit_heights(model)


def bulleted(paragraphs: list[str]) -> str:
    """Several paragraphs in one cell: each on its own line behind "- ", as the seeds write them.

    Paragraphs that already carry a bullet, and lead-in lines ending with ":", are left as written.
    """
    paras = [p.strip() for p in paragraphs if p and p.strip()]
    if len(paras) <= 1:
        return paras[0] if paras else ""
    out = []
    for p in paras:
        if p[:1] in _BULLET_START or p.endswith(":"):
            out.append(p)
        else:
            out.append("- " + p)
    return "\n".join(out)


_BULLET_START = "-+•*–"
_SENTENCE_END = ".;:!?…"


def split_paragraphs(text) -> list[str]:
    """The paragraphs of a cell. A line break inside a sentence (text pasted from Word: the next
    line starts in lower case after a line without closing punctuation, or follows a comma)
    continues the paragraph, kept as a line break, so that it does not become a new bullet."""
    if text is None:
        return []
    out: list[str] = []
    for line in (p.strip() for p in str(text).split("\n")):
        if not line:
            continue
        prev = out[-1] if out else None
        continues = prev is not None and line[0] not in _BULLET_START and (
            prev.endswith(",") or (line[0].islower() and not prev.endswith(tuple(_SENTENCE_END))))
        if continues:
            out[-1] = prev + "\n" + line
        else:
            out.append(line)
    return out


def display_value(row: dict, value) -> str:
    """An indicator value as the appendix prints it: "1,5", "260.141", "98,73%"; a choice as the
    official form prints it, its own value ("2", the unit cell reading "Kết hợp = 2")."""
    if value is None or value == "":
        return ""
    kind = row.get("kind")
    if isinstance(value, bool):
        return str(value)
    if register.coded(kind) and isinstance(value, (int, float)):
        return format_number(value)  # the form prints the choice's own value; its unit cell says what it means
    if isinstance(value, (int, float)):
        text = format_number(value)
        return text + register.unit(kind)
    return str(value)


def display_unit(row: dict) -> str:
    """The unit cell; for coded choices the codes as the catalog defines them, one per line
    ("Không = 0", "Có = 1"), not the official form's colliding codes."""
    if register.coded(row.get("kind")) and row.get("choices"):
        return "\n".join(f"{c['label']} = {c['value']}" for c in row["choices"])
    return row.get("unit") or ""


def heading_words(code, title, score=None, max_score=None) -> str:
    """The words of a criterion's or area's printed line, for ``restate.kept``."""
    return " ".join(str(x) for x in (code, title, format_number(score) if score is not None else None,
                                     format_number(max_score) if max_score is not None else None) if x)
