"""The Excel buttons through the department's server (xlwings' remote interpreter).

xlwings' VBA client (``RunRemotePython``) posts the open workbook as JSON (every worksheet's
values from A1 to the end of its used range, the defined names, the book's name and selection)
and runs the actions it gets back. The same entry points as on a PC with Python
(``cchc_xl.excel.validate_book`` / ``fill_appendix_book``) run on ``xw.Book(json=payload)`` in a
worker process, and ``book.json()`` is the answer. Authorised by the agency's link token
(``Authorization: Bearer <token>``, or the bare token as xlwings' ``auth`` sends it).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from cchc_xl.server import submissions
from cchc_xl.server.access import WRONG_ROLE, agency_by_link, is_admin_token, server_of, upload_allowed
from cchc_xl.server.auth import bearer
from cchc_xl.server.errors import Refused

router = APIRouter(prefix="/xlwings")
ENDPOINTS = ("kiem-tra", "dien-phu-luc", "nop-bao-cao")
_BAD_TITLE = re.compile(r"[\\/*?:\[\]]")  # characters Excel refuses in a sheet name
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$")


class PayloadError(Exception):
    """The request is not a workbook as xlwings' client sends it."""


def run_button(kind: str, payload: dict, message: str | None = None) -> dict:
    """In a worker: the button's actions on ``xw.Book(json=payload)``; ``message`` only alerts."""
    import xlwings as xw

    from cchc_xl import excel

    try:
        book = xw.Book(json=payload)
    except Exception:  # noqa: BLE001 - a shape _shape_problem let through but xlwings refuses
        raise PayloadError("xlwings không dựng được sổ tính từ nội dung này") from None
    if message is not None:
        from cchc_xl.workbook.vba.text import MESSAGES

        book.app.alert(message, title=MESSAGES["NutNopBaoCao"], buttons="ok", mode="info")
    elif kind == "kiem-tra":
        excel.validate_book(book)
    else:
        excel.fill_appendix_book(book)
    return book.json()


def payload_workbook(payload: dict) -> bytes:
    """In a worker: the workbook the payload describes, as an .xlsx of its values (what the
    reader needs), within the area the reader reads. Text goes through the one sanitiser; a sheet
    name Excel would not allow, or anything else openpyxl refuses, is a PayloadError."""
    from openpyxl import Workbook

    from cchc_xl.files.area import MAX_COLS, MAX_ROWS
    from cchc_xl.safetext import clean, looks_like_formula

    wb = Workbook()
    wb.remove(wb.active)
    try:
        for sheet in payload["sheets"]:
            if not sheet["name"].strip() or _BAD_TITLE.search(sheet["name"]):
                raise PayloadError(f"tên trang “{clean(sheet['name'])[:40]}” có ký tự Excel không cho phép")
            ws = wb.create_sheet(sheet["name"][:31])
            for r, row in enumerate(sheet["values"][:MAX_ROWS], start=1):
                for c, value in enumerate(row[:MAX_COLS], start=1):
                    if value is None or value == "" or isinstance(value, (dict, list)):
                        continue
                    if isinstance(value, str):
                        value = _iso_date(value) or clean(value)
                    cell = ws.cell(row=r, column=c, value=value)
                    if looks_like_formula(value):
                        cell.data_type = "s"
            if sheet["name"] == "_meta":
                ws.sheet_state = "veryHidden"
        buf = io.BytesIO()
        wb.save(buf)
    except (ValueError, TypeError):
        raise PayloadError("có ô mang giá trị mà Excel không nhận") from None
    return buf.getvalue()


def _iso_date(text: str):
    """A date as the VBA client writes it (``yyyy-mm-ddTHH:MM:SS.000Z``); None for other text,
    including text shaped like a date that is none (month 13)."""
    m = _ISO.match(text)
    if not m:
        return None
    try:
        return dt.datetime(*map(int, m.groups()[:6]))
    except ValueError:
        return None


def _agency(request: Request):
    """The agency whose link token the button sends: ``Authorization: Bearer <token>``, or the bare
    token as xlwings' ``auth`` setting may send it; a wrong token counts against the client's
    bad-token limit, as on the agency pages."""
    value = (request.headers.get("authorization") or "").strip()
    token = bearer(request.headers) or value
    if is_admin_token(request, token):  # a valid token, of the wrong side
        raise Refused(403, WRONG_ROLE["admin"])
    return agency_by_link(request, token)


async def _payload(request: Request) -> dict:
    from cchc_xl.server.access import too_large
    from cchc_xl.server.errors import too_large_text

    body = await request.body()
    if too_large(request):  # a body without a declared length, cut at the bound by the guard
        raise Refused(413, too_large_text(server_of(request).config.max_payload))
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "Nội dung gửi lên không phải JSON của xlwings.") from None
    missing = _shape_problem(payload)
    if missing:
        raise Refused(400, f"Nội dung gửi lên không phải sổ tính do xlwings gửi ({missing}).")
    return payload


def _shape_problem(payload) -> str | None:
    """What the payload lacks of the shape xlwings' VBA client always sends (checked before
    anything is run or recorded); None when it has it."""
    if not isinstance(payload, dict):
        return "không phải một đối tượng JSON"
    if not isinstance(payload.get("version"), str):
        return "thiếu “version”"
    if not isinstance(payload.get("book"), dict) or not isinstance(payload["book"].get("name"), str):
        return "thiếu “book” với tên sổ"
    sheets = payload.get("sheets")
    if not isinstance(sheets, list) or not sheets:
        return "thiếu “sheets”"
    for i, sheet in enumerate(sheets, start=1):
        if not isinstance(sheet, dict) or not isinstance(sheet.get("name"), str) \
                or not isinstance(sheet.get("values"), list) \
                or not all(isinstance(row, list) for row in sheet["values"]):
            return f"trang thứ {i} thiếu tên hoặc bảng giá trị"
    return None


def _payload_cells(payload: dict) -> dict[str, int]:
    """Sheet name → cells holding a value in the payload (what the button's check reads)."""
    return {str(sheet["name"]): sum(1 for row in sheet["values"] for v in row if v is not None and v != "")
            for sheet in payload["sheets"]}


def _within_budget(payload: dict) -> None:
    """The payload within the cell budget of every check (``schemas/limits.json``), else 422."""
    from cchc_xl.files import budget
    from cchc_xl.files.area import UnreadableError
    from cchc_xl.server.bounds import max_cells

    try:
        budget.check(_payload_cells(payload), max_cells())
    except UnreadableError as exc:
        raise Refused(422, f"Máy chủ không kiểm tra sổ tính này: {exc.reason}.") from None


async def _actions(request: Request, agency, kind: str, payload: dict, message: str | None = None):
    from cchc_xl.server.bounds import crash_reason
    from cchc_xl.server.worker import Crashed

    try:
        return await server_of(request).workers.run(run_button, kind, payload, message, key=agency["id"])
    except PayloadError as exc:
        raise Refused(400, f"Nội dung gửi lên không phải sổ tính do xlwings gửi ({exc}).") from None
    except Crashed as exc:
        raise Refused(422, f"Máy chủ không xử lý được sổ tính này: {crash_reason(exc)}.") from None


async def _payload_as_workbook(srv, agency, payload: dict) -> bytes:
    from cchc_xl.server.bounds import crash_reason
    from cchc_xl.server.worker import Crashed

    try:
        return await srv.workers.run(payload_workbook, payload, key=agency["id"])
    except PayloadError as exc:
        raise Refused(400, f"Nội dung gửi lên không phải sổ tính do xlwings gửi ({exc}).") from None
    except Crashed as exc:
        raise Refused(422, f"Máy chủ không xử lý được sổ tính này: {crash_reason(exc)}.") from None


@router.post("/{kind}")
async def button(request: Request, kind: str):
    if kind not in ENDPOINTS:
        raise Refused(404, "Không có nút này trên máy chủ.")
    agency = _agency(request)
    payload = await _payload(request)
    srv = server_of(request)
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise Refused(503, "Máy chủ chưa bật các nút Excel: hãy đặt biến môi trường XLWINGS_LICENSE_KEY cho "
                           "dịch vụ cchc-xl (xem README) rồi khởi động lại.")
    upload_allowed(request, agency)  # every click holds a worker: the per-agency limit of uploads
    _within_budget(payload)
    from cchc_xl.server.bounds import admitted

    if kind != "nop-bao-cao":
        srv.store.audit(f"cơ quan {agency['name']}", f"nut_{kind}",
                        {"round": agency["round_id"], "agency_id": agency["id"]}, srv.client_ip(request))
        with admitted(agency):
            return JSONResponse(await _actions(request, agency, kind, payload))
    with admitted(agency):
        data = await _payload_as_workbook(srv, agency, payload)
    name = str((payload.get("book") or {}).get("name") or "bao_cao.xlsx")
    name = name.rsplit(".", 1)[0] + ".xlsx"
    answer = await submissions.accept_upload(srv.store, srv.workers, agency, data, name, True, "excel")
    v = answer["validation"]
    if answer["submitted"]:
        text = (f"Đã nộp báo cáo của {agency['name']} lên Sở Nội vụ (bài số {answer['submission']}; "
                f"{v['errors']} lỗi, {v['warnings']} cảnh báo).")
    else:
        text = f"Chưa nộp được: {answer['reason'] or answer['refusal'] or 'bài còn lỗi'}"
    body = await _actions(request, agency, kind, payload, text)
    return JSONResponse({**body, "submission": answer["submission"], "submitted": answer["submitted"]})
