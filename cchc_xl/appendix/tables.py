"""The output sheets as plain tables (title, notes, header, rows of Python values)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

from cchc_xl import spec
from cchc_xl.check import register
from cchc_xl.consolidate.aggregate import (
    aggregate_values,
    area_scores,
    catalog_for,
    deductions_by_criterion,
    levels_present,
    progress_words,
    remediation_progress,
    value_rows,
)
from cchc_xl.consolidate.files import REMEDIATION_KEYS, STATUS_LABELS, UNKNOWN_STATUS, FileEntry
from cchc_xl.consolidate.records import Consolidation
from cchc_xl.normalize import fold
from cchc_xl.numtext import figure, format_number
from cchc_xl.read.registry import contact_text
from cchc_xl.sheets.model import Chart, Column, SheetTable

# ---- sheets as plain tables ----------------------------------------------------------------

def _level_label(level) -> str:
    return {"so": "Sở, ban, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}.get(level, level or "")


def _period_ref(ref) -> str | None:
    if isinstance(ref, dict) and ref.get("year") and ref.get("kind"):
        return spec.period_words(ref["kind"], ref["year"])
    return ref if isinstance(ref, str) and ref else None


def _status_label(status) -> str | None:
    if status in REMEDIATION_KEYS:
        return spec.label_of("statuses", status)
    if status == UNKNOWN_STATUS or not status:
        return "Chưa rõ"
    return str(status)


def left_out(value, reason: str | None) -> str:
    """How a value with an error shows in the per-agency sheets: marked, with the reason (unless
    the reason stands in another cell of the row)."""
    shown = format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    why = f": {reason}" if reason else ""
    return f"{'' if shown is None else shown} (có lỗi, không tính{why})".lstrip()


def _excluded_by_file(c: Consolidation) -> Counter:
    return Counter(x["file"] for x in c.records.get("excluded") or [])


def _n(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def sheet_tables(c: Consolidation) -> list[SheetTable]:
    """Every output sheet as a plain table, in the order of ``schemas/consolidation_sheets.json``.

    When every agency consolidated is of one level, the "Cấp" column says nothing and is left
    out (except on the submission sheet, which also lists the registry).
    """
    tables = [_BUILDERS[decl["key"]](c) for decl in spec.consolidation_sheets()
              if decl.get("only_with") != "previous" or c.previous is not None]
    if len(levels_present(c)) <= 1:
        for t in tables[1:]:
            for i, col in enumerate(t.columns):
                if col.title == "Cấp":
                    _drop_column(t, i)
                    break
    return tables


def _drop_column(t: SheetTable, i: int) -> None:
    def cut(row):
        return row[:i] + row[i + 1:] if row is not None and len(row) > i else row

    t.columns = cut(t.columns)
    t.rows = [cut(r) for r in t.rows]
    t.total = cut(t.total)
    if t.freeze_cols > i:
        t.freeze_cols -= 1
    if t.chart:
        col = i + 1
        t.chart.category_col -= t.chart.category_col > col
        t.chart.value_cols = [v - (v > col) for v in t.chart.value_cols]


def _subtitle(c: Consolidation) -> str:
    return (f"Kỳ báo cáo: {c.period_words}. Tổng hợp lúc {spec.moment_text(c.made)} "
            f"từ {format_number(len(c.accepted))} báo cáo được tổng hợp.")


def declared_table(c: Consolidation, key: str, rows: list[list], *, notes: dict | None = None,
                   total: list | None = None, row_kinds: list | None = None, agencies: list[str] = (),
                   areas: list[str] = (), chart_rows: int = 0) -> SheetTable:
    """One sheet as ``schemas/consolidation_sheets.json`` declares it, holding ``rows`` (in the
    declared columns, then one per area before the declared place, then one per agency).

    ``notes`` fills the declared notes' placeholders (a note whose values are not all given is left
    out); ``chart_rows`` is how many rows the declared chart may show (0: no chart)."""
    decl = next(d for d in spec.consolidation_sheets() if d["key"] == key)
    values = {"period": c.period_words.upper(), **(notes or {})}
    cols = [Column(x["title"].format(**values), x["width"], x.get("kind", "text")) for x in decl["columns"]]
    if "area_columns" in decl:
        ac = decl["area_columns"]
        at = next(i for i, col in enumerate(cols) if col.title == ac["before"])
        cols[at:at] = [Column(ac["title"].format(code=code), ac["width"], ac.get("kind", "text")) for code in areas]
    fit_width = True
    if "agency_columns" in decl:
        ag = decl["agency_columns"]
        cols += [Column(name, ag["width"], ag.get("kind", "text")) for name in agencies]
        fit_width = len(agencies) <= ag.get("fit_width_up_to", 10 ** 9)
    texts = []
    for template in decl.get("notes", []):
        try:
            texts.append(template.format(**values))
        except KeyError:  # a note for a case that does not arise
            continue
    chart = None
    if decl.get("chart") and chart_rows:
        ch = decl["chart"]
        shown = min(chart_rows, ch.get("max_rows", chart_rows))
        title = ch["title"] if shown == chart_rows else ch["title_cut"].format(shown=shown)
        pos = {col.title: i + 1 for i, col in enumerate(cols)}
        chart = Chart(title, pos[ch["category"]], [pos[v] for v in ch["values"]], shown,
                      first=chart_rows - shown if ch.get("lowest") else 0, percent=bool(ch.get("percent")))
    return SheetTable(key, decl["name"], decl["title"].format(**values), cols, rows, _subtitle(c), texts, total=total,
                      chart=chart, excel_table=bool(decl.get("excel_table")), freeze_cols=decl.get("freeze_cols", 0),
                      row_kinds=row_kinds, fit_width=fit_width)


def _submissions_table(c: Consolidation) -> SheetTable:
    counts = Counter(f.status for f in c.files)
    notes = {"files": format_number(len(c.files)), **{k: format_number(counts[k]) for k in ("accepted", "rejected", "duplicate", "skipped")}}
    if c.registry is not None:
        n, miss = len(c.registry), c.missing_agencies
        notes.update(registry=format_number(n), registry_done=format_number(n - len(miss)), registry_missing=format_number(len(miss)),
                     missing_names=f" ({', '.join(miss[:15])}{', …' if len(miss) > 15 else ''})" if miss else "")
        remind = c.reminders
        if remind:
            notes.update(remind=format_number(len(remind)), remind_contact=format_number(sum(1 for x in remind if x["lien_he"])))
        outside = [f.agency for f in c.accepted if f.registry_index is None]
        if outside:
            notes["outside"] = format_number(len(outside))
    by_identity: dict[str, list[FileEntry]] = defaultdict(list)
    loose: list[FileEntry] = []
    for f in c.files:
        (by_identity[f.identity] if f.identity else loose).append(f)
    order = {"accepted": 0, "duplicate": 1, "rejected": 2, "skipped": 3}
    rows, kinds = [], []

    def agency_state(files: list[FileEntry], in_registry: bool | None) -> str:
        if any(f.status == "accepted" for f in files):
            return "Đã tổng hợp" if in_registry or in_registry is None else "Đã tổng hợp (ngoài danh sách)"
        if files:
            return "Chưa có báo cáo hợp lệ"
        return "Chưa nộp"

    left = _excluded_by_file(c)

    def add(agency, level, state, f: FileEntry | None, note=None, contact=None):
        reason = f.reason if f else None
        if note:
            reason = f"{reason}; {note}" if reason else note
        flagged = f is not None and f.status == "accepted" and f.errors > 0
        if flagged:
            bad = (f"còn {format_number(f.errors)} lỗi; {format_number(left.get(f.file, 0))} giá trị có lỗi không được tính vào "
                   "số liệu toàn tỉnh (xem trang “Lỗi dữ liệu”)")
            reason = f"{bad}; {reason}" if reason else bad
        rows.append([len(rows) + 1, agency, _level_label(level), state,
                     f.file if f else None, STATUS_LABELS[f.status] if f else None,
                     f.report_number if f else None, f.report_date if f else None,
                     f.errors if f and f.status != "skipped" else None,
                     f.warnings if f and f.status != "skipped" else None, reason, contact])
        kinds.append("missing" if f is None or state == "Chưa có báo cáo hợp lệ" else "error" if flagged else None)

    if c.registry is not None:
        for i, a in enumerate(c.registry):
            files = sorted(by_identity.pop(f"registry:{i}", []), key=lambda f: (order[f.status], f.file))
            state = agency_state(files, True)
            contact = contact_text(a) if state != "Đã tổng hợp" else None
            if not files:
                add(a.name, a.level, state, None, "không tìm thấy tệp báo cáo của cơ quan", contact)
            for f in files:
                add(a.name, a.level or f.level, state, f, contact=contact)
    rest = sorted(by_identity.items(), key=lambda kv: (spec.level_rank(kv[1][0].level), fold(kv[1][0].agency)))
    for _, files in rest:
        files.sort(key=lambda f: (order[f.status], f.file))
        state = agency_state(files, False if c.registry is not None else None)
        note = "không có trong danh sách cơ quan phải báo cáo" if c.registry is not None else None
        for f in files:
            add(f.agency, f.level, state, f, note if f.status == "accepted" else None)
    for f in sorted(loose, key=lambda f: (order[f.status], f.file)):
        add(None, None, None, f)
    return declared_table(c, "submissions", rows, notes=notes, row_kinds=kinds)


def _progress_table(c: Consolidation) -> SheetTable:
    recs = remediation_progress(c)
    rows = []
    for i, r in enumerate(recs, 1):
        rows.append([i, r["agency"], _level_label(r["level"]), r["total"], r["hoan_thanh"], r["dang_thuc_hien"],
                     r["chua_thuc_hien"], r["khong_the_thuc_hien"], r[UNKNOWN_STATUS] or None, r["rate"],
                     r["overdue"], progress_words(r["hoan_thanh"], r["total"])])
    tot = Counter()
    for r in recs:
        for k in ("total", *REMEDIATION_KEYS, UNKNOWN_STATUS, "overdue"):
            tot[k] += r[k]
    total = [None, "Toàn tỉnh", None, tot["total"], tot["hoan_thanh"], tot["dang_thuc_hien"], tot["chua_thuc_hien"],
             tot["khong_the_thuc_hien"], tot[UNKNOWN_STATUS] or None,
             tot["hoan_thanh"] / tot["total"] if tot["total"] else None, tot["overdue"],
             progress_words(tot["hoan_thanh"], tot["total"])]
    notes = {"total": format_number(tot["total"]), "done": format_number(tot["hoan_thanh"]), "overdue": format_number(tot["overdue"]),
             "words": progress_words(tot["hoan_thanh"], tot["total"])}
    # the chart shows the agencies with items, the lowest rates when there are many (sorted from the highest)
    return declared_table(c, "progress", rows, notes=notes, total=total, chart_rows=sum(1 for r in recs if r["total"]))


def _items_table(c: Consolidation) -> SheetTable:
    rows = []
    for i, x in enumerate(c.records["remediation"], 1):
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["issue"], x["solution"], x["deadline"],
                     x["due"], _status_label(x["status"]), "Quá hạn" if x["overdue"] else None, x["progress"],
                     x["note"], _period_ref(x["carried_from"])])
    return declared_table(c, "items", rows)


def _criteria_table(c: Consolidation) -> SheetTable:
    recs = deductions_by_criterion(c)
    n_ag = Counter(a["level"] for a in c.records["agencies"])
    rows = []
    for i, r in enumerate(recs, 1):
        avg = figure(r["lost"] / r["agencies"]) if r["lost"] is not None and r["agencies"] else None
        rows.append([i, _level_label(r["level"]), r["code"], r["name"], r["max"], r["agencies"],
                     f"{format_number(r['agencies'])}/{format_number(n_ag.get(r['level'], 0))} cơ quan", r["lost"], avg])
    total_lost = figure(sum(r["lost"] or 0 for r in recs)) if recs else 0
    total = [None, None, "Cộng", f"{len(recs)} tiêu chí", None, None, None, total_lost, None]
    return declared_table(c, "criteria", rows, total=total, chart_rows=len(recs))


def _agency_columns(c: Consolidation) -> list[tuple[int, str]]:
    return [(a["aid"], a["agency"]) for a in c.records["agencies"]]


def _criteria_matrix(c: Consolidation) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    cells: dict[tuple, dict] = defaultdict(dict)
    names: dict[tuple, str] = {}
    for x in c.records["deductions"]:
        aid, level, code, name, lost, score = x["aid"], x["level"], x["code"], x["name"], x["lost"], x["score"]
        key = (level, code or "")
        names.setdefault(key, name)
        cur = cells[key].get(aid)
        if x.get("error"):
            cells[key][aid] = left_out(score, x["error"]) if cur is None else f"{cur}; {left_out(score, x['error'])}"
            continue
        val = _n(lost) if _n(lost) is not None else ("?" if score is None else score)
        if isinstance(cur, (int, float)) and isinstance(val, (int, float)):
            val = figure(cur + val)
        cells[key][aid] = val
    keys = sorted(cells, key=lambda k: (spec.level_rank(k[0]), spec.code_sort_key(k[1])))
    rows = []
    for i, key in enumerate(keys, 1):
        level, code = key
        cat = catalog_for(c, level)
        row = [i, _level_label(level), code, cat.criterion_name(code) or names.get(key)]
        lost = [v for v in cells[key].values() if isinstance(v, (int, float))]
        row.append(figure(sum(lost)) if lost else None)
        vals = [None] * len(agencies)
        for aid, v in cells[key].items():
            vals[pos[aid]] = v
        rows.append(row + vals)
    return declared_table(c, "criteria_matrix", rows, agencies=[name for _, name in agencies])


def _deductions_table(c: Consolidation) -> SheetTable:
    rows, kinds = [], []
    for i, x in enumerate(c.records["deductions"], 1):
        shown_max = x["max_score"] if x["max_score"] is not None else x["max_used"]
        score, lost = x["score"], x["lost"]
        if x.get("error"):
            score, lost = left_out(score, x["error"]), None
            kinds.append("error")
        else:
            kinds.append(None)
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["name"], shown_max, score, lost,
                     x["reason"]])
    return declared_table(c, "deductions", rows, row_kinds=kinds if any(kinds) else None)


def _scores_table(c: Consolidation) -> SheetTable:
    codes, recs = area_scores(c)
    rows, kinds = [], []
    for i, r in enumerate(recs, 1):
        bad = dict(r["errors"])
        # the reason stands in the row's "Kết quả" cell
        shown = [left_out(r["scores"].get(code), None) if code in bad else r["scores"].get(code) for code in codes]
        kinds.append("error" if bad else None)
        rows.append([i, r["agency"], _level_label(r["level"]), *shown,
                     r["total"], r["max"], (r["pct"] / 100) if r["pct"] is not None else None, r["rank"], r["words"]])
    notes = {"no_areas": ""} if not codes else {}
    unranked = sum(1 for r in recs if not r["rank"])
    if unranked:
        notes["unranked"] = format_number(unranked)
    return declared_table(c, "scores", rows, notes=notes, row_kinds=kinds if any(kinds) else None, areas=codes)


_RULE_WORDS = {"sum": "Cộng", "stats": "Thấp nhất, trung vị, cao nhất", "choices": "Đếm theo lựa chọn",
               "list": "Liệt kê", "none": "Không tổng hợp"}


def _comparison_table(c: Consolidation) -> SheetTable:
    """This period beside the previous one (``consolidate --previous``), per agency of today."""
    from cchc_xl.consolidate.compare import comparison_rows

    prev = (c.previous or {}).get("period") or {}
    before = spec.period_words(prev["kind"], prev["year"]) if prev.get("year") and prev.get("kind") else "kỳ trước"
    rows, charted = comparison_rows(c.comparison(), before, _level_label)
    return declared_table(c, "comparison", rows, notes={"before": before}, chart_rows=charted)


def _indicator_summary(c: Consolidation) -> SheetTable:
    rows, kinds = [], []
    for row, agg in aggregate_values(c, "indicators"):
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        if agg is None:
            rows.append([row["code"], name, row.get("unit"), None, None, None, None, None, None, None])
            kinds.append("group")
            continue
        rows.append([row["code"], name, row.get("unit"), _RULE_WORDS.get(agg.rule), agg.reporting or None,
                     agg.total, agg.minimum, agg.median, agg.maximum, agg.text or None])
        kinds.append(None)
    return declared_table(c, "indicators", rows, notes={"agencies": format_number(len(c.records["agencies"]))}, row_kinds=kinds)


def _value_display(value, row: dict):
    if register.coded(row.get("kind")) and isinstance(value, (int, float)) and not isinstance(value, bool):
        for ch in row.get("choices", []):
            if ch["value"] == value:
                return ch["label"]
    return value


def _values_matrix(c: Consolidation, which: str) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    values: dict[str, list] = {}
    for x in c.records[which]:
        if x["value"] is not None:
            values.setdefault(x["code"], [None] * len(agencies))[pos[x["aid"]]] = \
                left_out(x["value"], x["error"]) if x.get("error") else x["value"]
    aggs = dict((row["code"], (row, agg)) for row, agg in aggregate_values(c, which))
    rows, kinds = [], []
    for code, (row, agg) in aggs.items():
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        vals = [_value_display(v, row) for v in values.get(code, [None] * len(agencies))]  # marked texts stay
        summary = None
        if agg is not None:
            summary = agg.total if agg.rule == "sum" else (agg.text or None)
        rows.append([code, name, row.get("unit"), summary, *vals])
        kinds.append("group" if row.get("group") else None)
    return declared_table(c, "indicator_matrix" if which == "indicators" else "propaganda", rows, row_kinds=kinds,
                          agencies=[name for _, name in agencies])


def _notes_table(c: Consolidation) -> SheetTable:
    rows = []
    for which, label in (("indicators", "Phụ lục III"), ("propaganda", "Phụ lục I")):
        names = {r["code"]: r["name"] for r in value_rows(c, which)}
        for x in c.records[which]:
            if isinstance(x["note"], str) and x["note"]:
                rows.append([len(rows) + 1, label, x["agency"], x["code"], names.get(x["code"]), x["value"], x["note"]])
    return declared_table(c, "notes", rows)


def _issues_table(c: Consolidation) -> SheetTable:
    """The issues of the files used first (counted in the notes, as in the console summary); those
    of rejected files and unused duplicates apart, at the end."""
    left = {(x["file"], x["field"]) for x in c.records.get("excluded") or []}
    used = [x for x in c.records["issues"] if x["status"] == "accepted"]
    other = [x for x in c.records["issues"] if x["status"] != "accepted"]
    rows, kinds = [], []
    for x in used + other:
        rows.append([len(rows) + 1, x["file"], x["agency"], STATUS_LABELS.get(x["status"]),
                     "Lỗi" if x["severity"] == "error" else "Cảnh báo", x["sheet"], x["cell"], x["code"], x["message"],
                     "Không tính" if x["severity"] == "error" and (x["file"], x["field"]) in left else None])
        kinds.append(None if x["status"] == "accepted" else "missing")
    errors = sum(1 for x in used if x["severity"] == "error")
    notes = {"errors": format_number(errors), "warnings": format_number(len(used) - errors), "files": format_number(len({x["file"] for x in used})),
             "left_out": format_number(len(c.records.get("excluded") or []))}
    if other:
        bad = sum(1 for x in other if x["severity"] == "error")
        notes.update(other_errors=format_number(bad), other_warnings=format_number(len(other) - bad),
                     other_files=format_number(len({x["file"] for x in other})))
    return declared_table(c, "issues", rows, notes=notes, row_kinds=kinds if any(kinds) else None)


# sheet key (schemas/consolidation_sheets.json) -> the function giving its rows, as a SheetTable
_BUILDERS = {
    "submissions": _submissions_table,
    "progress": _progress_table,
    "items": _items_table,
    "criteria": _criteria_table,
    "criteria_matrix": _criteria_matrix,
    "deductions": _deductions_table,
    "scores": _scores_table,
    "comparison": _comparison_table,
    "indicators": _indicator_summary,
    "indicator_matrix": lambda c: _values_matrix(c, "indicators"),
    "propaganda": lambda c: _values_matrix(c, "propaganda"),
    "notes": _notes_table,
    "issues": _issues_table,
}


def _py(v):
    """Plain Python values for every consumer (numpy scalars, NaN and NaT become Python/None)."""
    if v is None or isinstance(v, (str, bool, int)) and not hasattr(v, "dtype"):
        return v
    if hasattr(v, "item") and not isinstance(v, (dt.date, dt.datetime)):
        try:
            v = v.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if v.__class__.__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v


def clean_tables(tables: list[SheetTable]) -> list[SheetTable]:
    for t in tables:
        t.rows = [[_py(v) for v in row] for row in t.rows]
        if t.total:
            t.total = [_py(v) for v in t.total]
    return tables
