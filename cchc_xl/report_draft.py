"""The province's report draft (``cchc-xl consolidate … --docx BAO_CAO.docx``): a Word document
from an editable template (docxtpl over ``templates/bao_cao_tong_hop.docx``, or the province's own
copy in ``CCHC_XL_TEMPLATE_DIR``) stating the consolidation's figures in sentences, with the
province appendices attached as Word tables (the same sheet models as the workbook's sheets).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .normalize import format_number
from .report_template import TEMPLATE_NAME, TEMPLATE_PATH
from .registry import contact_text

TOP_CRITERIA = 5
# the fields a province's template may use (report_template.BODY uses them all)
FIELDS = ("co_quan_chu_quan", "co_quan_ban_hanh", "so_van_ban", "dia_danh", "ngay", "thang", "nam", "ky_bao_cao",
          "ngay_tong_hop", "so_da_gui", "so_phai_gui", "so_tep_bi_loai", "chua_gui", "bi_loai", "khac_phuc",
          "dang_thuc_hien", "chua_thuc_hien", "khong_the_thuc_hien", "qua_han", "so_luot_tru_diem",
          "tieu_chi_tru_diem", "chuc_vu_ky", "nguoi_ky")
BLANK = "……"


class ReportDraftError(Exception):
    """The draft could not be written (Vietnamese message naming the file)."""


def template_path() -> Path:
    """The province's own report template: the first folder of ``CCHC_XL_TEMPLATE_DIR`` (a list,
    separated as PATH is, as the text templates read it in ``render``) that has one, else ours."""
    for own in (os.environ.get("CCHC_XL_TEMPLATE_DIR") or "").split(os.pathsep):
        if own and Path(own, TEMPLATE_NAME).is_file():
            return Path(own, TEMPLATE_NAME)
    return TEMPLATE_PATH


def report_context(cons, summary: dict, today: dt.date | None = None) -> dict:
    """The template's fields from a consolidation and its JSON summary (the same figures)."""
    from .consolidate import deductions_by_criterion, progress_words

    today = today or dt.date.today()
    files = summary["files"]
    accepted = {f["agency"] for f in files if f["status"] == "accepted"}
    if cons.registry is not None:
        expected = len(cons.registry)
        sent = expected - len(summary["missing_agencies"])
        by_name = {a.name: a for a in cons.registry}
        missing = [{"ten": n, "lien_he": contact_text(by_name.get(n))} for n in summary["missing_agencies"]]
    else:
        expected = sent = len(accepted)
        missing = []
    rejected = [f for f in files if f["status"] == "rejected"]
    st = summary["remediation_by_status"]
    total = summary["counts"]["remediation"]
    top = [{"ma": t["code"], "ten": t["name"] or BLANK, "so_co_quan": format_number(t["agencies"]),
            "diem_bi_tru": format_number(t["lost"]) if t["lost"] else None}
           for t in deductions_by_criterion(cons)[:TOP_CRITERIA] if t["agencies"]]
    return {
        "co_quan_chu_quan": "UBND TỈNH " + BLANK, "co_quan_ban_hanh": "SỞ NỘI VỤ",
        "so_van_ban": f"{BLANK}/BC-SNV", "dia_danh": BLANK,
        "ngay": BLANK, "thang": BLANK, "nam": str(today.year),
        "ky_bao_cao": cons.period_words,
        "ngay_tong_hop": today.strftime("%d/%m/%Y"),
        "so_da_gui": format_number(sent), "so_phai_gui": format_number(expected),
        "so_tep_bi_loai": format_number(len(rejected)) if rejected else None,
        "chua_gui": missing,
        "bi_loai": [{"co_quan": f["agency"] or f["file"], "ly_do": f["reason"] or BLANK} for f in rejected],
        "khac_phuc": progress_words(st.get("hoan_thanh", 0), total),
        "dang_thuc_hien": format_number(st.get("dang_thuc_hien", 0)),
        "chua_thuc_hien": format_number(st.get("chua_thuc_hien", 0)),
        "khong_the_thuc_hien": format_number(st.get("khong_the_thuc_hien", 0)),
        "qua_han": format_number(summary.get("remediation_overdue", 0)),
        "so_luot_tru_diem": format_number(summary["counts"]["deductions"]),
        "tieu_chi_tru_diem": top,
        "chuc_vu_ky": "GIÁM ĐỐC", "nguoi_ky": BLANK,
    }


def write_report_draft(cons, summary: dict, out: str | os.PathLike) -> Path:
    """Render the template with the consolidation's figures, attach the province appendices,
    write ``out`` whole or not at all."""
    from docxtpl import DocxTemplate

    from .appendix import province_appendix_models
    from .fileio import atomic_output
    from .sheets.docx import build_document

    out = Path(out)
    src = template_path()
    try:
        tpl = DocxTemplate(str(src))
        from .safetext import sanitize_deep

        tpl.render(sanitize_deep(report_context(cons, summary), limit=None))
    except Exception as exc:  # noqa: BLE001 - a province's edited template may be broken in many ways
        raise ReportDraftError(f"{src.name}: mẫu báo cáo không dùng được ({type(exc).__name__}: {exc})") from None
    doc = tpl.docx
    from .registry_order import province_reports

    reports = province_reports(cons)
    if reports:
        models = province_appendix_models(reports, {"year": cons.period.get("year"), "kind": cons.period.get("kind")})
        build_document(models, doc=doc)
    try:
        with atomic_output(out) as tmp:
            doc.save(tmp)
    except OSError as exc:
        from .fileio import os_reason

        raise ReportDraftError(f"{out}: không ghi được tệp ({os_reason(exc)})") from None
    return out
