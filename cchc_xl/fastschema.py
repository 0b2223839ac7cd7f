"""A fast yes/no JSON Schema check, compiled once from ``report.schema.json``.

Reading hundreds of workbooks, the full jsonschema pass over each valid document is a
noticeable part of the time. ``compile_schema`` turns the common keywords our schema uses into
plain Python predicates; validation asks it first and only runs jsonschema (which explains
the errors) when it says no, so the issues found are exactly the same. Unknown keywords raise
``NotCompilable`` and then jsonschema alone is used.
"""

from __future__ import annotations

import datetime as dt
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
            checks.append(lambda v, fns=fns: any(f(v) for f in fns))
        elif key == "enum":
            checks.append(lambda v, arg=arg: any(_same(v, e) for e in arg))
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
            checks.append(lambda v, props=props: not isinstance(v, dict)
                          or all(k not in v or f(v[k]) for k, f in props.items()))
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
            checks.append(lambda v, sub=sub: not isinstance(v, list) or all(sub(x) for x in v))
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
    return lambda v: all(f(v) for f in checks)


