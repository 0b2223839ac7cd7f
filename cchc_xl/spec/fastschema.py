"""A fast yes/no JSON Schema check, compiled once from ``report.schema.json``.

Reading hundreds of workbooks, the full jsonschema pass over each valid document is a
noticeable part of the time. ``compile_schema`` turns the common keywords our schema uses into
plain Python predicates; validation asks it first and only runs jsonschema (which explains
the errors) when it says no, so the issues found are exactly the same. Unknown keywords raise
``NotCompilable`` and then jsonschema alone is used.

``explain_error`` turns one jsonschema error into a plain Vietnamese sentence by the kind of
rule broken (jsonschema's own messages are English and may show a regular expression).
"""

from __future__ import annotations

import datetime as dt
import json
import re


class NotCompilable(Exception):
    """The schema uses a keyword this checker does not know."""


_SCHEMA_TYPES = {
    "null": lambda v: v is None,
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "string": lambda v: isinstance(v, str),
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}
# The exact Python types each JSON type accepts at once (a float needs a look for "integer").
_EXACT_TYPES = {"null": (type(None),), "boolean": (bool,), "integer": (int,), "number": (int, float),
                "string": (str,), "array": (list,), "object": (dict,)}
_SCHEMA_NOTES = {"$schema", "$id", "title", "description", "$defs", "$comment", "examples", "default"}


def _same(a, b) -> bool:
    """Equality as JSON Schema sees it: booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def compile_schema(schema: dict, root: dict | None = None, _refs: dict | None = None):
    """A fast yes/no check for a JSON Schema using only common keywords.

    It answers True only for documents the schema accepts, and is stricter where in doubt
    (dates), so a True lets the full jsonschema pass be skipped; anything else goes to
    jsonschema, which explains the errors. Raises NotCompilable for keywords it does not know.
    """
    root = root if root is not None else schema
    refs = _refs if _refs is not None else {}
    if schema is True or schema == {}:
        return lambda v: True
    if schema is False:
        return lambda v: False
    checks = []
    for key, arg in schema.items():
        if key in _SCHEMA_NOTES:
            continue
        if key == "type":
            types = [arg] if isinstance(arg, str) else list(arg)
            fns = [_SCHEMA_TYPES[t] for t in types]
            exact = frozenset(x for t in types for x in _EXACT_TYPES[t])
            checks.append(lambda v, fns=fns, exact=exact: type(v) in exact or any(f(v) for f in fns))
        elif key == "enum":
            # a str equals only a str: one look-up for the usual case
            texts = frozenset(e for e in arg if type(e) is str)
            checks.append(lambda v, arg=arg, texts=texts: v in texts if type(v) is str
                          else any(_same(v, e) for e in arg))
        elif key == "const":
            checks.append(lambda v, arg=arg: _same(v, arg))
        elif key == "pattern":
            rx = re.compile(arg)
            checks.append(lambda v, rx=rx: not isinstance(v, str) or rx.search(v) is not None)
        elif key == "minLength":
            checks.append(lambda v, arg=arg: not isinstance(v, str) or len(v) >= arg)
        elif key in ("minimum", "maximum"):
            ge = key == "minimum"

            def bound(v, arg=arg, ge=ge):
                if isinstance(v, bool) or not isinstance(v, (int, float)):
                    return True
                return not (v < arg) if ge else not (v > arg)
            checks.append(bound)
        elif key == "format":
            if arg != "date":
                raise NotCompilable(key)
            rx = re.compile(r"\d{4}-\d{2}-\d{2}")

            def date_ok(v, rx=rx):
                if not isinstance(v, str):
                    return True
                if not rx.fullmatch(v):
                    return False
                try:
                    dt.date.fromisoformat(v)
                except ValueError:
                    return False
                return True
            checks.append(date_ok)
        elif key == "required":
            checks.append(lambda v, arg=tuple(arg): not isinstance(v, dict) or all(k in v for k in arg))
        elif key == "properties":
            props = {k: compile_schema(sub, root, refs) for k, sub in arg.items()}

            def properties(v, props=props):
                if not isinstance(v, dict):
                    return True
                for k, x in v.items():
                    f = props.get(k)
                    if f is not None and not f(x):
                        return False
                return True
            checks.append(properties)
        elif key == "additionalProperties":
            known = set(schema.get("properties", {}))
            if schema.get("patternProperties"):
                raise NotCompilable(key)
            if arg is False:
                checks.append(lambda v, known=known: not isinstance(v, dict) or all(k in known for k in v))
            else:
                sub = compile_schema(arg, root, refs)
                checks.append(lambda v, known=known, sub=sub: not isinstance(v, dict)
                              or all(k in known or sub(x) for k, x in v.items()))
        elif key == "propertyNames":
            sub = compile_schema(arg, root, refs)
            checks.append(lambda v, sub=sub: not isinstance(v, dict) or all(sub(k) for k in v))
        elif key == "items":
            if "prefixItems" in schema or not isinstance(arg, (dict, bool)):
                raise NotCompilable(key)
            sub = compile_schema(arg, root, refs)

            def items(v, sub=sub):
                if not isinstance(v, list):
                    return True
                for x in v:
                    if not sub(x):
                        return False
                return True
            checks.append(items)
        elif key == "anyOf":
            subs = [compile_schema(x, root, refs) for x in arg]
            checks.append(lambda v, subs=subs: any(f(v) for f in subs))
        elif key == "$ref":
            if not arg.startswith("#/"):
                raise NotCompilable(arg)
            if arg not in refs:
                refs[arg] = None  # recursion guard: resolved lazily below
                target = root
                for part in arg[2:].split("/"):
                    target = target[part]
                refs[arg] = compile_schema(target, root, refs)
            checks.append(lambda v, arg=arg: refs[arg](v))
        else:
            raise NotCompilable(key)
    if len(checks) == 1:
        return checks[0]
    checks = tuple(checks)

    def every(v):
        for f in checks:
            if not f(v):
                return False
        return True
    return every




# ---- jsonschema errors in plain Vietnamese ------------------------------------------------------

_TYPE_WORDS = {
    "null": "để trống", "boolean": "đúng/sai (true/false)", "integer": "một số nguyên", "number": "một số",
    "string": "chữ", "array": "một danh sách", "object": "một nhóm trường",
}


def shown(value, limit: int = 60) -> str:
    """A value as a user would recognise it: text as is, numbers Vietnamese style, the rest as JSON."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool) or value is None:
        text = {True: "true", False: "false", None: "null"}[value]
    elif isinstance(value, int):
        text = str(value)  # years and codes: no thousands separator
    elif isinstance(value, float):
        from cchc_xl.numtext import format_number

        text = format_number(value)
    elif isinstance(value, dict):
        text = "{…}" if value else "{}"
    elif isinstance(value, list):
        text = "[…]" if value else "[]"
    else:
        text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _types_of(schema) -> list[str]:
    if not isinstance(schema, dict):
        return []
    t = schema.get("type")
    out = [t] if isinstance(t, str) else list(t or [])
    if schema.get("format") == "date" and "string" in out:
        out[out.index("string")] = "date"
    for sub in schema.get("anyOf", []) + schema.get("oneOf", []):
        out += [x for x in _types_of(sub) if x not in out]
    return out


def expected_words(err, with_null: bool = True) -> str:
    """What a type error wanted, in Vietnamese ("một số (hoặc để trống)")."""
    types = _types_of(err.schema) if err.validator in ("anyOf", "oneOf") else _types_of({"type": err.validator_value})
    if "integer" in types and "number" in types:
        types.remove("integer")
    words = [_TYPE_WORDS.get(t, "một ngày dạng năm-tháng-ngày (ví dụ 2024-06-15)" if t == "date" else t)
             for t in types if t != "null"]
    if not words:
        return "giá trị đúng kiểu"
    text = " hoặc ".join(words)
    return text + " (hoặc để trống)" if with_null and "null" in types else text


_REQUIRED = re.compile(r"^'(.*)' is a required property$", re.S)


def missing_property(err) -> str:
    """The property a ``required`` error is about (jsonschema gives one error per missing name)."""
    cached = getattr(err, "cchc_missing", None)
    if cached is not None:
        return cached
    m = _REQUIRED.match(err.message or "")
    if m:
        name = m.group(1)
    else:
        rule, value = err.validator_value, err.instance
        name = next((k for k in rule if isinstance(value, dict) and k not in value), rule[0] if rule else "")
    err.cchc_missing = name
    return name


def _listing(items) -> str:
    return ", ".join(f"“{shown(x)}”" for x in items)


def explain_error(err, title: str | None = None, example: str | None = None) -> str:
    """One jsonschema error as a plain Vietnamese sentence (no English, no regular expression).

    ``title`` names the field for the user (default: its path in the document); ``example``
    shows a value of the right form when a pattern is not matched.
    """
    path = "/".join(str(p) for p in err.absolute_path)
    what = title or (f"trường “{path}”" if path else "tài liệu")
    kind, rule, value = err.validator, err.validator_value, err.instance
    hint = f" (ví dụ: {example})" if example else ""
    if kind == "required":
        return f"{what}: thiếu trường bắt buộc “{missing_property(err)}”"
    if kind in ("type", "anyOf", "oneOf"):
        return f"{what}: giá trị “{shown(value)}” không đúng kiểu, cần {expected_words(err)}"
    if kind == "enum":
        return f"{what}: “{shown(value)}” không có trong danh sách cho phép ({_listing(x for x in rule if x is not None)})"
    if kind == "const":
        return f"{what}: cần đúng “{shown(rule)}”, không phải “{shown(value)}”"
    if kind == "pattern":
        return f"{what} “{shown(value)}” không đúng dạng{hint}"
    if kind == "propertyNames":
        return f"{what}: tên “{shown(value)}” không đúng dạng{hint}"
    if kind == "format":
        if rule == "date":
            return f"{what}: “{shown(value)}” không phải ngày hợp lệ dạng năm-tháng-ngày (ví dụ 2024-06-15)"
        return f"{what}: “{shown(value)}” không đúng định dạng"
    if kind == "minimum":
        if rule == 0:
            return f"{what}: {shown(value)} không được âm"
        return f"{what}: {shown(value)} nhỏ hơn giá trị nhỏ nhất cho phép ({shown(rule)})"
    if kind == "maximum":
        return f"{what}: {shown(value)} lớn hơn giá trị lớn nhất cho phép ({shown(rule)})"
    if kind == "exclusiveMinimum":
        return f"{what}: {shown(value)} phải lớn hơn {shown(rule)}"
    if kind == "exclusiveMaximum":
        return f"{what}: {shown(value)} phải nhỏ hơn {shown(rule)}"
    if kind == "multipleOf":
        return f"{what}: {shown(value)} phải là bội số của {shown(rule)}"
    if kind == "minLength":
        return f"{what}: không được để trống" if rule == 1 else f"{what}: cần ít nhất {rule} ký tự"
    if kind == "maxLength":
        return f"{what}: dài quá {rule} ký tự"
    if kind == "minItems":
        return f"{what}: cần ít nhất {rule} mục"
    if kind == "maxItems":
        return f"{what}: nhiều nhất {rule} mục"
    if kind == "uniqueItems":
        return f"{what}: có mục trùng nhau"
    if kind in ("additionalProperties", "unevaluatedProperties"):
        known = set((err.schema or {}).get("properties", {})) if isinstance(err.schema, dict) else set()
        extra = [k for k in value if k not in known] if isinstance(value, dict) else []
        return f"{what}: có trường không được phép {_listing(extra)}" if extra else f"{what}: có trường không được phép"
    if kind in ("minProperties", "maxProperties"):
        return f"{what}: số trường không đúng quy định"
    if kind == "not":
        return f"{what}: giá trị “{shown(value)}” không được phép"
    return f"{what}: giá trị “{shown(value)}” không đúng cấu trúc quy định"
