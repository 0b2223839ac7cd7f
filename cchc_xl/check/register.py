"""The register of checks: ``schemas/checks.json`` names the kinds and the kinds of each field type;
the family modules of :mod:`cchc_xl.check` implement them. The register joins the two, so that
validate, the reader, the workbook writer and the appendices ask it what a type gets instead of
branching on the type's name.

A family module lists what it implements in ``KINDS`` (``{"number": Kind(...)}``, the interface
of :mod:`.kind`): the register finds every module of this package that has one — a new kind is
one module here plus one line in ``checks.json``. It refuses, in Vietnamese and naming the kind,
a kind declared that no module implements, a kind implemented that is not declared, a kind
implemented in another family than the one declared, and a type naming an undeclared kind.

For a type it answers :func:`checks_for` (the ordered kinds with their parameters, each with its
Python evaluator and its Excel condition), :func:`evaluate` (the Python verdict on one value: the
first issue found, at most one per value), :func:`condition` and :func:`warning` (the formula of
the red and the yellow cell, composed from the same kinds in the same order), and the declaration's
answers of :mod:`cchc_xl.spec.checks` (:func:`is_numeric`, :func:`has`, :func:`bounds`,
:func:`coded`, :func:`unit`).
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from types import ModuleType
from typing import Any, Callable, NamedTuple

from cchc_xl import spec
from cchc_xl.check.kind import Field, Kind
from cchc_xl.spec.checks import bounds, coded, declarations, has, is_checked, is_numeric, unit  # noqa: F401

# the modules of this package that use the register (or define its interface): not families
NOT_FAMILIES = ("kind", "register", "validate")


class Check(NamedTuple):
    """One check of a type: the declared kind and parameters beside their implementation."""
    kind: str
    family: str
    params: dict
    evaluate: Callable[..., Any]
    condition: Callable[..., Any]
    guard: bool
    warning: Callable[..., Any] | None
    scope: str


class Register:
    def __init__(self, declared: dict, families: dict[str, ModuleType]):
        self.declared = declared
        self.impl: dict[str, tuple[str, Kind]] = {}
        for family, module in families.items():
            for name, impl in getattr(module, "KINDS", {}).items():
                if name in self.impl:
                    raise spec.SpecError(f"Loại kiểm tra “{name}” được cài đặt hai lần: ở cchc_xl/check/"
                                         f"{self.impl[name][0]}.py và ở cchc_xl/check/{family}.py")
                self.impl[name] = (family, impl)
        kinds = declared["kinds"]
        for name, decl in kinds.items():
            if name not in self.impl:
                raise spec.SpecError(f"schemas/checks.json khai báo loại kiểm tra “{name}” (nhóm “{decl['family']}”) "
                                     f"nhưng không mô-đun nào trong cchc_xl/check/ cài đặt nó (KINDS)")
            if self.impl[name][0] != decl["family"]:
                raise spec.SpecError(f"Loại kiểm tra “{name}” được cài đặt ở cchc_xl/check/{self.impl[name][0]}.py, "
                                     f"không ở nhóm “{decl['family']}” mà schemas/checks.json khai báo")
        for name, (family, _) in self.impl.items():
            if name not in kinds:
                raise spec.SpecError(f"cchc_xl/check/{family}.py cài đặt loại kiểm tra “{name}” mà "
                                     f"schemas/checks.json không khai báo (thêm một dòng vào “kinds”)")
        for field_type in declared["types"]:
            self.checks_for(field_type)

    def kind(self, name: str) -> Kind:
        return self.impl[name][1]

    def checks_for(self, field_type: str | None) -> tuple[Check, ...]:
        """The ordered checks of a type; none for a type checks.json does not declare (text)."""
        out = []
        for check in self.declared["types"].get(field_type, []) if field_type else []:
            name = check["kind"]
            if name not in self.declared["kinds"]:
                raise spec.SpecError(f"schemas/checks.json: kiểu “{field_type}” dùng loại kiểm tra “{name}” "
                                     f"không được khai báo trong “kinds”")
            family, impl = self.impl[name]
            out.append(Check(name, family, {k: v for k, v in check.items() if k != "kind"}, impl.evaluate,
                             impl.condition, impl.guard, impl.warning, impl.scope))
        return tuple(out)

    def _values(self, field_type: str | None) -> list[Check]:
        return [c for c in self.checks_for(field_type) if c.scope == "value"]

    def evaluate(self, field_type: str, value, field: Field | None = None) -> list[tuple[str, dict]]:
        """The issue (code, template values) of one value of the type, or none: the kinds in their
        declared order, the first that fails (at most one error per value, as the formula counts)."""
        if value is None:
            return []
        field = field or Field(field_type)
        for c in self._values(field_type):
            found = c.evaluate(value, c.params, field)
            if found:
                return [found]
        return []

    def condition(self, field_type: str, ref: str, field: Field | None = None) -> str | None:
        """The Excel condition, TRUE when the cell ``ref`` is wrong, from the same kinds in the
        same order (None when the type declares no check: only an Excel error value is wrong)."""
        checks = self._values(field_type)
        field = field or Field(field_type)
        out: list[str] = []
        for i, c in enumerate(checks):
            if c.guard:  # the kinds after a guard judge only a value that passes it
                rest = [t for d in checks[i + 1:] for t in d.condition(ref, d.params, field)]
                out.append(c.condition(ref, c.params, field, rest))
                break
            out.extend(c.condition(ref, c.params, field))
        if not out:
            return None
        return out[0] if len(out) == 1 else f"OR({','.join(out)})"

    def warning(self, field_type: str, ref: str, field: Field | None = None) -> str | None:
        """The yellow condition of the cell (a number typed as text…), None when the type has none."""
        field = field or Field(field_type)
        found = [c.warning(ref, c.params, field) for c in self._values(field_type) if c.warning]
        return (found[0] if len(found) == 1 else f"OR({','.join(found)})") if found else None


def families(package: ModuleType | None = None) -> dict[str, ModuleType]:
    """Every module of :mod:`cchc_xl.check` that implements kinds (has ``KINDS``), by name."""
    if package is None:
        package = importlib.import_module("cchc_xl.check")
    out = {}
    for info in pkgutil.iter_modules(package.__path__):
        if info.name in NOT_FAMILIES:
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        if hasattr(module, "KINDS"):
            out[info.name] = module
    return out


@lru_cache(maxsize=1)
def current() -> Register:
    """The register of ``schemas/checks.json`` and the family modules (built once)."""
    return Register(declarations(), families())


def checks_for(field_type: str | None) -> tuple[Check, ...]:
    return current().checks_for(field_type)


def kind(name: str) -> Kind:
    """The implementation of a kind by name (the cells kinds: relation, coverage…)."""
    return current().kind(name)


def evaluate(field_type: str, value, field: Field | None = None) -> list[tuple[str, dict]]:
    return current().evaluate(field_type, value, field)


def condition(field_type: str, ref: str, field: Field | None = None) -> str | None:
    return current().condition(field_type, ref, field)


def warning(field_type: str, ref: str, field: Field | None = None) -> str | None:
    return current().warning(field_type, ref, field)


def warns(field_type: str | None) -> bool:
    """A value of the type can be a warning (yellow) as well as an error: a number typed as text."""
    return any(c.warning for c in checks_for(field_type))
