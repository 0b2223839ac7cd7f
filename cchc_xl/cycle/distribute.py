"""Distribution: from the checked appraisal workbook, one pre-filled workbook per agency.

``agency_reports`` turns the appraisal into one canonical report per agency (its area totals,
deductions, one remediation row per deduction); ``distribute`` writes them into a folder with
safe, distinct file names, and with ``previous_dir`` adds each agency's unfinished items of its
latest workbook there (matched by name, code or former name, see ``cycle.previous``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cchc_xl import spec
from cchc_xl.cycle.filenames import agency_file_names
from cchc_xl.files.fileio import os_reason
from cchc_xl.numtext import format_number
from cchc_xl.read.appraisal import Agency, Appraisal, DistributeError, decl, exempt_codes, read_appraisal
from cchc_xl.read.identity import name_key, same_name
from cchc_xl.spec import SCHEMA_VERSION

# ---- agency reports ------------------------------------------------------------------------

def remediation_issue_text(code: str, name: str | None, score, max_score, reason: str | None) -> str:
    """"Tiêu chí 1.1 (Thực hiện Kế hoạch CCHC) đạt 0/1,5 điểm. Lý do: …" (patterns in appraisal.json)."""
    p = decl()["remediation_issue"]
    text = p["criterion"].format(code=code)
    if name:
        text += p["name"].format(name=name)
    if score is not None:
        if max_score is not None:
            text += p["score"].format(score=format_number(score), max_score=format_number(max_score))
        else:
            text += p["score_without_max"].format(score=format_number(score))
    text += p["end"]
    if reason:
        text += p["reason"].format(reason=reason)
    return text


def agency_reports(ap: Appraisal, year: int, kind: str) -> list[tuple[Agency, dict]]:
    """One canonical report per registry agency, in registry order (the appraisal must be clean)."""
    out = []
    exempt = exempt_codes(ap)
    for ag in ap.agencies:
        cat = ap.catalogs.get((ag.level, ap.year)) or spec.catalog(ag.level, ap.year)
        na = sorted(exempt.get(name_key(ag.name), ()), key=spec.code_sort_key)
        mine = lambda rows: sorted((r for r in rows if name_key(r.agency) == name_key(ag.name)),  # noqa: E731
                                   key=lambda r: spec.code_sort_key(r.code))
        areas = [{"code": r.code, "name": cat.areas_by_code[r.code].get("name"),
                  "max_score": r.max_score if r.max_score is not None else cat.applicable_max(r.code, na),
                  "score": r.score} for r in mine(ap.areas)]
        deductions, remediation = [], []
        for r in mine(ap.deductions):
            crit = cat.criteria_by_code[r.code]
            mx = r.max_score if r.max_score is not None else crit.get("max_score")
            deductions.append({"code": r.code, "name": crit.get("name"), "max_score": mx, "score": r.score,
                               "reason": r.reason})
            remediation.append({"code": r.code,
                                "issue": remediation_issue_text(r.code, crit.get("name"), r.score, mx, r.reason),
                                "solution": None, "deadline": None, "status": None, "progress": None, "note": None,
                                "carried_from": None})
        report = {
            "schema_version": SCHEMA_VERSION,
            "agency": {"name": ag.name, "code": ag.code, "level": ag.level},
            "period": {"year": year, "kind": kind},
            "appraisal_year": ap.year,
            "report": {"number": None, "date": None},
            **({"not_applicable": na} if na else {}),
            "areas": areas,
            "deductions": deductions,
            "remediation": remediation,
            "indicators": {},
            "propaganda": {},
        }
        out.append((ag, report))
    return out


def area_total_mismatches(ap: Appraisal, reports: list[tuple[Agency, dict]]) -> list:
    """Each agency's announced area scores against the deductions the appraisal lists for it
    (``validate.area_total_issues``), as warnings at the area's score cell of the appraisal workbook.
    The agency cannot change either, so they are reported here, not in its workbook; the announced
    scores are kept as entered (DOMAIN.md: real appraisals do not always add up)."""
    from dataclasses import replace

    from cchc_xl.check.validate import area_total_issues

    out = []
    for ag, report in reports:
        cat = ap.catalogs.get((ag.level, ap.year)) or spec.catalog(ag.level, ap.year)
        for issue in area_total_issues(report, cat):
            m = re.match(r"areas\[(\d+)\]", issue.field or "")
            code = report["areas"][int(m.group(1))]["code"] if m else None
            row = next((r for r in ap.areas if r.code == code and name_key(r.agency) == name_key(ag.name)), None)
            out.append(replace(issue, message=f"{ag.name}: {issue.message}",
                               sheet=row.sheet if row else issue.sheet, cell=row.cells["score"] if row else issue.cell))
    return out


# ---- distribute ----------------------------------------------------------------------------

class Distribution(list):
    """The paths written (a list, as before), and what ``--from`` found: agencies without an earlier
    workbook, earlier workbooks without an agency, files skipped, items carried per agency; and
    ``warnings``: the appraisal's cells whose area scores disagree with its listed deductions;
    ``agencies``: the report's agency ({name, code, level}) of each path, in the same order."""

    def __init__(self, paths=(), without_previous=(), orphans=(), skipped=(), carried=None, undecided=()):
        super().__init__(paths)
        self.without_previous = list(without_previous)
        self.orphans = list(orphans)
        self.undecided = list(undecided)  # (file, reason): earlier workbooks several agencies fit
        self.skipped = list(skipped)
        self.carried = dict(carried or {})
        self.warnings: list = []  # announced area scores that disagree with the listed deductions
        self.agencies: list[dict] = []  # the agency written in each workbook, parallel to the paths


def add_previous_items(reports: list[tuple[Agency, dict]], previous_dir) -> Distribution:
    """Append to each agency's report the unfinished items of its latest earlier workbook(s) in
    ``previous_dir`` (its own, and its former agencies' after a merger), marked carried."""
    from cchc_xl.cycle.carry import carry_item, is_open
    from cchc_xl.cycle.previous import Lineage, match_previous, read_previous

    folder = read_previous(previous_dir)
    lineage = Lineage([(ag.name, ag.code, ag.former_names) for ag, _ in reports])
    matched, orphans = match_previous(lineage, folder)
    carried = {}
    for i, (ag, report) in enumerate(reports):
        n = 0
        for wb in sorted(matched.get(i, []), key=lambda w: w.name):
            renamed = not same_name(wb.name, ag.name)  # matched by code, a former name or without diacritics
            for item in wb.report.get("remediation") or []:
                if not is_open(item):
                    continue
                new = carry_item(item, wb.period)
                if renamed:
                    new["note"] = "\n".join(x for x in (f"Chuyển từ báo cáo của {wb.name} (tên trước sắp xếp)",
                                                         new["note"]) if x)
                report["remediation"].append(new)
                n += 1
        carried[ag.name] = n
    return Distribution(without_previous=[ag.name for i, (ag, _) in enumerate(reports) if i not in matched],
                        orphans=[(str(wb.path.relative_to(previous_dir)), wb.name) for wb in orphans if not wb.why],
                        undecided=[(str(wb.path.relative_to(previous_dir)), wb.why) for wb in orphans if wb.why],
                        skipped=folder.skipped, carried=carried)


def previous_lines(found: Distribution, previous_dir) -> list[str]:
    """What ``distribute --from`` says about the earlier workbooks (Vietnamese)."""
    total = sum(found.carried.values())
    lines = [f"Chuyển {total} tồn tại chưa hoàn thành từ các biểu mẫu trong {previous_dir} "
             f"({sum(1 for n in found.carried.values() if n)} cơ quan)."]
    if found.without_previous:
        lines.append(f"Cơ quan không có biểu mẫu năm trước ({len(found.without_previous)}): "
                     + ", ".join(found.without_previous) + ".")
    if found.orphans:
        lines.append(f"Biểu mẫu năm trước không ứng với cơ quan nào trong sổ thẩm định ({len(found.orphans)}); "
                     "nếu cơ quan đã đổi tên, hãy ghi tên cũ ở cột “Tên cũ” của trang Cơ quan:")
        lines.extend(f"  - {f} ({name})" for f, name in found.orphans)
    for f, reason in found.undecided:
        lines.append(f"Không chuyển tồn tại của {f}: {reason}.")
    for f, reason in found.skipped:
        lines.append(f"Bỏ qua {f}: {reason}.")
    return lines


PARALLEL_FROM = 40  # workbooks: from this many, written by one process per processor (at most 4)


def _write_chunk(items: list) -> list[Path]:
    from cchc_xl.spec import FROM_APPRAISAL
    from cchc_xl.workbook.template import write_template

    return [Path(write_template(target, report=report, source=FROM_APPRAISAL)) for target, report in items]


def _write_all(targets: list) -> list[Path]:
    """Every (target, report) written, in order; a province's 150 communes on every processor."""
    workers = min(os.cpu_count() or 1, 4)
    if len(targets) < PARALLEL_FROM or workers < 2:
        return _write_chunk(targets)
    from concurrent.futures import ProcessPoolExecutor

    chunks = [targets[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = list(pool.map(_write_chunk, chunks))
    by_target = {p.name: p for chunk in done for p in chunk}
    return [by_target[t.name] for t, _ in targets]


def distribute(appraisal_path, out_dir, year: int | None = None, kind: str | None = None,
               previous_dir=None) -> Distribution:
    """Check the appraisal workbook, then write one pre-filled agency workbook per agency into ``out_dir``.

    Nothing is written when the workbook has errors (``DistributeError`` with the issues), when a
    target file already exists (no overwrite; the error names it) or when the period is wrong.
    If writing fails half way, the files written by this run are removed again. With
    ``previous_dir`` each workbook also gets the unfinished items of the agency's latest workbook
    there (``add_previous_items``).
    """
    path = Path(appraisal_path)
    if previous_dir is not None and not Path(previous_dir).is_dir():
        raise DistributeError(f"{previous_dir}: không phải thư mục hoặc không tồn tại (--from cần thư mục các "
                              "biểu mẫu năm trước)")
    ap = read_appraisal(path)
    errors = ap.errors
    if errors:
        raise DistributeError(f"{path.name}: sổ thẩm định còn {len(errors)} lỗi, chưa tạo biểu mẫu nào. "
                              "Hãy sửa các ô sau rồi chạy lại:", errors)
    kinds = {p["key"] for p in spec.period_kinds()}
    kind = kind or decl()["default_period_kind"]
    if kind not in kinds:
        raise DistributeError(f"kỳ báo cáo “{kind}” không hợp lệ (dùng: {', '.join(sorted(kinds))})")
    year = year or ap.year + 1
    if year <= ap.year:
        raise DistributeError(f"{path.name}: năm báo cáo {year} phải sau năm thẩm định {ap.year}")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise DistributeError(f"{out_dir}: đã có một tệp trùng tên, cần một thư mục")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DistributeError(f"{out_dir}: không tạo được thư mục ({os_reason(exc)})") from None
    root = out_dir.resolve()
    reports = agency_reports(ap, year, kind)
    mismatches = area_total_mismatches(ap, reports)
    found = add_previous_items(reports, Path(previous_dir)) if previous_dir is not None else Distribution()
    targets = []
    for (ag, report), fname in zip(reports, agency_file_names([ag for ag, _ in reports])):
        target = out_dir / fname
        if target.resolve().parent != root:  # never outside DIR (defence in depth; safe_stem forbids it)
            raise DistributeError(f"{fname}: tên tệp của {ag.name} nằm ngoài thư mục {out_dir}")
        targets.append((target, report))
    existing = [t.name for t, _ in targets if os.path.lexists(t)]
    if existing:
        more = f" và {len(existing) - 1} tệp khác" if len(existing) > 1 else ""
        raise DistributeError(f"{out_dir}: đã có tệp “{existing[0]}”{more}; không ghi đè. Hãy chọn thư mục khác "
                              "hoặc chuyển các tệp cũ đi rồi chạy lại")
    written: list[Path] = []
    try:
        written = _write_all(targets)
    except BaseException as exc:
        for p, _ in targets:  # none existed before this run (checked above)
            try:
                p.unlink()
            except OSError:
                pass
        if isinstance(exc, OSError):
            raise DistributeError(f"{out_dir}: không ghi được biểu mẫu ({os_reason(exc)}); "
                                  "không tệp nào được giữ lại") from None
        raise
    found.extend(written)
    found.agencies = [dict(report["agency"]) for _, report in targets]
    found.warnings = mismatches
    return found
