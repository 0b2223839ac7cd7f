"""The province's report draft (``cchc-xl consolidate … --docx BAO_CAO.docx``): a Word document
from an editable template (docxtpl over ``templates/bao_cao_tong_hop.docx``, or the province's own
copy in ``CCHC_XL_TEMPLATE_DIR``), shaped like the real reports (seeds 000–004):

- I. chỉ đạo, điều hành — the officer's narrative (marked) and area 1's figures;
- II. kết quả by area — one part per area: the Phụ lục III indicator totals ("đạt tỷ lệ …%"), the
  agencies deducted in that area and its most-deducted criteria, its remediation progress;
- III. tồn tại, hạn chế — the open and overdue remediation items;
- IV. nhiệm vụ trọng tâm — the unfinished items due in the next quarter;
- V. đề xuất, kiến nghị — left to the officer, marked.

Every figure comes from the JSON summary (``summary["report"]`` and the status counts), formatted
here the Vietnamese way; item texts and agency names come from the consolidation. The province
appendices follow, numbered: Phụ lục I (kết quả khắc phục), II (theo cơ quan), III (cơ quan, đơn
vị cần nhắc, with the registry's contacts — contacts never stand in the body).

The province's name, the issuing body and the signer come from a settings file the department
edits once, ``cai_dat_bao_cao.csv`` (two columns "muc,gia_tri", one row per setting, one row per
recipient "noi_nhan"; see ``SETTINGS_NAME`` and the README).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from cchc_xl.appendix.report_template import TEMPLATE_NAME, TEMPLATE_PATH
from cchc_xl.numtext import format_number
from cchc_xl.spec import VIETNAM

# the fields a province's template may use (report_template.BODY uses them)
FIELDS = ("co_quan_chu_quan", "co_quan_ban_hanh", "co_quan_ban_hanh_ten", "tinh", "so_van_ban", "dia_danh", "ngay",
          "thang", "nam", "ky_bao_cao", "ky_sau", "nam_tham_dinh", "so_da_gui", "so_phai_gui", "chua_gui",
          "bi_tra_lai", "tep_khong_ro", "linh_vuc_1", "tuyen_truyen", "linh_vuc", "khac_phuc", "con_mo", "dang_thuc_hien",
          "chua_thuc_hien", "khong_the_thuc_hien", "qua_han", "ton_tai_qua_han", "den_han_ky_sau",
          "viec_ky_sau", "thuong_xuyen", "chuc_vu_ky", "nguoi_ky", "noi_nhan")
BLANK = "……"
SETTINGS_NAME = "cai_dat_bao_cao.csv"
DEFAULT_SETTINGS = {"tinh": None, "co_quan_ban_hanh": "Sở Nội vụ", "ky_hieu": "SNV", "dia_danh": None,
                    "chuc_vu_ky": "GIÁM ĐỐC", "nguoi_ky": None,
                    "noi_nhan": ["UBND tỉnh (để b/c)", "Các cơ quan, đơn vị", "Lưu: VT, CCHC"]}


class ReportDraftError(Exception):
    """The draft could not be written (Vietnamese message naming the file)."""


def template_path() -> Path:
    """The province's own report template: the first folder of ``CCHC_XL_TEMPLATE_DIR`` (a list,
    separated as PATH is, as the text templates read it in ``render``) that has one, else ours."""
    for own in (os.environ.get("CCHC_XL_TEMPLATE_DIR") or "").split(os.pathsep):
        if own and Path(own, TEMPLATE_NAME).is_file():
            return Path(own, TEMPLATE_NAME)
    return TEMPLATE_PATH


def settings_path(registry=None) -> Path | None:
    """``cai_dat_bao_cao.csv``: in a folder of ``CCHC_XL_TEMPLATE_DIR``, else beside the registry."""
    folders = [f for f in (os.environ.get("CCHC_XL_TEMPLATE_DIR") or "").split(os.pathsep) if f]
    if registry and isinstance(registry, (str, os.PathLike)):
        folders.append(str(Path(registry).parent))
    for folder in folders:
        if Path(folder, SETTINGS_NAME).is_file():
            return Path(folder, SETTINGS_NAME)
    return None


def load_settings(registry=None) -> dict:
    """The department's settings (defaults for what the file leaves out); an unreadable file or an
    unknown setting is a ``ReportDraftError`` naming the file and its row."""
    path = settings_path(registry)
    out = dict(DEFAULT_SETTINGS)
    if path is None:
        return out
    import csv
    import io

    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        from cchc_xl.files.fileio import os_reason

        raise ReportDraftError(f"{path.name}: không đọc được tệp ({os_reason(exc)})") from None
    except UnicodeDecodeError:
        raise ReportDraftError(f"{path.name}: tệp phải lưu dạng CSV UTF-8") from None
    recipients: list[str] = []
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip() or (n == 1 and row[0].strip() == "muc"):
            continue
        key, value = row[0].strip(), ",".join(row[1:]).strip()
        if key not in DEFAULT_SETTINGS:
            known = ", ".join(DEFAULT_SETTINGS)
            raise ReportDraftError(f"{path.name}, dòng {n}: không có mục “{key}” (các mục: {known})")
        if key == "noi_nhan":
            if value:
                recipients.append(value)
        else:
            out[key] = value or None
    if recipients:
        out["noi_nhan"] = recipients
    return out


def report_date(period: dict, given: dt.date | None = None, today: dt.date | None = None) -> dt.date | None:
    """The report's own date: ``--date``, else today in Vietnam time when it can be the date of a
    report on that period (from its first day to four months after its end); else unknown (the
    draft then leaves the day blank and takes the month and year from the period, as the
    appendices' "(Kèm theo Báo cáo số … ngày …)" line does) — never the machine clock's year."""
    if given is not None:
        return given
    today = today or dt.datetime.now(VIETNAM).date()
    from cchc_xl import spec

    try:
        start = spec.period_bound(period["kind"], period["year"], "start")
        end = spec.period_bound(period["kind"], period["year"], "end")
    except (KeyError, TypeError):
        return None
    return today if start <= today <= end + dt.timedelta(days=122) else None


def _n(x) -> str:
    return format_number(x) if x is not None else BLANK


def _unit(unit: str | None) -> str:
    if not unit or unit in ("%",):
        return ""
    if unit[1:2].islower():  # "Văn bản" → "văn bản"; "TTHC" stays
        unit = unit[:1].lower() + unit[1:]
    return " " + unit


def _indicator(item: dict) -> dict:
    unit = _unit(item.get("unit"))
    if item.get("whole") is not None:
        value = f"{_n(item['total'])}/{_n(item['whole'])}{unit}"
        rate = format_number(item["rate"]) if item.get("rate") is not None else None
        return {"ten": item["name"], "gia_tri": value + (f", đạt tỷ lệ {rate}%" if rate else ""),
                "tren": item["whole_name"]}
    return {"ten": item["name"], "gia_tri": f"{_n(item['total'])}{unit}", "tren": None}


def _area(a: dict, number: int) -> dict:
    r = a["remediation"]
    return {
        "so": number, "ma": a["code"], "ten": a["name"],
        "chi_tieu": [_indicator(i) for i in a["indicators"]],
        "so_co_quan_bi_tru": _n(len(a["deducted_agencies"])) if a["deducted_agencies"] else None,
        "co_quan_bi_tru": ", ".join(a["deducted_agencies"]),
        "so_luot_tru": _n(a["deductions"]),
        "tieu_chi": [{"ma": t["code"], "ten": t["name"] or BLANK, "so_co_quan": _n(t["agencies"]),
                      "diem_bi_tru": format_number(t["lost"]) if t.get("lost") else None} for t in a["top_criteria"]],
        "kp_tong": _n(r["total"]) if r["total"] else None, "kp_xong": _n(r["hoan_thanh"]),
        "kp_ty_le": format_number(r["rate"]) if r.get("rate") is not None else None,
        "kp_dang": _n(r["dang_thuc_hien"]), "kp_chua": _n(r["chua_thuc_hien"]),
        "kp_khong_the": _n(r["khong_the_thuc_hien"]),
        "kp_qua_han": _n(r["overdue"]) if r["overdue"] else None,
    }


def _item(r: dict) -> dict:
    """A remediation item as sections III and IV name it: the agency, the staff's words, the deadline."""
    text = (r.get("issue") or "").strip()
    if not text:
        text = f"Tiêu chí {r['code']}" if r.get("code") else ((r.get("solution") or "").strip() or BLANK)
    return {"co_quan": r.get("agency") or BLANK, "noi_dung": text.rstrip(".;"),
            "thoi_han": (r.get("deadline") or "").strip() or None}


def _submissions(cons, summary: dict) -> dict:
    """Who sent, who must still send, whose report went back — each agency in one list."""
    files = summary["files"]
    returned: dict[str, str] = {}
    unknown = 0
    for f in files:
        if f["status"] != "rejected":
            continue
        if f.get("agency"):
            returned.setdefault(f["agency"], f.get("reason") or "báo cáo chưa dùng được")
        else:
            unknown += 1
    accepted = {f["agency"] for f in files if f["status"] == "accepted"}
    for name in accepted:  # an agency whose other file was used is not "returned"
        returned.pop(name, None)
    reminders = summary.get("reminders") or []
    missing = [r for r in reminders if r["name"] not in returned]
    if cons.registry is not None:
        expected = len(cons.registry)
        sent = expected - len(summary["missing_agencies"])
    else:
        expected = sent = len(accepted)
    return {"so_da_gui": _n(sent), "so_phai_gui": _n(expected),
            "chua_gui": [r["name"] for r in missing],
            "bi_tra_lai": [{"ten": n, "ly_do": why} for n, why in returned.items()],
            "tep_khong_ro": _n(unknown) if unknown else None,
            "_remind": [{"name": r["name"], "status": "Chưa gửi báo cáo", "contact": r} for r in missing]
            + [{"name": n, "status": f"Báo cáo bị trả lại: {why}",
                "contact": next((r for r in reminders if r["name"] == n), {})} for n, why in returned.items()]}


def report_context(cons, summary: dict, date: dt.date | None = None, settings: dict | None = None) -> dict:
    """The template's fields from a consolidation and its JSON summary (the same figures)."""
    from cchc_xl import spec
    from cchc_xl.consolidate.aggregate import progress_words
    from cchc_xl.consolidate.figures import OPEN_STATUSES, next_quarter

    settings = settings or dict(DEFAULT_SETTINGS)
    fig = summary["report"]
    period = summary["period"]
    st = summary["remediation_by_status"]
    total = summary["counts"]["remediation"]
    areas = fig["areas"]
    first = next((a for a in areas if a["code"] == "1"), None)
    rest = [a for a in areas if a["code"] != "1"]
    issuer = settings.get("co_quan_ban_hanh") or "Sở Nội vụ"
    tinh = settings.get("tinh")
    rem = cons.records["remediation"]
    nxt = next_quarter(period)
    end = spec.period_bound(period["kind"], period["year"], "end") if nxt else None
    open_items = [r for r in rem if r["status"] in OPEN_STATUSES]
    due_next = [r for r in open_items if not r["overdue"] and nxt and isinstance(r.get("due"), dt.date)
                and end < r["due"] <= nxt["end"]]
    month = None
    if date is None and period.get("kind"):
        month = spec.period_bound(period["kind"], period["year"], "end").month
    appraisal = [r.get("appraisal_year") for r in cons.reports if r.get("appraisal_year")]
    ctx = {
        "co_quan_chu_quan": "UBND TỈNH " + (tinh.upper() if tinh else BLANK),
        "co_quan_ban_hanh": issuer.upper(), "co_quan_ban_hanh_ten": issuer, "tinh": tinh or BLANK,
        "so_van_ban": f"{'      '}/BC-{settings.get('ky_hieu') or 'SNV'}",
        "dia_danh": settings.get("dia_danh") or tinh or BLANK,
        "ngay": str(date.day) if date else BLANK, "thang": str(date.month) if date else str(month or BLANK),
        "nam": str(date.year) if date else str(period.get("year") or BLANK),
        "ky_bao_cao": cons.period_words, "ky_sau": fig.get("next_period") or "kỳ tới",
        "nam_tham_dinh": str(max(set(appraisal), key=appraisal.count)) if appraisal else BLANK,
        "linh_vuc_1": _area(first, 1) if first else None,
        "tuyen_truyen": [_indicator(i) for i in fig.get("propaganda") or []],
        "linh_vuc": [_area(a, k) for k, a in enumerate(rest, start=1)],
        "khac_phuc": progress_words(st.get("hoan_thanh", 0), total),
        "con_mo": _n(fig["open"]),
        "dang_thuc_hien": _n(st.get("dang_thuc_hien", 0)), "chua_thuc_hien": _n(st.get("chua_thuc_hien", 0)),
        "khong_the_thuc_hien": _n(st.get("khong_the_thuc_hien", 0)),
        "qua_han": _n(fig["overdue"]) if fig["overdue"] else None,
        "ton_tai_qua_han": [_item(r) for r in rem if r["overdue"]],
        "den_han_ky_sau": _n(fig["due_next_period"]) if fig["due_next_period"] else None,
        "viec_ky_sau": [_item(r) for r in due_next],
        "thuong_xuyen": _n(fig["ongoing_open"]) if fig["ongoing_open"] else None,
        "chuc_vu_ky": (settings.get("chuc_vu_ky") or "GIÁM ĐỐC").upper(), "nguoi_ky": settings.get("nguoi_ky") or "",
        "noi_nhan": [f"- {x}{'.' if k == len(settings['noi_nhan']) - 1 else ';'}"
                     for k, x in enumerate(settings.get("noi_nhan") or [])],
    }
    ctx.update(_submissions(cons, summary))
    return ctx


def remind_model(rows: list[dict], ref: str):
    """Phụ lục III: the agencies to remind, with the registry's contacts."""
    from cchc_xl.appendix.kit import finish, header_row, new_cell, numbers_row, title_block
    from cchc_xl.sheets.model import RowModel, SheetModel

    model = SheetModel("can_nhac", "PL cần nhắc", [5, 34, 34, 30, 14, 30])
    title_block(model, "PHỤ LỤC III", "Danh sách cơ quan, đơn vị cần nhắc gửi hoặc hoàn thiện báo cáo", ref)
    first = len(model.rows) + 1
    model.rows.append(header_row(["TT", "Cơ quan, đơn vị", "Tình trạng", "Người, bộ phận liên hệ", "Điện thoại",
                                  "Thư điện tử"]))
    model.rows.append(numbers_row(6))
    last = len(model.rows)
    for k, r in enumerate(rows, start=1):
        c = r.get("contact") or {}
        model.rows.append(RowModel([new_cell(k, align="center"), new_cell(r["name"]), new_cell(r["status"]),
                                    new_cell(c.get("nguoi_lien_he")), new_cell(c.get("dien_thoai"), align="center"),
                                    new_cell(c.get("email"))], kind="data"))
    return finish(model, first, last)


def write_report_draft(cons, summary: dict, out: str | os.PathLike, date: dt.date | None = None,
                       registry=None) -> Path:
    """Render the template with the consolidation's figures, attach the numbered province
    appendices, write ``out`` whole or not at all."""
    from docxtpl import DocxTemplate

    from cchc_xl.appendix.kit import issuer_ref
    from cchc_xl.appendix.province import consolidation_appendix_models
    from cchc_xl.files.fileio import atomic_output
    from cchc_xl.sheets.docx import build_document

    out = Path(out)
    src = template_path()
    settings = load_settings(registry)
    date = report_date(summary["period"], date)
    ctx = report_context(cons, summary, date, settings)
    remind = ctx.pop("_remind")
    try:
        tpl = DocxTemplate(str(src))
        from cchc_xl.safetext import sanitize_deep

        tpl.render(sanitize_deep(ctx, limit=None))
    except Exception as exc:  # noqa: BLE001 - a province's edited template may be broken in many ways
        raise ReportDraftError(f"{src.name}: mẫu báo cáo không dùng được ({type(exc).__name__}: {exc})") from None
    doc = tpl.docx
    period = {"year": cons.period.get("year"), "kind": cons.period.get("kind")}
    issuer = {"name": settings.get("co_quan_ban_hanh"), "code": settings.get("ky_hieu"), "number": None,
              "date": date.isoformat() if date else None}
    models = consolidation_appendix_models(cons, issuer) if cons.accepted else []
    if remind:
        models.append(remind_model(remind, issuer_ref(issuer, period)))
    if models:
        build_document(models, doc=doc)
    try:
        with atomic_output(out) as tmp:
            doc.save(tmp)
    except OSError as exc:
        from cchc_xl.files.fileio import os_reason

        raise ReportDraftError(f"{out}: không ghi được tệp ({os_reason(exc)})") from None
    return out
