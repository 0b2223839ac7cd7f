"""The canonical report's JSON schema (``schemas/report.schema.json``) with Vietnamese messages,
and loading a report document checked against it.

Below ``validate`` (which checks everything else of a report) and above the declarations: it
imports only ``spec``, ``fastschema`` and ``jsonfile``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cchc_xl import spec
from cchc_xl.spec.fastschema import explain_error, missing_property
from cchc_xl.spec.jsonfile import ReportError, load_json


class _VietnameseValidator:
    """jsonschema's validator whose errors carry a Vietnamese ``message`` (jsonschema's own text is
    English and may show a regular expression); everything else of each error is unchanged."""

    def __init__(self, real):
        self._real = real

    def iter_errors(self, doc):
        for err in self._real.iter_errors(doc):
            if err.validator == "required":
                missing_property(err)  # read from jsonschema's English text before it is replaced
            err.message = schema_error_text(err)
            yield err

    def is_valid(self, doc) -> bool:
        return self._real.is_valid(doc)

    def __getattr__(self, name):
        return getattr(self._real, name)


@lru_cache(maxsize=1)
def _schema_validator():
    import jsonschema

    return _VietnameseValidator(jsonschema.Draft202012Validator(
        spec.load("report.schema"), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER))


@lru_cache(maxsize=1)
def _fast_schema_check():
    from cchc_xl.spec.fastschema import NotCompilable, compile_schema

    try:
        return compile_schema(spec.load("report.schema"))
    except NotCompilable:
        return None


def schema_errors(doc: dict) -> list:
    """jsonschema's errors for a document, sorted by path; a quick pre-check skips valid ones."""
    fast = _fast_schema_check()
    if fast is not None and fast(doc):
        return []
    return sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))


@lru_cache(maxsize=1)
def _titles() -> dict[str, str]:
    """Field key (last path parts) → the Vietnamese column title users see."""
    s = spec.sheets()["sheets"]
    titles = {f["key"]: f["title"] for f in s["info"]["fields"]}
    for c in s["scores"]["area_columns"]:
        title = c["title"]
        titles[f"areas.{c['key']}"] = title if "lĩnh vực" in title.lower() else f"{title} của lĩnh vực"
    for c in s["scores"]["deduction_columns"]:
        titles[f"deductions.{c['key']}"] = c["title"]
    for c in s["remediation"]["columns"]:
        titles[f"remediation.{c['key']}"] = c["title"]
    titles.setdefault("remediation.due_date", "Hạn hoàn thành tính được (due_date)")
    titles.setdefault("remediation.carried_from", "Kỳ chuyển sang (carried_from)")
    return titles


# Names of the document's parts that are not a single field (for JSON documents and whole groups).
_GROUP_TITLES = {
    "schema_version": "Phiên bản tài liệu (schema_version)", "agency": "Thông tin cơ quan (agency)",
    "period": "Kỳ báo cáo (period)", "report": "Số và ngày báo cáo (report)",
    "preparer": "Người lập biểu (preparer)", "areas": "Điểm từng lĩnh vực (areas)",
    "deductions": "Tiêu chí bị trừ điểm (deductions)", "remediation": "Khắc phục (remediation)",
    "indicators": "Số liệu Phụ lục III (indicators)", "propaganda": "Số liệu Phụ lục I (propaganda)",
}


def title_for(parts: list) -> str:
    titles = _titles()
    if parts and parts[0] in ("indicators", "propaganda") and len(parts) >= 2:
        return f"Số liệu chỉ tiêu {parts[1]}"
    named = [p for p in parts if isinstance(p, str)]
    title = titles.get(".".join(named)) or titles.get(".".join(named[:1] + named[-1:]))
    if title:
        return title
    if not parts:
        return "Tài liệu"
    for k in range(len(named) - 1, 0, -1):  # a field inside a titled one: carried_from.year
        outer = titles.get(".".join(named[:k]))
        if outer:
            return f"{outer}, trường “{'.'.join(named[k:])}”"
    if len(named) == 1 and named[0] in _GROUP_TITLES:
        group = _GROUP_TITLES[named[0]]
        return f"{group}, dòng {parts[-1] + 1}" if isinstance(parts[-1], int) else group
    return "trường “" + ".".join(map(str, parts)) + "”"


# An example of the right form, for values that do not match a pattern of the schema.
_EXAMPLES = {"areas.code": "1, 7a", "report.date": "2024-06-15", "remediation.due_date": "2024-09-30",
             "indicators": "1.1.1, 3.1.3.1", "propaganda": "01, 02"}


def example_for(parts: list) -> str | None:
    named = [p for p in parts if isinstance(p, str)]
    return _EXAMPLES.get(".".join(named)) or _EXAMPLES.get(".".join(named[:1] + named[-1:])) \
        or (_EXAMPLES.get(named[0]) if named and named[0] in ("indicators", "propaganda") else None)


def deepest_error(err):
    """For an ``anyOf`` whose value has the right type but is wrong inside (a date of the wrong
    form, a bad field of an object), the error that says what is wrong inside."""
    while err.validator in ("anyOf", "oneOf") and err.context:
        inner = [e for e in err.context if e.validator != "type" or e.relative_path]
        if not inner:
            break
        from jsonschema.exceptions import best_match

        err = best_match(inner)
    return err


def is_date_field(err) -> bool:
    return list(err.absolute_path)[-1:] in (["date"], ["due_date"])


def is_code_name_error(err) -> bool:
    """An indicator code (a key of ``indicators``/``propaganda``) not of the form of a code."""
    return err.validator == "propertyNames" or "propertyNames" in err.relative_schema_path


def error_parts(err) -> list:
    parts = list(err.absolute_path)
    if err.validator == "required":
        parts.append(missing_property(err))
    return parts


def schema_error_text(err) -> str:
    """A jsonschema error of the canonical report as one Vietnamese sentence naming the field."""
    err = deepest_error(err)
    parts = error_parts(err)
    title = title_for(parts)
    key = ".".join(str(p) for p in parts)
    if err.validator == "required":
        return f"thiếu {title}" + (f" (trường “{key}”)" if key not in title else "")
    if is_code_name_error(err):
        return f"Mã chỉ tiêu “{err.instance}” không đúng dạng mã (ví dụ: {example_for(parts) or '1.1.1'})"
    if err.validator == "minLength" and err.validator_value == 1:
        return f"{title}: không được để trống"
    return explain_error(err, title, example_for(parts))


def load_report(path: str | os.PathLike, check=None) -> dict:
    """A canonical report from JSON, checked against the schema (structure only); ``check(doc,
    name)`` first, on the document as parsed (``load_json``), may refuse it."""
    name = Path(path).name
    if not Path(path).exists():
        raise ReportError(f"{path}: không tìm thấy tệp")
    doc = load_json(path, check=check)
    if not isinstance(doc, dict):
        raise ReportError(f"{name}: tài liệu JSON phải là một đối tượng báo cáo")
    errors = sorted(_schema_validator().iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        more = f" (và {len(errors) - 1} lỗi khác)" if len(errors) > 1 else ""
        # the validator's messages are Vietnamese and name the field as users know it
        raise ReportError(f"{name}: không đúng cấu trúc báo cáo chuẩn: {errors[0].message}{more}")
    return doc
