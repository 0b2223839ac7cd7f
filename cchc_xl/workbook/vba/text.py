"""Vietnamese text for the VBA modules, written as ASCII-only VBA expressions.

VBA stores module source in the project's ANSI code page (1252 here), which has no room for
most Vietnamese letters (ơ, ư, ạ, ế …): a literal typed into a ``.bas`` file would turn into
question marks. So the messages live here as ordinary Python text (NFC) and are turned into
expressions such as ``"Ki" & ChrW(&H1EC3) & "m tra"`` in a generated module
(``macros/CCHC_VanBan.bas``, one function per message). The VBA side shows them with the
Unicode ``MessageBoxW`` so they also display correctly on Windows set to a non-Vietnamese
"language for non-Unicode programs".
"""

from __future__ import annotations

import re
import unicodedata

MODULE_NAME = "CCHC_VanBan"

# name → text. Names become VBA functions T_<name>; "\n" becomes a line break.
MESSAGES: dict[str, str] = {
    "TieuDe": "Công cụ báo cáo CCHC",
    "NutKiemTra": "Kiểm tra biểu mẫu",
    "NutDienPhuLuc": "Điền phụ lục",
    "NutTongHop": "Tổng hợp báo cáo",
    "ThieuPython": (
        "Máy tính này chưa cài Python, hoặc Windows không tìm thấy Python (chưa có trong PATH), "
        "nên nút bấm chưa chạy được.\n\n"
        "Hãy nhờ cán bộ công nghệ thông tin cài Python, xlwings và cchc-xl theo tài liệu "
        "hướng dẫn đi kèm biểu mẫu.\n\n"
        "Nếu Sở Nội vụ có máy chủ cchc-xl thì không cần cài gì: bấm “Cài đặt máy chủ” và dán đường dẫn "
        "nộp bài của cơ quan.\n\n"
        "Trong khi chờ, vẫn có thể xem trang “Tình trạng” (kiểm tra nhanh, không cần macro) "
        "hoặc gửi tệp để Sở Nội vụ kiểm tra bằng lệnh cchc-xl validate."
    ),
    "ThieuXlwings": (
        "Máy tính đã có Python nhưng chưa cài thư viện xlwings, nên nút bấm chưa chạy được.\n\n"
        "Hãy nhờ cán bộ công nghệ thông tin chạy lệnh: pip install xlwings"
    ),
    "ThieuCchcXl": (
        "Máy tính đã có Python và xlwings nhưng chưa cài công cụ cchc-xl, nên nút bấm chưa chạy được.\n\n"
        "Hãy nhờ cán bộ công nghệ thông tin cài gói cchc-xl (lệnh pip install, dùng tệp do Sở Nội vụ cung cấp)."
    ),
    "PythonLoi": (
        "Python trên máy này không chạy được bình thường (quá cũ hoặc cài đặt bị hỏng). "
        "Hãy nhờ cán bộ công nghệ thông tin kiểm tra lại. Mã lỗi:"
    ),
    "KhongChayDuoc": (
        "Không khởi động được Python từ Excel (Windows có thể đang chặn WScript.Shell). "
        "Hãy nhờ cán bộ công nghệ thông tin kiểm tra. Chi tiết:"
    ),
    "LoiMacro": "Nút bấm gặp lỗi khi chạy. Chi tiết:",
    # the department's server (module CCHC_MayChu)
    "NutNopBaoCao": "Nộp báo cáo",
    "NutCaiDat": "Cài đặt máy chủ",
    "HoiDuongDan": (  # Application.InputBox: at most 255 characters
        "Dán đường dẫn nộp bài mà Sở Nội vụ đã gửi cho cơ quan (dạng https://…/nop/…).\n\n"
        "Để trống rồi bấm OK: thôi dùng máy chủ, các nút chạy bằng Python trên máy này."
    ),
    "DuongDanSai": (
        "Đường dẫn không đúng dạng. Đường dẫn nộp bài bắt đầu bằng http:// hoặc https://, có đoạn /nop/ "
        "và sau đó là mã của cơ quan, ví dụ: https://cchc.sonoivu.gov.vn/nop/8Qm2…\n\n"
        "Hãy sao chép nguyên đường dẫn từ thư của Sở Nội vụ rồi thử lại."
    ),
    "DaLuuMayChu": (
        "Đã lưu cài đặt cho người dùng này trên máy này. Từ nay các nút Kiểm tra, Điền phụ lục và Nộp báo cáo "
        "chạy trên máy chủ của Sở Nội vụ, không cần cài Python. Máy chủ:"
    ),
    "DaXoaMayChu": (
        "Đã xóa cài đặt máy chủ. Các nút Kiểm tra và Điền phụ lục sẽ chạy bằng Python trên máy này; "
        "nút Nộp báo cáo cần cài đặt lại máy chủ."
    ),
    "CanMayChu": (
        "Nút Nộp báo cáo gửi biểu mẫu lên máy chủ của Sở Nội vụ, nhưng máy này chưa được cài đặt máy chủ.\n\n"
        "Bấm nút “Cài đặt máy chủ” và dán đường dẫn nộp bài mà Sở Nội vụ đã gửi cho cơ quan."
    ),
    "XacNhanNop": (
        "Gửi biểu mẫu đang mở (kể cả những chỗ chưa lưu) lên Sở Nội vụ để nộp báo cáo?\n\n"
        "Máy chủ kiểm tra lại toàn bộ; bài còn lỗi chưa được nộp và máy chủ cho biết cần sửa gì."
    ),
    "KhongKetNoi": (
        "Không kết nối được máy chủ của Sở Nội vụ. Hãy kiểm tra mạng, hoặc nhờ cán bộ công nghệ thông tin "
        "kiểm tra địa chỉ máy chủ đã cài đặt (nút “Cài đặt máy chủ”). Địa chỉ:"
    ),
    "MayChuTuChoi": "Máy chủ của Sở Nội vụ không thực hiện được yêu cầu",
    "ChuaMoSo": "Chưa có sổ nào đang mở. Hãy mở biểu mẫu báo cáo của cơ quan rồi bấm lại.",
}


def vba_string(text: str) -> str:
    """One VBA expression equal to ``text`` using only ASCII characters."""
    parts = _pieces(text)
    return " & ".join(parts) if parts else '""'


def _pieces(text: str) -> list[str]:
    text = unicodedata.normalize("NFC", text)
    parts: list[str] = []
    run = ""
    for ch in text:
        if ch == "\n":
            if run:
                parts.append('"' + run + '"')
                run = ""
            parts.append("vbCrLf")
        elif 32 <= ord(ch) < 127:
            run += '""' if ch == '"' else ch
        else:
            if run:
                parts.append('"' + run + '"')
                run = ""
            parts.append(f"ChrW(&H{ord(ch):04X})")
    if run:
        parts.append('"' + run + '"')
    return parts


def _statements(var: str, text: str, width: int = 900) -> list[str]:
    """``var = …`` then ``var = var & …`` lines, each under VBA's line length limit."""
    pieces = _pieces(text) or ['""']
    lines, cur = [], ""
    for p in pieces:
        if cur and len(cur) + len(p) + 3 > width:
            lines.append(cur)
            cur = p
        else:
            cur = f"{cur} & {p}" if cur else p
    lines.append(cur)
    return [f"    {var} = {lines[0]}"] + [f"    {var} = {var} & {x}" for x in lines[1:]]


def generate_module(messages: dict[str, str] | None = None) -> str:
    """The text of ``macros/CCHC_VanBan.bas`` (CRLF line ends, ASCII only)."""
    messages = MESSAGES if messages is None else messages
    out = [
        f'Attribute VB_Name = "{MODULE_NAME}"',
        "' TU DONG SINH TU cchc_xl/workbook/vba/text.py - KHONG SUA TAY.",
        "' Chay: python -m cchc_xl.build_templates",
        "' Chu tieng Viet duoc ghep bang ChrW() vi ma nguon VBA chi chua ky tu ANSI.",
        "Option Explicit",
        "Option Private Module",
        "",
    ]
    for name, text in messages.items():
        out.append(f"Public Function T_{name}() As String")
        out += _statements(f"T_{name}", text)
        out.append("End Function")
        out.append("")
    return "\r\n".join(out) + "\r\n"


_TOKEN = re.compile(r'"((?:[^"]|"")*)"|ChrW\(&H([0-9A-Fa-f]+)\)|(vbCrLf)')


def decode_vba_string(expr: str) -> str:
    """The text a VBA expression made by :func:`vba_string` evaluates to (for tests)."""
    out = []
    for m in _TOKEN.finditer(expr):
        if m.group(1) is not None:
            out.append(m.group(1).replace('""', '"'))
        elif m.group(2):
            out.append(chr(int(m.group(2), 16)))
        else:
            out.append("\n")
    return "".join(out)


def decode_module(text: str) -> dict[str, str]:
    """Function name → the text each ``T_…`` function of a generated module returns."""
    result: dict[str, str] = {}
    for m in re.finditer(r"^Public Function (T_\w+)\(\) As String\r?\n(.*?)^End Function", text, re.M | re.S):
        name, body = m.group(1), m.group(2)
        value = ""
        for line in body.splitlines():
            line = line.strip()
            prefix_more, prefix_first = f"{name} = {name} & ", f"{name} = "
            if line.startswith(prefix_more):
                value += decode_vba_string(line[len(prefix_more):])
            elif line.startswith(prefix_first):
                value = decode_vba_string(line[len(prefix_first):])
        result[name] = value
    return result
