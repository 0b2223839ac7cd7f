"""Messy real-world input → clean values: Vietnamese text, numbers, dates, statuses, deadlines.

Every parser returns what it understood *and* whether there was doubt, so that the reader can
point the user at the cell instead of silently guessing.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from cchc_xl.numtext import tidy
from cchc_xl.safetext import clean

EXCEL_ERRORS = {"#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!",
                "#GETTING_DATA"}

# ---- text ----------------------------------------------------------------------------------

class _Spaces:
    """The spaces ``schemas/checks.json`` declares (``spaces``), which the workbook's formulas clean
    the same way: ``blank`` ones are one space, ``invisible`` ones are dropped."""

    @staticmethod
    @lru_cache(maxsize=1)
    def rule() -> tuple[re.Pattern, dict]:
        from cchc_xl import spec

        decl = spec.load("checks")["spaces"]
        blank = re.compile("[" + "".join(re.escape(c) for c in decl["blank"]) + "]+")
        return blank, {ord(c): None for c in decl["invisible"]}

    def sub(self, repl: str, text: str) -> str:
        blank, invisible = self.rule()
        return blank.sub(repl, text.translate(invisible))


_SPACES = _Spaces()
_ROMAN = {"I": 1, "II": 2, "III": 3, "IV": 4}


def clean_text(value, multiline: bool = False) -> str | None:
    """NFC, stray spaces removed; line breaks kept only for long texts. Empty → None."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = unicodedata.normalize("NFC", clean(str(value), limit=None)).replace("\r\n", "\n").replace("\r", "\n")
    if multiline:
        lines = [_SPACES.sub(" ", ln).strip() for ln in s.split("\n")]  # a line break kept, not a space
        s = "\n".join(ln for ln in lines if ln)
    else:
        s = _SPACES.sub(" ", s.replace("\n", " ")).strip()
    return s or None


def fold(value) -> str:
    """Comparison key insensitive to case, spacing, diacritics and Unicode form."""
    s = unicodedata.normalize("NFD", str(value or "")).replace("đ", "d").replace("Đ", "D")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return _SPACES.sub(" ", s.replace("\n", " ")).strip().casefold()


# Characters that never occur in Unicode Vietnamese text but fill text typed in the legacy
# TCVN3 (ABC) fonts (.VnTime …), and the VNI fonts' tone-mark bytes that follow a vowel.
_TCVN3_MARKS = set("¸µ¶·¹¨»¾¼½Æ®¬¦§¢¤¥¡£ÑÒÓÔÕÖ×ØÜÝÞßãåæçèéëìíîïñòóôõöøùúûüýþ")
_TCVN3_STRONG = set("¸µ¶·¹»¾¼½Æ®¬¦§¢¤¥¡£Ñ×ØÜÞß")
_VNI_STRONG = re.compile(r"[aeiouyâêôöAEIOUYÂÊÔÖ][øûïë]|ñ")
# Letters only Unicode Vietnamese has (VNI text reuses â, ê, ô and Latin-1 accented letters).
_VIET = re.compile(r"[ăđơưĂĐƠƯạ-ỹẠ-Ỹ]")


def legacy_encoding(value) -> str | None:
    """``"TCVN3"`` or ``"VNI"`` when text looks typed in a legacy 8-bit Vietnamese font."""
    if not isinstance(value, str) or len(value) < 3:
        return None
    if _VIET.search(unicodedata.normalize("NFC", value)):
        return None
    strong = sum(ch in _TCVN3_STRONG for ch in value)
    if strong >= 2 or (strong == 1 and sum(ch in _TCVN3_MARKS for ch in value) >= 2):
        return "TCVN3"
    if len(_VNI_STRONG.findall(value)) >= 2:
        return "VNI"
    return None


def is_error_value(value) -> bool:
    return isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS


# ---- numbers -------------------------------------------------------------------------------

@dataclass
class Number:
    value: float | int | None
    ok: bool = True
    ambiguous: bool = False
    percent_sign: bool = False


_NUM_CHARS = re.compile(r"^[+-]?[0-9.,]+$")


def parse_number(value, prefer: str = "decimal") -> Number:
    """A number typed the Vietnamese way, the English way, or as a real number.

    ``prefer`` says how to read a lone dot followed by exactly three digits ("1.216"):
    ``"decimal"`` (a score) or ``"thousands"`` (a count). Either way it is flagged ambiguous.
    """
    if value is None or value == "":
        return Number(None)
    if isinstance(value, bool):
        return Number(None, ok=False)
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
            return Number(None, ok=False)
        return Number(tidy(value))
    ignored, max_length = _number_text()
    s = clean(str(value), limit=None).translate(ignored)
    if not s:
        return Number(None)
    pct = s.endswith("%")
    if pct:
        s = s[:-1]
    if not _NUM_CHARS.match(s) or not re.search(r"\d", s) or len(s.lstrip("+-")) > max_length:
        return Number(None, ok=False)
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("+-")
    ambiguous = False
    if "," in s and "." in s:
        dec = "," if s.rfind(",") > s.rfind(".") else "."
        thou = "." if dec == "," else ","
        s = s.replace(thou, "").replace(dec, ".")
    elif "," in s:
        parts = s.split(",")
        if len(parts) == 2:
            s = s.replace(",", ".")
        elif all(len(p) == 3 for p in parts[1:]):
            s = s.replace(",", "")
        else:
            return Number(None, ok=False)
    elif "." in s:
        parts = s.split(".")
        if len(parts) > 2:
            if all(len(p) == 3 for p in parts[1:]):
                s = s.replace(".", "")
            else:
                return Number(None, ok=False)
        elif len(parts[1]) == 3 and parts[0] not in ("", "0"):
            ambiguous = True
            if prefer == "thousands":
                s = s.replace(".", "")
    try:
        num = float(s) * sign
    except ValueError:
        return Number(None, ok=False)
    return Number(tidy(num), ambiguous=ambiguous, percent_sign=pct)


@lru_cache(maxsize=1)
def _number_text() -> tuple[dict, int]:
    """What a number typed as text may hold besides its digits (``number_text`` of
    schemas/checks.json, which the workbook's formulas follow too): the spaces dropped, the
    longest it may be."""
    from cchc_xl import spec

    decl = spec.load("checks")
    spaces = decl["spaces"]
    return {ord(ch): None for ch in spaces["blank"] + spaces["invisible"]}, decl["number_text"]["max_length"]


# ---- dates ---------------------------------------------------------------------------------

_DMY = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$")


def parse_date(value) -> dt.date | None:
    """An Excel date, an ISO date or dd/mm/yyyy text; None when it is none of these."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20000 < value < 80000:
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    s = clean_text(value)
    if not s:
        return None
    m = _DMY.match(s)
    try:
        if m:
            return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        m = _ISO.match(s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None
    return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


@dataclass
class Deadline:
    kind: str  # "ongoing" | "date" | "unknown"
    due: dt.date | None = None


_D_ONGOING = re.compile(r"^(thuong xuyen|lien tuc|hang nam|hang thang|hang quy|tu (thang|quy) [^d]*$)")
_D_DATE = re.compile(r"(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})")
_D_MONTH = re.compile(r"thang\s*(\d{1,2})\s*[/\-]\s*(\d{4})|thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_D_QUARTER = re.compile(r"quy\s*(iv|iii|ii|i|[1-4])\s*[/\-]?\s*(?:nam\s*)?(\d{4})")
_D_HALF = re.compile(r"6 thang (dau|cuoi) nam\s*(\d{4})")
_D_YEAR = re.compile(r"nam\s*(\d{4})")
_D_RANGE_MONTH = re.compile(r"den thang\s*(\d{1,2})(?:\s*[/\-]\s*(\d{4}))?")


def parse_deadline(text, year: int | None = None) -> Deadline:
    """Free-text deadline → ongoing, a due date, or unknown.

    "Thường xuyên" → ongoing; "Năm 2024" / "Trong năm 2024" → 31/12/2024; "Quý III/2021" →
    30/9/2021; "tháng 10/2023" → 31/10/2023; "30/4/2023" → that day; "Từ tháng 1 đến tháng 12"
    → end of December of the report year.
    """
    if isinstance(text, (dt.date, dt.datetime)):
        return Deadline("date", parse_date(text))
    f = fold(text)
    if not f:
        return Deadline("unknown")
    if "thuong xuyen" in f:  # "Quý I/2023; Thường xuyên": an ongoing part cannot be overdue
        return Deadline("ongoing")
    m = _D_DATE.search(f)
    if m:
        d = parse_date(f"{m.group(1)}/{m.group(2)}/{m.group(3)}")
        if d:
            return Deadline("date", d)
    m = _D_RANGE_MONTH.search(f)
    if m:
        y = int(m.group(2)) if m.group(2) else year
        if y and 1 <= int(m.group(1)) <= 12:
            return Deadline("date", _month_end(y, int(m.group(1))))
    if _D_ONGOING.match(f):
        return Deadline("ongoing")
    m = _D_MONTH.search(f)
    if m:
        month = int(m.group(1) or m.group(3))
        y = int(m.group(2) or m.group(4))
        if 1 <= month <= 12:
            return Deadline("date", _month_end(y, month))
    m = _D_QUARTER.search(f)
    if m:
        q = m.group(1)
        q = _ROMAN[q.upper()] if not q.isdigit() else int(q)
        if f.startswith("tu "):
            return Deadline("ongoing")
        return Deadline("date", _month_end(int(m.group(2)), q * 3))
    m = _D_HALF.search(f)
    if m:
        return Deadline("date", _month_end(int(m.group(2)), 6 if m.group(1) == "dau" else 12))
    m = _D_YEAR.search(f)
    if m:
        return Deadline("date", dt.date(int(m.group(1)), 12, 31))
    return Deadline("unknown")


# ---- codes, statuses, enums ----------------------------------------------------------------

_CODE_PREFIX = re.compile(r"^(tieu chi thanh phan|tieu chi|tctp|muc|linh vuc|chi tieu|ma)\s*[:.]?\s*", re.I)


def parse_code(value) -> str | None:
    """"Tiêu chí 5. 7.2." → "5.7.2"; "7A.1" → "7a.1"; numbers read back from Excel as text."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = clean_text(value)
    if not s:
        return None
    folded = fold(s)
    m = _CODE_PREFIX.match(folded)
    if m:
        s = s[m.end():]
    s = re.sub(r"\s+", "", s).rstrip(".:").lower()
    return s or None
