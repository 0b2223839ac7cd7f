"""Jinja2 text templates shipped in ``cchc_xl/templates`` (titles, sentences, guide text).

A province can override any template by putting a file of the same name in a folder named by
``CCHC_XL_TEMPLATE_DIR``; a broken template gives a Vietnamese message, not a traceback.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path


class RenderError(Exception):
    """A text template is missing or broken (message in Vietnamese)."""


@lru_cache(maxsize=4)
def _env(extra: str | None):
    import jinja2

    from .normalize import format_number

    paths = [p for p in (extra or "").split(os.pathsep) if p] + [str(Path(__file__).parent / "templates")]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(paths), autoescape=False,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=False,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["vn"] = format_number
    return env


def render(name: str, **context) -> str:
    import jinja2

    try:
        return _env(os.environ.get("CCHC_XL_TEMPLATE_DIR")).get_template(name).render(**context).strip()
    except jinja2.TemplateNotFound:
        raise RenderError(f"Không tìm thấy mẫu văn bản {name}") from None
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"Mẫu văn bản {exc.filename or name} bị lỗi cú pháp ở dòng {exc.lineno}: {exc.message}") \
            from None
    except jinja2.UndefinedError as exc:
        raise RenderError(f"Mẫu văn bản {name} dùng tên chưa được khai báo: {exc.message}") from None
