"""Jinja2 text templates shipped in ``cchc_xl/templates`` (titles, sentences, guide text).

A province can override any template by putting a file of the same name in a folder named by
``CCHC_XL_TEMPLATE_DIR``; a broken template gives a Vietnamese message, not a traceback: any
error while loading or rendering one (syntax, unknown name, a division by zero, a filter given
the wrong kind of value…) becomes a ``RenderError`` naming the template file and, when known,
the line.
"""

from __future__ import annotations

import os
import re
import traceback
from functools import lru_cache
from pathlib import Path


class RenderError(Exception):
    """A text template is missing or broken (message in Vietnamese)."""


class _FilterError(Exception):
    """Raised by our filters with a Vietnamese message (becomes a RenderError)."""


_KIND_WORDS = {"dict": "một bảng (từ điển)", "list": "một danh sách", "tuple": "một danh sách",
               "set": "một tập hợp", "str": "một đoạn chữ", "int": "một số", "float": "một số",
               "bool": "một giá trị đúng/sai", "NoneType": "giá trị rỗng (none)"}


def _kind_of(value) -> str:
    name = type(value).__name__
    return _KIND_WORDS.get(name, f"giá trị kiểu {name}")


def _vn_filter(value, decimals=None):
    """``|vn``: a number in Vietnamese style; text and none pass through."""
    from cchc_xl.numtext import format_number

    if value is not None and not isinstance(value, (int, float, str)):
        raise _FilterError(f"bộ lọc “vn” chỉ dùng cho số, ở đây nhận {_kind_of(value)}")
    if decimals is not None and (isinstance(decimals, bool) or not isinstance(decimals, int)):
        raise _FilterError(f"bộ lọc “vn” cần số chữ số thập phân là số nguyên, ở đây nhận {_kind_of(decimals)}")
    return format_number(value, decimals)


@lru_cache(maxsize=4)
def _env(extra: str | None):
    import jinja2

    paths = [p for p in (extra or "").split(os.pathsep) if p] + [str(Path(__file__).resolve().parent.parent / "templates")]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["vn"] = _vn_filter
    return env


# ---- English → Vietnamese ------------------------------------------------------------------

_UNDEFINED = [
    (re.compile(r"^'([^']+)' is undefined$"), "dùng tên chưa được khai báo: {0}"),
    (re.compile(r"^'(.+?) object' has no attribute '([^']+)'$"), "{0} không có thuộc tính “{1}”"),
    (re.compile(r"^'(.+?) object' has no element (.+)$"), "{0} không có phần tử {1}"),
    (re.compile(r"^(\w+) object has no attribute '([^']+)'$"), "{0} không có thuộc tính “{1}”"),
    (re.compile(r"^(\w+) object has no element (.+)$"), "{0} không có phần tử {1}"),
    (re.compile(r"^(.+?) has no attribute '([^']+)'$"), "{0} không có thuộc tính “{1}”"),
    (re.compile(r"^(.+?) has no element (.+)$"), "{0} không có phần tử {1}"),
    (re.compile(r"^No filter named '([^']+)'\.?$"), "không có bộ lọc tên “{0}”"),
    (re.compile(r"^No test named '([^']+)'\.?$"), "không có phép thử tên “{0}”"),
]
_OBJECT_WORDS = {"dict": "bảng", "list": "danh sách", "str": "đoạn chữ", "int": "số", "float": "số",
                 "NoneType": "giá trị rỗng", "tuple": "danh sách"}

_SYNTAX = [
    (re.compile(r"^Unexpected end of template\. Jinja was looking for the following tags: (.+?)\. "
                r"The innermost block that needs to be closed is '([^']+)'\.?$", re.S),
     "mẫu kết thúc khi khối “{1}” chưa được đóng (cần {0})"),
    (re.compile(r"^Unexpected end of template.*$", re.S), "mẫu kết thúc đột ngột (còn khối hoặc ngoặc chưa đóng)"),
    (re.compile(r"^Encountered unknown tag '([^']+)'\. Jinja was looking for the following tags: (.+?)\. "
                r"The innermost block that needs to be closed is '([^']+)'\.?$", re.S),
     "thẻ “{0}” không đúng chỗ: khối “{2}” đang mở, cần {1}"),
    (re.compile(r"^Encountered unknown tag '([^']+)'.*$", re.S), "thẻ không biết: “{0}”"),
    (re.compile(r"^unexpected end of template, expected '([^']+)'\.?$"),
     "mẫu kết thúc khi còn thiếu “{0}”"),
    (re.compile(r"^expected token '([^']+)', got '([^']+)'$"), "cần “{0}” nhưng gặp “{1}”"),
    (re.compile(r"^unexpected '([^']+)'$"), "ký hiệu không đúng chỗ: “{0}”"),
    (re.compile(r"^unexpected char '(.+)' at \d+$"), "ký tự không hợp lệ: “{0}”"),
    (re.compile(r"^unexpected end of comment$"), "chú thích {{# … #}} chưa được đóng"),
    (re.compile(r"^Missing end of comment tag$"), "chú thích {{# … #}} chưa được đóng"),
    (re.compile(r"^no filter named '([^']+)'\.?$", re.I), "không có bộ lọc tên “{0}”"),
    (re.compile(r"^no test named '([^']+)'\.?$", re.I), "không có phép thử tên “{0}”"),
    (re.compile(r"^tag name expected$"), "thiếu tên thẻ sau {{%"),
    (re.compile(r"^Expected an expression, got '([^']+)'$"), "cần một biểu thức nhưng gặp “{0}”"),
    (re.compile(r"^(?:Block|block) '([^']+)' defined twice$"), "khối “{0}” được khai báo hai lần"),
]
_TOKEN_WORDS = {"end of print statement": "}}", "end of statement block": "%}", "end of template": "hết mẫu",
                "name": "một tên", "integer": "một số", "string": "một đoạn chữ"}


def _words(token: str) -> str:
    if re.fullmatch(r"'[^']+'(?: or '[^']+')+", token):  # jinja's list of tags it was looking for
        tags = [f"{{% {t} %}}" for t in re.findall(r"'([^']+)'", token)]
        return ", ".join(tags[:-1]) + " hoặc " + tags[-1]
    return _TOKEN_WORDS.get(token, token)


def _translate(message: str, table) -> str | None:
    message = (message or "").strip()
    for rx, text in table:
        m = rx.match(message)
        if m:
            groups = [_OBJECT_WORDS.get(g, _words(g)) for g in m.groups()]
            return text.format(*groups)
    return None


def _runtime_words(exc: BaseException) -> str:
    """What went wrong while rendering, in Vietnamese."""
    import jinja2

    if isinstance(exc, _FilterError):
        return str(exc)
    if isinstance(exc, jinja2.UndefinedError):
        return _translate(str(exc.message or exc), _UNDEFINED) or "dùng tên hoặc thuộc tính chưa được khai báo"
    if isinstance(exc, ZeroDivisionError):
        return "phép chia cho 0"
    if isinstance(exc, OverflowError):
        return "số quá lớn"
    if isinstance(exc, TypeError):
        return "phép tính hoặc bộ lọc dùng sai kiểu giá trị (ví dụ cộng chữ với số)"
    if isinstance(exc, ValueError):
        return "giá trị không dùng được cho phép tính hoặc bộ lọc (ví dụ đổi chữ thành số)"
    if isinstance(exc, (KeyError, IndexError)):
        return "lấy phần tử không có trong bảng hoặc danh sách"
    if isinstance(exc, RecursionError):
        return "mẫu gọi lồng nhau không dừng"
    if isinstance(exc, jinja2.TemplateRuntimeError):
        return "lỗi khi thực hiện mẫu"
    return f"lỗi khi thực hiện mẫu ({type(exc).__name__})"


def _template_frame(exc: BaseException, env) -> tuple[str | None, int | None]:
    """The template file and line where a rendering error happened (jinja rewrites tracebacks so
    template lines show as frames whose file name is the template's)."""
    roots = [os.path.abspath(p) for p in env.loader.searchpath]
    found = (None, None)
    for fr in traceback.extract_tb(exc.__traceback__):
        fn = fr.filename or ""
        if fn.endswith(".py") or fn.startswith("<"):
            continue
        if any(os.path.abspath(fn).startswith(r + os.sep) for r in roots) or os.path.isfile(fn):
            found = (fn, fr.lineno)
    return found


def _where(file: str | None, name: str, line: int | None) -> str:
    text = f"Mẫu văn bản {file or name}"
    if line:
        text += f" (dòng {line})"
    return text


def _load_error(exc: BaseException, name: str) -> RenderError | None:
    """A missing or unreadable template, or a syntax error (also of an included one)."""
    import jinja2

    if isinstance(exc, jinja2.TemplateNotFound):
        return RenderError(f"Không tìm thấy mẫu văn bản {exc.name or name}")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        detail = _translate(exc.message or "", _SYNTAX)
        if detail is None:
            detail = f"chi tiết kỹ thuật: {exc.message}"
        return RenderError(f"Mẫu văn bản {exc.filename or exc.name or name} bị lỗi cú pháp ở dòng {exc.lineno}: "
                           f"{detail}")
    if isinstance(exc, UnicodeDecodeError):
        return RenderError(f"Mẫu văn bản {name} không phải chữ Unicode (UTF-8); hãy lưu lại tệp với mã UTF-8")
    if isinstance(exc, OSError):
        return RenderError(f"Không đọc được mẫu văn bản {name}: {exc.strerror or exc}")
    return None


def render(name: str, **context) -> str:
    env = _env(os.environ.get("CCHC_XL_TEMPLATE_DIR"))
    try:
        template = env.get_template(name)
    except Exception as exc:  # anything jinja may raise while loading: still one clear line
        raise (_load_error(exc, name) or RenderError(f"Không nạp được mẫu văn bản {name} ({type(exc).__name__})")) \
            from None
    try:
        return template.render(**context).strip()
    except RenderError:
        raise
    except Exception as exc:
        known = _load_error(exc, name)
        if known is not None:  # an {% include %} of a missing or broken template
            raise known from None
        file, line = _template_frame(exc, env)
        raise RenderError(f"{_where(file or template.filename, name, line)}: {_runtime_words(exc)}") from None
