"""The department's rounds (đợt báo cáo): opening one from a registry, its agencies and their
submission links, the pre-filled workbooks of an appraisal, the links list to send, and the words
and dates the pages show for them (Vietnamese calendar days)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from cchc_xl import spec
from cchc_xl.safetext import looks_like_formula
from cchc_xl.server import fields
from cchc_xl.server.auth import new_token, token_hash
from cchc_xl.server.errors import ServiceError
from cchc_xl.server.rules import SUBMIT_WHEN_VALID, submit_rules
from cchc_xl.server.storage import Store, now

VN = spec.VIETNAM  # deadlines are Vietnamese calendar days


def period_label(kind: str, year: int | None = None) -> str:
    for p in spec.period_kinds():
        if p["key"] == kind:
            return p["words"].format(year=year) if year else p["label"]
    return kind


def level_label(level: str | None) -> str:
    return next((lv["label"] for lv in spec.levels() if lv["key"] == level), level or "")


def local_time(iso: str | None) -> str:
    """An ISO timestamp as the department reads it: dd/mm/yyyy hh:mm, Vietnamese time."""
    if not iso:
        return ""
    t = dt.datetime.fromisoformat(iso).astimezone(VN)
    return f"{spec.date_text(t)} {t:%H:%M}"


def local_date(iso_date: str) -> str:
    return spec.date_text(dt.date.fromisoformat(iso_date))


def deadline_warning(deadline: str, opened_iso: str | None = None) -> str | None:
    """The warning of a round whose deadline had passed when it was opened (Vietnamese days)."""
    opened = (dt.datetime.fromisoformat(opened_iso) if opened_iso else dt.datetime.now(dt.timezone.utc)).astimezone(VN)
    if dt.date.fromisoformat(deadline) >= opened.date():
        return None
    return (f"Hạn nộp {local_date(deadline)} đã qua khi mở đợt (ngày {spec.date_text(opened)}): mọi bài nộp "
            "của đợt này đều bị tính là trễ hạn. Nếu ghi nhầm hạn nộp, hãy mở đợt mới với hạn nộp đúng.")


def is_late(deadline: str, at_iso: str | None) -> bool:
    """After the deadline day (Vietnamese time); ``at_iso`` None means now."""
    at = dt.datetime.fromisoformat(at_iso) if at_iso else dt.datetime.now(dt.timezone.utc)
    return at.astimezone(VN).date() > dt.date.fromisoformat(deadline)


# ---- rounds ---------------------------------------------------------------------------------

@dataclass
class NewAgency:
    name: str
    code: str | None = None
    level: str | None = None
    contact: str | None = None
    phone: str | None = None
    email: str | None = None


def registry_from_file(path: Path) -> list[NewAgency]:
    """The registry file's agencies, with the contact columns when the registry has them. A registry
    two of whose rows would be one agency is refused (``load_registry``: identity rule 4)."""
    from cchc_xl.read.registry import RegistryError, load_registry

    try:
        agencies = load_registry(path)
    except RegistryError as exc:
        raise ServiceError(str(exc)) from None
    out = []
    for a in agencies:
        c = getattr(a, "contact", None)  # the registry's nguoi_lien_he, dien_thoai, email columns
        out.append(NewAgency(a.name, a.code, a.level, getattr(c, "name", None), getattr(c, "phone", None),
                             getattr(c, "email", None)))
    return out


def registry_from_json(items) -> list[NewAgency]:
    if not isinstance(items, list) or not items:
        raise ServiceError("“registry” phải là danh sách cơ quan, mỗi cơ quan có ít nhất “ten”")
    fields.registry_size(items)
    out = []
    levels = spec.level_keys()
    for i, item in enumerate(items, start=1):
        fields.registry_item(item, i)  # types and lengths (a list as a code, a name of 100,000 characters)
        if not isinstance(item, dict) or not str(item.get("ten") or "").strip():
            raise ServiceError(f"cơ quan thứ {i} của “registry” thiếu tên (“ten”)")
        name = str(item["ten"]).strip()
        level = item.get("cap") or None
        if level is not None and level not in levels:
            raise ServiceError(f"cơ quan “{name}”: cấp “{level}” không hợp lệ (dùng: {', '.join(sorted(levels))})")
        get = (lambda k: str(item[k]).strip() if item.get(k) not in (None, "") else None)
        out.append(NewAgency(name, get("ma"), level, get("nguoi_lien_he"), get("dien_thoai"), get("email")))
    refuse_merged(out, "registry")
    return out


def refuse_merged(agencies: list[NewAgency], source: str) -> None:
    """Identity rule 4: a round never opens with two rows that would be one agency; the reason
    names both (``duplicate_registry_row``), on the page and as the API's 400 answer."""
    from cchc_xl.read.identity import conflicts, refusal_message

    clashes = conflicts(agencies)
    if clashes:
        raise ServiceError(refusal_message(source, agencies, clashes, "item"))


def check_round_fields(year, period, deadline) -> tuple[int, str, str]:
    year = fields.year(year)
    low, high = spec.year_range()
    if not low <= year <= high:
        raise ServiceError(f"năm {year} ngoài khoảng {low}–{high}")
    if not isinstance(period, str) or period not in {p["key"] for p in spec.period_kinds()}:
        shown = period[:40] if isinstance(period, str) else type(period).__name__
        raise ServiceError(f"kỳ báo cáo “{shown}” không hợp lệ (dùng: "
                           f"{', '.join(p['key'] for p in spec.period_kinds())})")
    try:
        if not isinstance(deadline, str):
            raise ValueError
        deadline = dt.date.fromisoformat(deadline).isoformat()
    except ValueError:
        shown = deadline[:40] if isinstance(deadline, str) else type(deadline).__name__
        raise ServiceError(f"hạn nộp “{shown}” không phải ngày dạng YYYY-MM-DD") from None
    return year, period, deadline


def check_submit_rule(rule) -> str:
    rule = rule or SUBMIT_WHEN_VALID
    keys = [r["key"] for r in submit_rules()]
    if rule not in keys:
        raise ServiceError(f"cách nộp “{rule}” không hợp lệ (dùng: {', '.join(keys)})")
    return rule


def open_round(store: Store, year, period, deadline, agencies: list[NewAgency], allow_errors: bool,
               actor: str, registry_name: str | None = None, submit_rule: str | None = None) -> int:
    year, period, deadline = check_round_fields(year, period, deadline)
    submit_rule = check_submit_rule(submit_rule)
    if not agencies:
        raise ServiceError("danh sách cơ quan trống")
    fields.agency_names(agencies)
    refuse_merged(agencies, registry_name or "registry")
    with store.tx() as db:
        rid = db.execute("INSERT INTO rounds(year, period, deadline, allow_errors, created_at, created_by, "
                         "registry_name, submit_rule) VALUES(?, ?, ?, ?, ?, ?, ?, ?)",
                         (year, period, deadline, int(bool(allow_errors)), now(), actor, registry_name,
                          submit_rule)).lastrowid
        for pos, a in enumerate(agencies):
            tok = new_token()
            db.execute("INSERT INTO agencies(round_id, pos, name, code, level, contact, phone, email, token, "
                       "token_hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (rid, pos, a.name, a.code, a.level, a.contact, a.phone, a.email, tok, token_hash(tok)))
    _write_registry_csv(store, rid)
    return rid


def _write_registry_csv(store: Store, rid: int) -> Path:
    import csv
    import io

    from cchc_xl.files.fileio import write_text_atomic

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["ten", "ma", "cap"])
    for a in agencies_of(store, rid):
        w.writerow([a["name"], a["code"] or "", a["level"] or ""])
    return write_text_atomic(store.round_dir(rid) / "danh_sach.csv", buf.getvalue())


def rounds(store: Store) -> list:
    return store.all("SELECT * FROM rounds ORDER BY id DESC")


def get_round(store: Store, rid: int):
    row = store.one("SELECT * FROM rounds WHERE id=?", rid)
    if row is None:
        raise ServiceError("không có đợt báo cáo này", 404)
    return row


def agencies_of(store: Store, rid: int) -> list:
    return store.all("SELECT * FROM agencies WHERE round_id=? ORDER BY pos", rid)


def agency_by_token(store: Store, token: str | None):
    if not token:
        return None
    return store.one("SELECT * FROM agencies WHERE token_hash=?", token_hash(token))


def reissue_link(store: Store, agency_id: int, revoke_only: bool = False) -> str | None:
    tok = None if revoke_only else new_token()
    store.execute("UPDATE agencies SET token=?, token_hash=? WHERE id=?", tok, token_hash(tok) if tok else None,
                  agency_id)
    return tok


def link(base_url: str, token: str | None) -> str | None:
    return f"{base_url.rstrip('/')}/nop/{token}" if token else None


# ---- the agency of a workbook ------------------------------------------------------------

def agency_index(rows: list):
    """The matcher of a round's agencies (``rows``): the one identity rule (``identity.AgencyIndex``).

    A round keeps no former names (the registry's are not stored), so a renamed agency matches
    only by its code."""
    from cchc_xl.read.identity import AgencyIndex

    return AgencyIndex([{"name": a["name"], "code": a["code"], "level": a["level"]} for a in rows])


def match_agency(rows: list, ag: dict, index=None):
    """The round agency (of ``rows``) a workbook's agency is, by the identity rule; or None (also
    when several fit). ``index``: ``agency_index(rows)`` when matching many against the same rows."""
    i = (index or agency_index(rows)).match(ag.get("name"), ag.get("code"), ag.get("level"))
    return None if i is None else rows[i]


# ---- pre-filled workbooks ------------------------------------------------------------------

def prefilled_workbooks(appraisal: Path, year: int, kind: str, folder: Path) -> list[tuple[dict, Path]]:
    """``distribute`` of the round's appraisal workbook into ``folder``: (agency of each, workbook)."""
    from cchc_xl.cycle.distribute import distribute
    from cchc_xl.read.appraisal import DistributeError

    try:
        paths = distribute(appraisal, folder, year=year, kind=kind)
    except DistributeError as exc:
        lines = [f"{i.sheet}!{i.cell}: {i.message}" for i in getattr(exc, "issues", [])[:20]]
        raise ServiceError(" ".join([str(exc), *lines])) from None
    return list(zip(paths.agencies, paths))


def attach_prefilled(store: Store, rid: int, items: list[tuple[dict, Path]]) -> list[str]:
    """Give each round agency its pre-filled workbook; returns the appraisal's agencies not in the
    round (also kept on the round, for its page).

    Each workbook is written durably (``Store.store_upload``) before one transaction records them
    all with the agencies not matched: the round gets all its pre-filled workbooks or none. Blocking
    (file writes, syncs): call it from a worker thread."""
    agencies = agencies_of(store, rid)
    index = agency_index(agencies)
    unknown, found = [], []
    for ag, path in items:
        row = match_agency(agencies, ag, index)
        if row is None:
            unknown.append(ag.get("name") or "?")
            continue
        stored, _ = store.store_upload(rid, Path(path).read_bytes(), f"dien_san_{row['id']}.xlsx")
        found.append((stored, row["id"]))
    with store.tx() as db:
        db.executemany("UPDATE agencies SET prefilled=? WHERE id=?", found)
        db.execute("UPDATE rounds SET prefill_unmatched=? WHERE id=?",
                   (json.dumps(unknown, ensure_ascii=False) if unknown else None, int(rid)))
    return unknown


# ---- links list -----------------------------------------------------------------------------

def links_workbook(store: Store, rid: int, base_url: str) -> bytes:
    """The agencies' submission links with the registry's contacts, ready to send (.xlsx)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    rnd = get_round(store, rid)
    wb = Workbook()
    ws = wb.active
    ws.title = "Đường dẫn nộp bài"
    ws.append([f"Đường dẫn nộp báo cáo CCHC {period_label(rnd['period'], rnd['year'])} — hạn nộp "
               f"{local_date(rnd['deadline'])}"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([])
    header = ["STT", "Tên cơ quan", "Mã", "Cấp", "Người liên hệ", "Điện thoại", "Email", "Đường dẫn nộp bài"]
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for i, a in enumerate(agencies_of(store, rid), start=1):
        row = [i, a["name"], a["code"], level_label(a["level"]), a["contact"], a["phone"], a["email"],
               link(base_url, a["token"]) or "(đã thu hồi)"]
        ws.append(row)
        for c in ws[ws.max_row]:
            if looks_like_formula(c.value):
                c.data_type = "s"
    for col, width in zip("ABCDEFGH", (5, 40, 10, 22, 24, 14, 28, 70)):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "3:3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
