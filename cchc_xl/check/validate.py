"""Report → issues: JSON Schema for structure, then the rules a careful reader checks by eye.

Each issue names the sheet and cell to fix (from the reader's cell map). The same engine serves
``cchc-xl validate``, the consolidation and the Kiểm tra button.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xl import spec
from cchc_xl.check import areas, presence, register
from cchc_xl.check.kind import Field
from cchc_xl.normalize import parse_deadline
from cchc_xl.numtext import format_number, number
from cchc_xl.read.agency import ReadResult, UnreadableError, path_key, read_file
from cchc_xl.spec.issues import Issue, count, make, sort_issues
from cchc_xl.spec.report_schema import (
    deepest_error,
    error_parts,
    example_for,
    is_code_name_error,
    is_date_field,
    schema_error_text,
    schema_errors,
    title_for,
)

EPS = 5e-4


@dataclass
class FileReport:
    file: str
    issues: list[Issue] = field(default_factory=list)
    agency: str | None = None
    result: ReadResult | None = None
    unreadable: bool = False

    @property
    def errors(self) -> int:
        return count(self.issues)[0]

    @property
    def warnings(self) -> int:
        return count(self.issues)[1]

    @property
    def valid(self) -> bool:
        return self.errors == 0

    def to_json(self) -> dict:
        return {"file": self.file, "valid": self.valid, "errors": self.errors, "warnings": self.warnings,
                "agency": self.agency, "issues": [i.to_json() for i in self.issues]}


class _Checker:
    def __init__(self, doc: dict, cat: spec.Catalog, cells: dict, from_appraisal: bool = False):
        self.doc, self.cat, self.cells = doc, cat, cells
        self.from_appraisal = from_appraisal  # scores written by distribute from the appraisal workbook
        self.issues: list[Issue] = []
        self._fields: set[str] = set()  # fields with an issue, and those with an error (kept by add)
        self._error_fields: set[str] = set()

    def add(self, issue_code: str, key: str, /, **kw):
        sheet, cell = self.cells.get(key, (None, None))
        if sheet is None and "[" in key:
            sheet, cell = self.cells.get(key.rsplit(".", 1)[0], (None, None))
        issue = make(issue_code, sheet=sheet, cell=cell, field=key, **kw)
        self.issues.append(issue)
        self._fields.add(key)
        if issue.severity == "error":
            self._error_fields.add(key)

    # --- structure ---
    def schema(self):
        for err in schema_errors(self.doc):
            err = deepest_error(err) if not is_date_field(err) else err
            parts = error_parts(err)
            key = path_key(parts)
            title = title_for(parts)
            value = err.instance
            if err.validator == "required" or value is None or (err.validator == "minLength" and value == ""):
                self.add("required", key, field_title=title)
                continue
            if err.validator == "enum":
                allowed = ", ".join(str(x) for x in err.validator_value if x is not None)
                if parts[-1:] == ["status"]:
                    allowed = "; ".join(s["label"] for s in spec.statuses())
                elif parts[-1:] == ["level"]:
                    allowed = "; ".join(s["label"] for s in spec.levels())
                elif parts[-1:] == ["kind"]:
                    allowed = "; ".join(s["label"] for s in spec.period_kinds())
                self.add("invalid_value", key, field_title=title, value=value, allowed=allowed)
            elif is_date_field(err):
                self.add("invalid_date", key, field_title=title, value=value)
            elif err.validator in ("type", "anyOf"):
                self.add("invalid_type", key, field_title=title, value=value, expected=_expected(err))
            elif err.validator in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
                low = err.validator in ("minimum", "exclusiveMinimum")
                bound = ("không được âm" if low and err.validator_value == 0 else
                         f"{'nhỏ hơn' if low else 'lớn hơn'} {format_number(err.validator_value)}")
                self.add("out_of_range", key, field_title=f"{title}:", value=value, bound=bound)
            elif is_code_name_error(err):
                self.add("unknown_code", path_key(parts + [value]), severity="error", variant="bad_form",
                         what="Mã chỉ tiêu", code=f"“{value}”", example=example_for(parts) or "1.1.1")
            else:
                self.add("schema", key, problem=schema_error_text(err))

    # --- header ---
    def header(self):
        d = self.doc
        for fld in spec.sheets()["sheets"]["info"]["fields"]:
            if not fld.get("required"):
                continue
            cur = d
            for p in fld["key"].split("."):
                cur = cur.get(p) if isinstance(cur, dict) else None
            if cur is None and fld["key"] not in self._fields:
                self.add("required", fld["key"], field_title=fld["title"])
        year, kind = d["period"].get("year"), d["period"].get("kind")
        date = _iso(d.get("report", {}).get("date"))
        if isinstance(year, int) and kind in {p["key"] for p in spec.period_kinds()} and date:
            start = spec.period_bound(kind, year, "start")
            if not register.kind("date_order").evaluate(date, start):
                self.add("report_date_before_period", "report.date", date=spec.date_text(date),
                         period=spec.period_words(kind, year), start=spec.date_text(start))
        ay = d.get("appraisal_year")
        if isinstance(ay, int) and isinstance(year, int) and ay >= year:
            self.add("appraisal_year", "appraisal_year", appraisal_year=ay, year=year)

    def table_required(self):
        """Columns declared ``required`` in sheets.json, for every row a user started: ``true`` is an
        error (issue ``required``); ``"warning"`` is what the accepted real reports leave out — a
        deduction's score (issue ``deduction_score_missing``), a remediation's solution (``recommended``)."""
        sheets = spec.sheets()["sheets"]
        for table, cols in (("deductions", sheets["scores"]["deduction_columns"]),
                            ("remediation", sheets["remediation"]["columns"])):
            for i, item in enumerate(self.doc.get(table, [])):
                for col in cols:
                    need = col.get("required")
                    if not need or not presence.missing(item.get(col["key"])):
                        continue
                    key = path_key([table, i, col["key"]])
                    if self._has_issue(key):
                        continue
                    if need == "warning" and table == "deductions" and col["key"] == "score":
                        if item.get("code"):
                            self.add("deduction_score_missing", key, code=item["code"],
                                     area=spec.area_of(item["code"]))
                        continue
                    label = col["title"]
                    if table == "deductions" and item.get("code"):
                        label += f" của tiêu chí {item['code']}"
                    self.add("required" if need is True else "recommended", key, field_title=label)

    def _has_issue(self, key: str) -> bool:
        """An error was already reported for this field (the schema said "required" or a type)."""
        return key in self._error_fields

    def area_computed(self):
        """An area score left blank where the report lists deductions of the area
        (``"when_blank": "computed_from_deductions"`` in sheets.json) is computed from them and
        shown (a warning naming the figure), never an error (:mod:`.checks.areas`)."""
        col = next(c for c in spec.sheets()["sheets"]["scores"]["area_columns"] if c["key"] == "score")
        if col.get("when_blank") != "computed_from_deductions":
            return
        for code, a in areas.computed_scores(self.doc, self.cat).items():
            if a.score is not None:
                self.add("area_score_computed", f"area_rows.{code}", code=code, score=a.score, max=a.max,
                         lost=a.lost)

    # --- scores ---
    def _score_limits(self, kind: str, i: int, code, typed, catalog_max, score):
        """The score is bounded by the criteria set's maximum (a maximum typed over it cannot lift
        the bound); a typed maximum that differs from the criteria set is flagged on its own cell."""
        what = "lĩnh vực" if kind == "areas" else "tiêu chí"
        limit = catalog_max if catalog_max is not None else typed
        agrees = register.kind("max_score").evaluate(typed, catalog_max)
        if score is not None and limit is not None:
            words = f"lớn hơn điểm tối đa {format_number(limit)} của {what} {code or ''}".strip()
            if not agrees:
                words += f" theo Bộ tiêu chí (không theo điểm tối đa {format_number(typed)} đã ghi)"
            limits = Field("score", "Điểm đạt", low=None, high=limit, high_words=words)
            for issue_code, values in register.evaluate("score", score, limits):
                self.add(issue_code, path_key([kind, i, "score"]), **values)
        if not agrees:
            self.add("max_score_mismatch", path_key([kind, i, "max_score"]), typed=typed, catalog_max=catalog_max,
                     what=what, code=code, criteria_year=self.cat.criteria_year)

    def scores(self):
        cat = self.cat
        exempt = self.doc.get("not_applicable") or ()
        for code in exempt:
            if code not in cat.areas_by_code and code not in cat.criteria_by_code:
                self.add("unknown_code", "not_applicable", variant="not_applicable", code=code,
                         criteria_year=cat.criteria_year)
        for i, a in enumerate(self.doc.get("areas", [])):
            code = a.get("code")
            self._score_limits("areas", i, code, number(a.get("max_score")), number(cat.applicable_max(code, exempt)),
                               number(a.get("score")))
            if code and code not in cat.areas_by_code:
                self.add("unknown_code", path_key(["areas", i, "code"]), what="Mã lĩnh vực", code=code,
                         criteria_year=cat.criteria_year)
        deductions = self.doc.get("deductions", [])
        repeats = register.kind("unique").evaluate([d.get("code") for d in deductions])
        for i, d in enumerate(deductions):
            code = d.get("code")
            if code:
                if i in repeats:
                    other = self.cells.get(path_key(["deductions", repeats[i], "code"]), (None, None))[1]
                    self.add("duplicate_deduction", path_key(["deductions", i, "code"]), code=code,
                             other_cell=other or f"dòng {repeats[i] + 1}")
                if code not in cat.criteria_by_code:
                    what = "lĩnh vực" if code in cat.areas_by_code else "tiêu chí"
                    self.add("unknown_code", path_key(["deductions", i, "code"]), variant="of_level",
                             what=f"Mã {what}", code=code, level=spec.label_of("levels", cat.level),
                             criteria_year=cat.criteria_year)
            self._score_limits("deductions", i, code, number(d.get("max_score")), number(cat.max_score(code)),
                               number(d.get("score")))
            full, score = number(cat.max_score(code)), number(d.get("score"))
            full = full if full is not None else number(d.get("max_score"))
            if score is not None and full is not None and abs(score - full) < 1e-9:  # listed, yet nothing lost
                self.add("nothing_deducted", path_key(["deductions", i, "score"]), code=code or "",
                         score=format_number(full))

    def area_totals(self):
        """An announced area score against the deductions listed for that area: only for areas
        with listed deductions, and only when the score itself is usable (in range)."""
        if self.from_appraisal:  # the agency cannot change these: distribute checks them (area_total_issues)
            return
        deds = [d for d in self.doc.get("deductions", []) if d.get("code")]
        for i, a in enumerate(self.doc.get("areas", [])):
            mx = number(a.get("max_score"))
            if mx is None:
                mx = number(self.cat.max_score(a.get("code")))
            sc = number(a.get("score"))
            mine = [d for d in deds if spec.area_of(d["code"]) == a.get("code")]
            if mx is None or sc is None or not mine or sc < 0 or sc > mx + 1e-9:
                continue
            lost = mx - sc
            listed = 0.0
            for d in mine:
                dmx = number(d.get("max_score"))
                if dmx is None:
                    dmx = number(self.cat.max_score(d["code"]))
                dsc = number(d.get("score"))
                if dmx is not None and dsc is not None and 0 <= dsc <= dmx + 1e-9:
                    listed += dmx - dsc
            if abs(lost - listed) > EPS:
                self.add("area_total_mismatch", path_key(["areas", i, "score"]), code=a["code"],
                         score=round(sc, 6), max=round(mx, 6), lost=round(lost, 6), listed=round(listed, 6))

    # --- remediation ---
    def coverage(self):
        items = self.doc.get("remediation", [])
        covered = {it.get("code") for it in items if it.get("code")}
        sheet = spec.sheets()["sheets"]["remediation"]["title"]
        # A next-period workbook carries only unfinished items, so a deduction remedied last period has no row.
        kind = "uncovered_earlier" if any(it.get("carried_from") for it in items) else "uncovered_deduction"
        for i, d in enumerate(self.doc.get("deductions", [])):
            code = d.get("code")
            if not code:
                continue
            if not register.kind("coverage").evaluate(code, covered):
                self.add(kind, path_key(["deductions", i, "code"]), code=code,
                         area=spec.area_of(code), rem_sheet=sheet)

    def remediation(self):
        d = self.doc
        report_date = _iso(d.get("report", {}).get("date"))
        year, kind = d["period"].get("year"), d["period"].get("kind")
        if report_date is None and isinstance(year, int) and kind in {p["key"] for p in spec.period_kinds()}:
            report_date = spec.period_bound(kind, year, "end")
        known = set(self.cat.criteria_by_code) | set(self.cat.areas_by_code)
        for i, it in enumerate(d.get("remediation", [])):
            status = it.get("status")
            if it.get("code") and it["code"] not in known:
                self.add("unknown_code", path_key(["remediation", i, "code"]), what="Mã", code=it["code"],
                         criteria_year=self.cat.criteria_year)
            if status == "hoan_thanh" and not it.get("progress"):
                self.add("finished_without_result", path_key(["remediation", i, "progress"]))
            if status in ("dang_thuc_hien", "chua_thuc_hien") and it.get("deadline"):
                dl = parse_deadline(it["deadline"], year if isinstance(year, int) else None)
                if dl.kind == "unknown":
                    self.add("unparsed_deadline", path_key(["remediation", i, "deadline"]), value=it["deadline"])
                elif dl.kind == "date" and report_date and dl.due < report_date:
                    self.add("overdue", path_key(["remediation", i, "deadline"]), deadline=it["deadline"],
                             due=spec.date_text(dl.due), report_date=spec.date_text(report_date),
                             status=spec.label_of("statuses", status))

    # --- indicators ---
    def values(self, which: str, rows: dict):
        for code, v in self.doc.get(which, {}).items():
            row = rows.get(code)
            key = path_key([which, code, "value"])
            value = v.get("value")
            if row is None:
                self.add("unknown_code", path_key([which, code]), variant="not_in_appendix", what="Mã chỉ tiêu",
                         code=code, appendix="Phụ lục III" if which == "indicators" else "Phụ lục I")
                continue
            if value is None or row.get("group"):
                continue
            kind, unit = row.get("kind"), register.unit(row.get("kind"))
            # a number is named with what it counts ("Chỉ tiêu 3.1: tỷ lệ"), its type by the code alone
            subject = f"Chỉ tiêu {code}" + (f": {'tỷ lệ' if unit == '%' else 'số liệu'}"
                                             if register.is_numeric(kind) else "")
            field = Field(kind, subject, unit=unit, choices=row.get("choices") or [])
            for issue_code, values in register.evaluate(kind, value, field):
                if issue_code == "invalid_type":
                    values["field_title"] = f"Chỉ tiêu {code}"
                self.add(issue_code, key, **values)

    def rules(self):
        values = self.doc.get("indicators", {})
        for rule in self.cat.rules["rules"]:
            holds, left, right = register.kind("relation").evaluate(rule, values)
            if holds:
                continue
            msg = rule["message"].format(left=format_number(left), right=format_number(right))
            self.add("rule", path_key(["indicators", rule["left"][0], "value"]), rule=msg,
                     severity=rule.get("severity", "error"))


def _expected(err) -> str:
    from cchc_xl.spec.fastschema import expected_words

    return expected_words(err, with_null=False)




def _iso(s) -> dt.date | None:
    try:
        return dt.date.fromisoformat(s) if isinstance(s, str) else None
    except ValueError:
        return None


def _catalog_of(doc: dict) -> spec.Catalog:
    level = (doc.get("agency") or {}).get("level")
    level = level if level in spec.level_keys() else "so"
    ay = doc.get("appraisal_year") if isinstance(doc.get("appraisal_year"), int) else None
    return spec.catalog(level, ay)


def area_total_issues(doc: dict, cat: spec.Catalog | None = None) -> list[Issue]:
    """The announced area scores of a report against its listed deductions (warnings
    ``area_total_mismatch``): what ``distribute`` can check in the appraisal workbook before
    writing the agencies' workbooks, which then do not warn the agency about it."""
    ck = _Checker(doc, cat or _catalog_of(doc), {})
    ck.area_totals()
    return ck.issues


def check_report(doc: dict, cat: spec.Catalog | None = None, cells: dict | None = None,
                 from_appraisal: bool = False) -> list[Issue]:
    """Every issue of a canonical report (structure first, then the domain rules)."""
    if cat is None:
        cat = _catalog_of(doc)
    ck = _Checker(doc, cat, cells or {}, from_appraisal)
    ck.schema()
    ck.header()
    ck.table_required()
    ck.area_computed()
    ck.scores()
    ck.area_totals()
    ck.coverage()
    ck.remediation()
    ck.values("indicators", cat.indicator_by_code)
    ck.values("propaganda", cat.propaganda_by_code)
    ck.rules()
    return _dedupe(ck.issues)


def _dedupe(issues: list[Issue]) -> list[Issue]:
    seen, out = set(), []
    for i in issues:
        k = (i.code, i.sheet, i.cell, i.message)
        if k not in seen:
            seen.add(k)
            out.append(i)
    return out


def check_read(result: ReadResult) -> list[Issue]:
    """Every issue of a read workbook: errors first, then by sheet in workbook order, then by row."""
    from_appraisal = result.meta.get("scores_source") == spec.FROM_APPRAISAL
    return sort_issues(_dedupe(result.issues + check_report(result.report, result.catalog, result.cells,
                                                            from_appraisal)))


def validate_file(path: str | os.PathLike, display: str | None = None, max_cells: int | None = None) -> FileReport:
    """Read and check one workbook; an unreadable file gives one issue, never an exception.
    ``max_cells``: the server's cell budget (``reader.read_file``)."""
    name = display or str(path)
    try:
        result = read_file(path, max_cells)
    except UnreadableError as exc:
        return FileReport(name, [make(exc.code, variant="of_file", file=Path(path).name, reason=exc.reason)],
                          unreadable=True)
    except spec.SpecError as exc:
        return FileReport(name, [make("wrong_template", variant="of_file", file=Path(path).name, reason=exc)],
                          unreadable=True)
    except Exception as exc:  # last resort: one bad file never stops a batch
        return FileReport(name, [make("unreadable", variant="unexpected", file=Path(path).name,
                                      error=type(exc).__name__)], unreadable=True)
    issues = check_read(result)
    return FileReport(name, issues, result.report["agency"].get("name"), result)
