"""Safe file names for the agencies' workbooks (``distribute`` writes them, ``carry`` too).

Imports nothing of the project.
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[/\\]+")
_WINDOWS_FORBIDDEN = re.compile(r'[<>:"|?*]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$",
             *(f"COM{i}" for i in "0123456789¹²³"), *(f"LPT{i}" for i in "0123456789¹²³")}
MAX_NAME_CHARS = 100
MAX_NAME_BYTES = 180  # UTF-8 bytes of the stem; Vietnamese letters take 2–3 bytes, file systems allow 255


def safe_stem(name: str | None) -> str:
    """A readable file-name stem from an agency name, safe on Windows, macOS and Linux.

    Vietnamese letters are kept (NFC). Path separators become "-", characters Windows refuses and
    control characters are dropped, leading/trailing dots, spaces and dashes go (no hidden files,
    no "..", no trailing dot), Office lock-file prefixes ("~$") go, the length is limited, and a
    reserved device name (CON, NUL.txt, COM1 …) gets a "_" after it. May return "".
    """
    s = unicodedata.normalize("NFC", str(name or ""))
    s = _SEPARATORS.sub("-", s)
    s = _WINDOWS_FORBIDDEN.sub("", s)
    s = re.sub(r"[\t\n\r\v\f\u2028\u2029\u0085]", " ", s)
    s = "".join(ch for ch in s if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"))
    s = re.sub(r"\s+", " ", s)
    s = s.strip(" .-~$")
    while len(s) > MAX_NAME_CHARS or len(s.encode("utf-8")) > MAX_NAME_BYTES:
        s = s[:-1].rstrip(" .-")
    base, dot, rest = s.partition(".")
    if base.strip().upper() in _RESERVED:
        s = f"{base.strip()}_{dot}{rest}"
    return s


def agency_file_names(agencies: list, suffix: str = ".xlsx") -> list[str]:
    """One distinct, safe file name per agency (anything with ``name`` and ``code``): its name, or
    its code, or "Cơ quan N".

    Two agencies whose names map to the same file name (also when they differ only in case, as
    Windows and macOS compare names that way) get " (2)", " (3)" … rather than overwrite each other.
    """
    taken: set[str] = set()
    out = []
    for i, ag in enumerate(agencies, start=1):
        stem = safe_stem(ag.name) or safe_stem(ag.code) or f"Cơ quan {i}"
        candidate, n = stem, 1
        while candidate.casefold() in taken:
            n += 1
            tail = f" ({n})"
            candidate = stem[: MAX_NAME_CHARS - len(tail)].rstrip(" .-") + tail
        taken.add(candidate.casefold())
        out.append(candidate + suffix)
    return out
