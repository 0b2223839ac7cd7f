"""The consolidation itself: one status per file, and the plain records of the accepted files."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Callable, Iterable

from cchc_xl import spec
from cchc_xl.check import areas
from cchc_xl.consolidate.compare import BASIS_KEY, basis, compare
from cchc_xl.consolidate.files import (  # noqa: F401
    OPEN_STATUSES,
    REMEDIATION_KEYS,
    UNKNOWN_STATUS,
    ConsolidationError,
    FileEntry,
    _crashed,
    find_files,
    read_files,
)
from cchc_xl.consolidate.model import ConsolidationData
from cchc_xl.normalize import fold, parse_deadline
from cchc_xl.numtext import figure, number

# ---- the consolidation ---------------------------------------------------------------------

class Consolidation(ConsolidationData):
    """A consolidation with its figures: the JSON summary of INTERFACES.md and the comparison with
    the previous period."""

    def summary(self) -> dict:
        """The consolidation summary of INTERFACES.md (plus a few extra keys)."""
        from cchc_xl.consolidate.aggregate import indicator_totals
        from cchc_xl.consolidate.figures import report_figures

        rec = self.records
        rem = rec["remediation"]
        st = Counter(r["status"] for r in rem)
        by_status = {k: st.get(k, 0) for k in REMEDIATION_KEYS}
        unknown = len(rem) - sum(by_status.values())
        if unknown:
            by_status[UNKNOWN_STATUS] = unknown
        return {
            "period": {"year": self.period.get("year"), "kind": self.period.get("kind")},
            "files": [f.to_json() for f in self.files],
            "missing_agencies": list(self.missing_agencies),
            "counts": {
                "deductions": len(rec["deductions"]),
                "remediation": len(rem),
                "indicator_values": sum(1 for r in rec["indicators"] if r["value"] is not None),
                "propaganda_values": sum(1 for r in rec["propaganda"] if r["value"] is not None),
                "areas": len(rec["areas"]),
                "issues": len(rec["issues"]),
                "agencies": len(rec["agencies"]),
                "excluded_values": len(rec.get("excluded") or []),
            },
            # values with an error, shown in the workbook but left out of every province figure
            "excluded_values": [{k: _plain(x[k]) for k in ("file", "agency", "sheet", "cell", "field", "value", "reason")}
                                for x in rec.get("excluded") or []],
            "remediation_by_status": by_status,
            "remediation_overdue": sum(1 for r in rem if r["overdue"]),
            "indicator_totals": indicator_totals(self),
            "unregistered_agencies": [f.agency for f in self.accepted if f.registry_index is None]
            if self.registry is not None else [],
            # the agencies to remind (no accepted file), with the registry's contact columns
            "reminders": self.reminders,
            # every figure the report draft states, by area (consolidate/figures.py)
            "report": self.memo("report_figures", lambda: report_figures(self)),
            **self.memo("comparison_basis", lambda: {BASIS_KEY: comparison_basis(self)}),
        }

    def comparison(self) -> dict | None:
        """This period beside the previous summary's (``cycle.compare``), when one was given."""
        if self.previous is None:
            return None
        return self.memo("comparison", lambda: compare(comparison_basis(self), self.previous[BASIS_KEY],
                                                       former_names_of(self.registry)))


def comparison_basis(c: Consolidation) -> dict:
    from cchc_xl.consolidate.aggregate import area_scores

    return basis(area_scores(c)[1], c.records["deductions"], c.records["remediation"], c.records["agencies"],
                 c.period)


def former_names_of(registry) -> dict[str, tuple[str, ...]]:
    """Today's agency name → its former names, from the registry (``ten_cu``)."""
    return {a.name: tuple(getattr(a, "former_names", ()) or ()) for a in registry or []}


def _load_registry(registry):
    if registry is None:
        return None
    from cchc_xl.read.registry import Agency, RegistryError, load_registry

    if isinstance(registry, (list, tuple)):
        from cchc_xl.read.identity import conflicts, refusal_message

        agencies = [a if isinstance(a, Agency) else Agency(**a) for a in registry]
        clashes = conflicts(agencies)
        if clashes:  # two rows are never merged (identity rule 4)
            raise ConsolidationError(refusal_message("danh sách cơ quan", agencies, clashes,
                                                     "row" if all(a.row for a in agencies) else "item"))
        return agencies
    try:
        return load_registry(registry)
    except RegistryError as exc:
        raise ConsolidationError(str(exc)) from None


def consolidate(input_dir: str | os.PathLike, registry=None, year: int | None = None, kind: str | None = None,
                strict: bool = False, jobs: int | None = None,
                on_progress: Callable[[int, int], None] | None = None,
                exclude: Iterable[str | os.PathLike] = ()) -> Consolidation:
    """Read every workbook under ``input_dir`` and consolidate the accepted ones.

    ``registry``: a CSV/Excel path or a list of ``registry.Agency``. ``year``/``kind`` fix the
    period (else the most common one among the readable files). ``strict`` rejects files that
    still have errors. Raises ConsolidationError only for unusable inputs (folder, registry).
    """
    start = time.perf_counter()
    root = Path(input_dir)
    if not root.is_dir():
        raise ConsolidationError(f"{input_dir}: không phải thư mục hoặc không tồn tại")
    agencies = _load_registry(registry)
    files = find_files(root, exclude)
    to_read = [f for f in files if f.status == "accepted"]
    t_found = time.perf_counter()
    records = read_files([(str(f.path), f.file) for f in to_read], jobs, on_progress)
    t_read = time.perf_counter()
    index = None
    if agencies is not None:
        from cchc_xl.read.registry import RegistryIndex

        index = RegistryIndex(agencies)
    for f in to_read:
        _apply_record(f, records.get(f.file) or _crashed(f.file), index)
    _group_unregistered(to_read)
    period = _choose_period([f for f in to_read if f.status == "accepted"], year, kind)
    _decide(to_read, period, strict)
    cons = _build(files, period, agencies, str(root))
    end = time.perf_counter()
    cons.seconds = end - start
    cons.timings = {"find": t_found - start, "read": t_read - t_found, "build": end - t_read}
    return cons


def _strip_name(message: str, display: str) -> str:
    name = Path(display).name
    return message[len(name) + 2:] if message.startswith(name + ": ") else message


def _apply_record(f: FileEntry, rec: dict, index) -> None:
    f.issues = [tuple(i) for i in rec["issues"]]
    f.errors = sum(1 for i in f.issues if i[0] == "error")
    f.warnings = len(f.issues) - f.errors
    try:
        f.mtime = f.path.stat().st_mtime
    except OSError:
        f.mtime = 0.0
    if rec.get("unreadable") or not rec.get("report"):
        f.status = "rejected"
        first = f.issues[0] if f.issues else ("error", "unreadable", "không đọc được tệp")
        reason = _strip_name(first[2], f.file)
        if first[1] == "wrong_template":
            reason = f"không phải biểu mẫu báo cáo CCHC của cchc-xl: {reason[0].lower()}{reason[1:]}" \
                if "biểu mẫu" not in reason else reason
        f.reason = reason
        return
    doc = rec["report"]
    f.report = doc
    agency = doc.get("agency") or {}
    f.reported_name = agency.get("name") if isinstance(agency.get("name"), str) else None
    f.agency_code = agency.get("code") if isinstance(agency.get("code"), str) else None
    f.level = rec.get("level") or agency.get("level")
    f.criteria_year = rec.get("criteria_year")
    rep = doc.get("report") or {}
    f.report_number = rep.get("number")
    try:
        f.report_date = dt.date.fromisoformat(rep["date"]) if isinstance(rep.get("date"), str) else None
    except ValueError:
        f.report_date = None
    per = doc.get("period") or {}
    kinds = {p["key"] for p in spec.period_kinds()}
    if isinstance(per.get("year"), int) and per.get("kind") in kinds:
        f.period = (per["year"], per["kind"])
    f.agency = f.reported_name
    if index is not None:
        found = index.resolve(f.reported_name, f.agency_code, f.level)
        if found.ambiguous:  # identity rule 3: counted for none of the candidates until decided
            from cchc_xl.read.identity import ambiguous_message

            f.status, f.reason = "rejected", ambiguous_message(f.reported_name, index.agencies, found)
            return
        if found:
            f.registry_index, f.matched_by = found.index, found.how
            f.agency = index.agencies[found.index].name
    if f.registry_index is not None:
        f.identity = f"registry:{f.registry_index}"
    elif f.reported_name or f.agency_code:
        f.identity = "agency:?"  # one per agency: _group_unregistered
        f.agency = f.reported_name or f.agency_code
    if f.identity is None:
        f.status, f.reason = "rejected", "không ghi tên cơ quan (trang Thông tin)"
    elif f.period is None:
        f.status, f.reason = "rejected", "không ghi đủ năm và kỳ báo cáo (trang Thông tin)"


def _group_unregistered(entries: list[FileEntry]) -> None:
    """The files matched to no registry row, one identity per agency (``identity.group_keys``:
    equal codes join, equal names join unless the codes differ; nothing joins by folding)."""
    from cchc_xl.read.identity import group_keys

    loose = [f for f in entries if f.identity == "agency:?"]
    for f, key in zip(loose, group_keys([(f.reported_name, f.agency_code) for f in loose])):
        f.identity = key


def _period_key(p: tuple[int, str]):
    order = {k["key"]: (k["end"], i) for i, k in enumerate(spec.period_kinds())}
    return (p[0], order.get(p[1], ("", 0)))


def _choose_period(readable: list[FileEntry], year: int | None, kind: str | None) -> dict:
    periods = Counter(f.period for f in readable if f.period)
    if year is not None and kind is not None:
        return {"year": year, "kind": kind}
    cands = [(p, n) for p, n in periods.items()
             if (year is None or p[0] == year) and (kind is None or p[1] == kind)]
    if not cands:
        return {"year": year, "kind": kind}
    best = max(cands, key=lambda pn: (pn[1], _period_key(pn[0])))[0]
    return {"year": best[0], "kind": best[1]}


def _decide(entries: list[FileEntry], period: dict, strict: bool) -> None:
    want = (period.get("year"), period.get("kind"))
    if all(want):
        words = spec.period_words(want[1], want[0])
    elif want[0]:
        words = f"các kỳ báo cáo năm {want[0]}"
    else:
        words = spec.label_of("period_kinds", want[1]) if want[1] else None
    live = []
    for f in entries:
        if f.status != "accepted":
            continue
        if f.period != want:
            other = spec.period_words(f.period[1], f.period[0])
            f.status = "rejected"
            f.reason = f"báo cáo kỳ {other}, không phải kỳ đang tổng hợp ({words or 'chưa xác định'})"
        elif strict and f.errors:
            f.status = "rejected"
            f.reason = f"còn {f.errors} lỗi (chế độ --strict chỉ tổng hợp tệp không có lỗi)"
        else:
            live.append(f)
    groups: dict[str, list[FileEntry]] = defaultdict(list)
    for f in live:
        groups[f.identity].append(f)
    for group in groups.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda f: (f.report_date or dt.date.min, f.mtime, f.file), reverse=True)
        win = group[0]
        for f in group[1:]:
            f.status = "duplicate"
            f.reason = duplicate_reason(f, win)


def duplicate_reason(f: FileEntry, win: FileEntry) -> str:
    """Why ``f`` is not used (``duplicate_file`` of schemas/issues.json): which identity rule made
    it the same agency as ``win`` (same code, same name, a former name …) and why ``win`` is kept."""
    from cchc_xl.read.identity import code_key, same_name
    from cchc_xl.spec.issues import render

    decl = spec.load("issues")["duplicate_file"]
    forms = decl["messages"]
    if code_key(f.agency_code) and code_key(f.agency_code) == code_key(win.agency_code):
        basis = forms["code"].format(code=f.agency_code)
    elif same_name(f.reported_name, win.reported_name):
        basis = forms["name"]
    else:
        odd = next((x for x in (f, win) if x.matched_by in ("former_name", "folded_former")), None) \
            or next((x for x in (f, win) if x.matched_by == "folded"), None) \
            or next((x for x in (f, win) if x.matched_by == "code"), None)
        if odd is None:
            basis = forms["name"]
        elif odd.matched_by == "code":
            basis = forms["registry_code"].format(code=odd.agency_code)
        elif odd.matched_by == "folded":
            basis = forms["folded"].format(name=odd.reported_name)
        else:
            basis = forms["former_name"].format(name=odd.reported_name)
    if (win.report_date or dt.date.min) != (f.report_date or dt.date.min):
        why = (forms["later_date"].format(date=spec.date_text(win.report_date), other_date=spec.date_text(f.report_date))
               if f.report_date else forms["undated"].format(date=spec.date_text(win.report_date)))
    elif win.mtime != f.mtime:
        why = forms["later_mtime"]
    else:
        why = forms["by_name"]
    return render(decl, "duplicate_file", agency=win.agency, other=win.file, basis=basis, why=why).message


# ---- frames --------------------------------------------------------------------------------

def _plain(v):
    """A value as JSON can hold it."""
    return v if v is None or isinstance(v, (str, int, float, bool)) else str(v)


def _period_end(kind: str, year: int) -> dt.date:
    try:
        return spec.period_bound(kind, year, "end")
    except KeyError:
        return dt.date(year, 12, 31)


def _error_fields(f: FileEntry) -> dict[str, tuple]:
    """Field (``areas[0].score``, ``indicators[1.1.1].value`` …) → (message, sheet, cell, field) of
    the first error-severity issue on it: the values the consolidation leaves out."""
    out: dict[str, tuple] = {}
    for sev, _code, msg, sheet, cell, fld in f.issues:
        if sev == "error" and fld and fld not in out:
            out[fld] = (msg, sheet, cell, fld)
    return out


def _build(files: list[FileEntry], period: dict, registry, input_dir: str) -> Consolidation:
    accepted = [f for f in files if f.status == "accepted"]
    accepted.sort(key=lambda f: (spec.level_rank(f.level),
                                 f.registry_index if f.registry_index is not None else 10 ** 6,
                                 fold(f.agency)))
    ag_rows, area_rows, ded_rows, rem_rows, ind_rows, pro_rows = [], [], [], [], [], []
    excluded: list[dict] = []  # every value left out of the province figures, with its reason
    for aid, f in enumerate(accepted):
        doc = f.report
        level = f.level if f.level in spec.level_keys() else "so"
        cat = spec.catalog(level, f.criteria_year)
        ag_rows.append({"aid": aid, "agency": f.agency, "reported_name": f.reported_name, "code": f.agency_code,
                        "level": level, "file": f.file, "report_number": f.report_number,
                        "report_date": f.report_date, "errors": f.errors, "warnings": f.warnings,
                        "in_registry": f.registry_index is not None, "criteria_year": cat.criteria_year,
                        "not_applicable": list(doc.get("not_applicable") or [])})
        base = {"aid": aid, "agency": f.agency, "level": level}
        bad = _error_fields(f)

        def leave_out(table: str, code, value, *fields: str) -> str | None:
            """The reason a value is left out of the province figures (an error on one of its fields)."""
            hit = next((bad[k] for k in fields if k in bad), None)
            if hit is None:
                return None
            excluded.append({"aid": aid, "file": f.file, "agency": f.agency, "table": table, "code": code,
                             "field": hit[3], "sheet": hit[1], "cell": hit[2], "value": value, "reason": hit[0]})
            return hit[0]

        for i, a in enumerate(doc.get("areas") or []):
            mx = number(a.get("max_score"))
            if mx is None:  # blank: the set's maximum less the criteria excused for this agency
                mx = number(cat.applicable_max(a.get("code"), doc.get("not_applicable")))
            error = leave_out("areas", a.get("code"), a.get("score"),
                              *(f"areas[{i}].{k}" for k in ("score", "max_score", "code")), f"areas[{i}]")
            area_rows.append({**base, "code": a.get("code"), "name": a.get("name") or cat.criterion_name(a.get("code")),
                              "max_score": mx, "score": a.get("score"), "error": error, "computed": False})
        # a blank area score where deductions are listed: computed from them, or why it cannot be
        unscored = {}
        for code, comp in areas.computed_scores(doc, cat).items():
            if comp.score is not None:
                area_rows.append({**base, "code": code, "name": cat.criterion_name(code), "max_score": comp.max,
                                  "score": comp.score, "error": None, "computed": True})
            elif comp.unscored:
                unscored[code] = list(comp.unscored)
        ag_rows[-1]["unscored"] = unscored
        for i, d in enumerate(doc.get("deductions") or []):
            code = d.get("code")
            cmax = number(cat.max_score(code))
            mx = number(d.get("max_score"))
            used = mx if mx is not None else cmax
            sc = number(d.get("score"))
            error = leave_out("deductions", code, d.get("score"),
                              *(f"deductions[{i}].{k}" for k in ("score", "max_score", "code")), f"deductions[{i}]")
            lost = figure(used - sc) if used is not None and sc is not None and error is None else None
            ded_rows.append({**base, "code": code, "name": d.get("name") or cat.criterion_name(code),
                             "max_score": d.get("max_score"), "catalog_max": cmax, "max_used": used,
                             "score": d.get("score"), "lost": lost, "reason": d.get("reason"), "error": error})
        year = period.get("year") if isinstance(period.get("year"), int) else None
        ref = f.report_date or (_period_end(f.period[1], f.period[0]) if f.period else None)
        for it in doc.get("remediation") or []:
            status = it.get("status")
            due = None
            if isinstance(it.get("due_date"), str):
                try:
                    due = dt.date.fromisoformat(it["due_date"])
                except ValueError:
                    due = None
            deadline_kind = "date" if due else None
            if due is None and it.get("deadline"):
                dl = parse_deadline(it["deadline"], year)
                due, deadline_kind = dl.due, dl.kind
            overdue = bool(status in OPEN_STATUSES and due and ref and due < ref)
            rem_rows.append({**base, "code": it.get("code"), "issue": it.get("issue"), "solution": it.get("solution"),
                             "deadline": it.get("deadline"), "due": due, "deadline_kind": deadline_kind,
                             "status": status if status in REMEDIATION_KEYS else (status or UNKNOWN_STATUS),
                             "status_raw": status, "overdue": overdue, "progress": it.get("progress"),
                             "note": it.get("note"), "carried_from": it.get("carried_from")})
        for which, rows, by_code in (("indicators", ind_rows, cat.indicator_by_code),
                                     ("propaganda", pro_rows, cat.propaganda_by_code)):
            for code, v in (doc.get(which) or {}).items():
                row = by_code.get(code) or {}
                value = (v or {}).get("value")
                error = leave_out(which, code, value, f"{which}[{code}].value", f"{which}[{code}]") \
                    if value is not None else None
                rows.append({**base, "code": code, "value": value, "note": (v or {}).get("note"),
                             "kind": row.get("kind"), "group": bool(row.get("group")), "known": bool(row),
                             "error": error})
    issue_rows = []
    for f in files:
        for sev, code, msg, sheet, cell, fld in f.issues:
            issue_rows.append({"file": f.file, "agency": f.agency, "status": f.status, "severity": sev, "code": code,
                               "sheet": sheet, "cell": cell, "field": fld, "message": msg})

    missing = []
    if registry is not None:
        got = {f.registry_index for f in accepted if f.registry_index is not None}
        missing = [a.name for i, a in enumerate(registry) if i not in got]
    records = {"agencies": ag_rows, "areas": area_rows, "deductions": ded_rows, "remediation": rem_rows,
               "indicators": ind_rows, "propaganda": pro_rows, "issues": issue_rows, "excluded": excluded}
    return Consolidation(period=period, files=files, registry=registry, missing_agencies=missing, records=records,
                         input_dir=input_dir)
