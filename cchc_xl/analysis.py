"""The Python front door for analysts: read, check and consolidate reports from a script or a
notebook, and look at a consolidation as pandas DataFrames.

The department's IT staff script in Python; these few functions are the same computation the
command line and the buttons run, with the same verdicts and the same Vietnamese messages::

    import cchc_xl

    report = cchc_xl.read_report("bao_cao_so_tai_chinh.xlsx")        # the canonical document
    verdict = cchc_xl.validate_report("bao_cao_so_tai_chinh.xlsx")    # .valid, .errors, .issues
    cons = cchc_xl.consolidate_folder("bai_nop/", registry="danh_sach.csv")
    frames = cchc_xl.frames(cons)          # pandas imported here, and only here
    frames["deductions"].groupby("agency")["lost"].sum()

Errors a file can cause raise ``cchc_xl.ReportError`` with a Vietnamese reason naming the file;
``validate_report`` never raises for a bad workbook (it returns the issue, as ``validate`` does).
"""

from __future__ import annotations

import os
from pathlib import Path


class ReportError(Exception):
    """A file that cannot be used as a report: the message says which file and why (Vietnamese)."""


_JSON = (".json",)


def read_report(path: str | os.PathLike) -> dict:
    """The canonical report (INTERFACES.md's JSON document) held by an agency workbook
    (.xlsx, .xlsm, .xls, .ods) or by a report JSON file."""
    if Path(path).suffix.lower() in _JSON:
        from cchc_xl.spec.jsonfile import ReportError as _JsonError
        from cchc_xl.spec.report_schema import load_report

        try:
            return load_report(path)
        except _JsonError as exc:
            raise ReportError(str(exc)) from None
    from cchc_xl import spec
    from cchc_xl.read.agency import UnreadableError, read_file

    try:
        return read_file(path).report
    except UnreadableError as exc:
        raise ReportError(f"{Path(path).name}: {exc.reason}") from None
    except spec.SpecError as exc:
        raise ReportError(f"{Path(path).name}: {exc}") from None


def validate_report(source):
    """The verdict of ``cchc-xl validate`` on one report: a workbook path, a report JSON path, or a
    report already loaded as a dict. Returns a ``validate.FileReport`` (``valid``, ``errors``,
    ``warnings``, ``issues`` each with severity, code, sheet, cell and message; ``to_json()``)."""
    from cchc_xl.check.validate import FileReport, check_report, validate_file

    if isinstance(source, dict):
        issues = check_report(source)
        return FileReport("(tài liệu)", issues, (source.get("agency") or {}).get("name"))
    if Path(source).suffix.lower() in _JSON:
        from cchc_xl.spec.issues import sort_issues

        doc = read_report(source)
        return FileReport(str(source), sort_issues(check_report(doc)), (doc.get("agency") or {}).get("name"))
    return validate_file(source)


def consolidate_folder(folder: str | os.PathLike, registry=None, *, year: int | None = None,
                       period: str | None = None, strict: bool = False, jobs: int | None = None):
    """Every workbook under ``folder`` consolidated as ``cchc-xl consolidate`` does (same statuses,
    same figures), without writing anything. ``registry``: the agencies' list (.csv/.xlsx path).
    ``period``: a period key (``nam``, ``6_thang``, ``quy_1``…). Returns a ``Consolidation``:
    ``.files`` (each file and what became of it), ``.summary()`` (the JSON summary) and the
    DataFrame views through ``frames``."""
    from cchc_xl.consolidate import ConsolidationError, consolidate

    try:
        return consolidate(folder, registry=registry, year=year, kind=period, strict=strict, jobs=jobs)
    except ConsolidationError as exc:
        raise ReportError(str(exc)) from None


# ---- DataFrame views ------------------------------------------------------------------------

# the columns of each view, in order: what an analyst filters and groups by
_VIEWS = {
    "agencies": ("agency", "code", "level", "file", "report_number", "report_date", "errors", "warnings",
                 "in_registry", "criteria_year"),
    "areas": ("agency", "level", "code", "name", "max_score", "score", "error"),
    "deductions": ("agency", "level", "code", "name", "max_used", "score", "lost", "reason", "error"),
    "remediation": ("agency", "level", "code", "issue", "solution", "deadline", "due", "status", "overdue",
                    "progress", "note", "carried_from"),
    "indicators": ("agency", "level", "code", "value", "note", "kind", "error"),
    "propaganda": ("agency", "level", "code", "value", "note", "kind", "error"),
    "issues": ("file", "agency", "status", "severity", "code", "sheet", "cell", "field", "message"),
    "excluded": ("file", "agency", "table", "code", "field", "sheet", "cell", "value", "reason"),
}


def _pandas():
    try:
        import pandas
    except ImportError:
        raise ReportError("cần cài pandas để xem bảng dữ liệu: python3 -m pip install \"cchc-xl[analysis]\"") from None
    return pandas


def frame(consolidation, view: str):
    """One view of a consolidation as a pandas DataFrame, a row per record of the accepted files
    (``issues``: of every file; ``files``: every file found with its status and reason)."""
    pd = _pandas()
    if view == "files":
        return pd.DataFrame([f.to_json() for f in consolidation.files],
                            columns=["file", "status", "agency", "errors", "warnings", "reason", "in_registry"])
    if view not in _VIEWS:
        raise ValueError(f"không có bảng {view!r}; có: files, {', '.join(_VIEWS)}")
    rows = consolidation.records.get(view) or []
    cols = _VIEWS[view]
    df = pd.DataFrame([{k: r.get(k) for k in cols} for r in rows], columns=list(cols))
    if view == "indicators":  # the indicator's name and unit, as Phụ lục III prints them
        names = _indicator_names(consolidation)
        df.insert(3, "name", [names.get((lv, c), (None, None))[0] for lv, c in zip(df["level"], df["code"])])
        df.insert(4, "unit", [names.get((lv, c), (None, None))[1] for lv, c in zip(df["level"], df["code"])])
    return df


def _indicator_names(consolidation) -> dict:
    from cchc_xl import spec

    out = {}
    for f in consolidation.accepted:
        level = f.level or "so"
        if any(k[0] == level for k in out):
            continue
        cat = spec.catalog(level, f.criteria_year)
        for code, row in cat.indicator_by_code.items():
            out[(level, code)] = (row.get("name"), row.get("unit"))
    return out


def frames(consolidation) -> dict:
    """Every view of a consolidation, by name: ``files``, ``agencies``, ``areas``, ``deductions``,
    ``remediation``, ``indicators``, ``propaganda``, ``issues``, ``excluded``."""
    return {view: frame(consolidation, view) for view in ("files", *_VIEWS)}


def indicators_by_agency(consolidation):
    """Phụ lục III as a table: a row per agency, a column per indicator code (values left out of the
    province figures for an error are blank here too)."""
    df = frame(consolidation, "indicators")
    kept = df[df["error"].isna() & df["value"].notna()]
    return kept.pivot_table(index="agency", columns="code", values="value", aggfunc="first")


__all__ = ["ReportError", "consolidate_folder", "frame", "frames", "indicators_by_agency", "read_report",
           "validate_report"]
