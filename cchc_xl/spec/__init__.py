"""Loading and checking of everything declared in ``schemas/``.

This is the only module that knows the file names inside ``schemas/``. Everything else asks it
for enums, sheet declarations and the catalogs of a level and year. A province can put its own
catalogs in a folder (``--catalog DIR`` or the ``CCHC_XL_CATALOG_DIR`` variable) laid out like
``schemas/catalogs``: ``<level>/criteria-<year>.json``, ``<level>/indicators.json``, … Files there
replace or add to the built-in ones, and a malformed file is refused with a Vietnamese message.
A file the levels share sits at the top of a catalog folder (``indicators.json``), its per-level
differences in ``levels.json`` beside it: the built-in indicators, propaganda and rules are
declared once that way.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cchc_xl.spec.jsonfile import nfc_deep  # noqa: F401  (spec.nfc_deep, used across the project)

# the package's version and the canonical report's schema version (re-exported by ``cchc_xl``)
__version__ = "0.1.0"
SCHEMA_VERSION = "1"

# Vietnam time (UTC+7, no daylight saving): the calendar of deadlines, report dates and every
# date a document shows, whatever the clock of the machine that writes it
VIETNAM = dt.timezone(dt.timedelta(hours=7))

# How every date a person reads is written: day/month/year with two-digit day and month ("05/07/2025")
DATE_TEXT = "%d/%m/%Y"


def date_text(d: dt.date | None) -> str:
    """``date(2025, 7, 5)`` → ``"05/07/2025"``; "" for None."""
    return d.strftime(DATE_TEXT) if d else ""


def moment_text(t: dt.datetime) -> str:
    """The time of a run as the messages and notes say it: ``"14:05 ngày 05/07/2025"``."""
    return f"{t:%H:%M} ngày {date_text(t)}"

_CRITERIA_FILE = re.compile(r"^criteria-(\d{4})\.json$")
_extra_catalog_dirs: list[Path] = []

# ``scores_source`` on an agency workbook's ``_meta`` sheet when distribute wrote its scores from
# the appraisal workbook (the template writes it, validate reads it)
FROM_APPRAISAL = "appraisal"


class SpecError(Exception):
    """A schema or catalog file is missing or malformed (message in Vietnamese)."""


def schemas_dir() -> Path:
    """The ``schemas/`` folder: the source tree when run from a checkout, else the installed copy."""
    here = Path(__file__).resolve().parent.parent  # the cchc_xl package
    dev = here.parent / "schemas"
    if (dev / "report.schema.json").is_file():
        return dev
    installed = here / "_schemas"
    if (installed / "report.schema.json").is_file():
        return installed
    from importlib.resources import files

    return Path(str(files("cchc_xl._schemas")))


def _read_json(path: Path) -> dict:
    if not Path(path).resolve().is_relative_to(schemas_dir().resolve()):  # a province's own catalog: strictly
        from cchc_xl.spec.jsonfile import JsonInputError, load_json

        try:
            return load_json(path, display=str(path))
        except JsonInputError as exc:
            raise SpecError(f"Tệp khai báo {exc}") from None
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise SpecError(f"Không tìm thấy tệp khai báo {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SpecError(f"Tệp khai báo {path} không phải JSON hợp lệ: {exc}") from None


@lru_cache(maxsize=None)
def load(name: str) -> dict:
    """A top-level file of ``schemas/`` by name, e.g. ``load("enums")``."""
    return _read_json(schemas_dir() / f"{name}.json")


def set_catalog_dirs(dirs: list[str | os.PathLike]) -> None:
    """Use a province's own catalogs in addition to (and ahead of) the built-in ones."""
    _extra_catalog_dirs[:] = [Path(d) for d in dirs]
    for d in _extra_catalog_dirs:
        if not d.is_dir():
            raise SpecError(f"Thư mục danh mục {d} không tồn tại")
    catalog.cache_clear()


def _catalog_dirs() -> list[Path]:
    env = os.environ.get("CCHC_XL_CATALOG_DIR")
    extra = [Path(p) for p in env.split(os.pathsep) if p] if env else []
    return [*_extra_catalog_dirs, *extra, schemas_dir() / "catalogs"]


def _check_catalog(data: dict, path: Path, level: str, kind: str) -> dict:
    import jsonschema

    validator = jsonschema.Draft202012Validator(load("catalog.schema"))
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        from cchc_xl.spec.fastschema import explain_error

        raise SpecError(f"Danh mục {path} không hợp lệ: {explain_error(errors[0])}")
    if data["kind"] != kind or data["level"] != level:
        raise SpecError(
            f"Danh mục {path} khai báo kind={data['kind']}, level={data['level']} "
            f"nhưng được đặt ở chỗ của {kind}/{level}"
        )
    rows = data.get("rows") or data.get("criteria") or []
    seen: set[str] = set()
    for row in [*data.get("areas", []), *rows]:
        if row["code"] in seen:
            raise SpecError(f"Danh mục {path} có mã {row['code']} bị trùng")
        seen.add(row["code"])
    return data


check_catalog = _check_catalog  # public: the catalog workbook checks what it writes


def _find(level: str, filename: str) -> Path | None:
    """The file of a level: ``<dir>/<level>/<filename>``, else a file shared by every level
    (``<dir>/<filename>``), the first found along the catalog folders (the province's first)."""
    for d in _catalog_dirs():
        for p in (d / level / filename, d / filename):
            if p.is_file():
                return p
    return None


_LEVEL_OVERRIDES = "levels.json"


def _catalog_data(path: Path, level: str, kind: str) -> dict:
    """A catalog file's content for one level. A shared file (no folder per level) takes its
    level from the folder's ``levels.json``: ``{"overrides": {level: {kind: {field: value}}}}``,
    the only differences declared between the levels."""
    data = _read_json(path)
    if path.parent.name != level and isinstance(data, dict):
        over = path.parent / _LEVEL_OVERRIDES
        fields = {}
        if over.is_file():
            fields = ((_read_json(over).get("overrides") or {}).get(level) or {}).get(kind) or {}
        data = {**data, "level": level, **fields}
    return nfc_deep(_check_catalog(data, path, level, kind))


def catalog_file(level: str, kind: str) -> dict:
    """The catalog ``kind`` (indicators, propaganda, rules) of a level as one self-contained
    document, the form of ``<level>/<kind>.json`` in a province's catalog folder."""
    path = _find(level, f"{kind}.json")
    if path is None:
        raise SpecError(f"Thiếu danh mục {kind}.json cho cấp {level}")
    return _catalog_data(path, level, kind)


def criteria_years(level: str) -> list[int]:
    years: set[int] = set()
    for d in _catalog_dirs():
        folder = d / level
        if folder.is_dir():
            for p in folder.iterdir():
                m = _CRITERIA_FILE.match(p.name)
                if m:
                    years.add(int(m.group(1)))
    return sorted(years)


def pick_criteria_year(level: str, year: int | None) -> int:
    """The criteria set serving an appraisal year: the newest set not newer than it."""
    years = criteria_years(level)
    if not years:
        raise SpecError(f"Không có bộ tiêu chí nào cho cấp {level}")
    if year is None:
        return years[-1]
    older = [y for y in years if y <= year]
    return older[-1] if older else years[0]


@dataclass
class Catalog:
    """The catalogs that apply to one level and appraisal year."""

    level: str
    criteria_year: int
    criteria: dict
    indicators: dict
    propaganda: dict
    rules: dict
    areas_by_code: dict = field(init=False)
    criteria_by_code: dict = field(init=False)
    indicator_by_code: dict = field(init=False)
    propaganda_by_code: dict = field(init=False)

    def __post_init__(self):
        self.areas_by_code = {a["code"]: a for a in self.criteria["areas"]}
        self.criteria_by_code = {c["code"]: c for c in self.criteria["criteria"]}
        self.indicator_by_code = {r["code"]: r for r in self.indicators["rows"]}
        self.propaganda_by_code = {r["code"]: r for r in self.propaganda["rows"]}

    def max_score(self, code: str | None):
        item = self.criteria_by_code.get(code or "") or self.areas_by_code.get(code or "")
        return item.get("max_score") if item else None

    def applicable_max(self, code: str | None, not_applicable=()):
        """The maximum of an area or criterion for an agency some criteria do not apply to: the
        set's maximum less the maxima of the exempt criteria under it (None if exempt itself)."""
        mx = self.max_score(code)
        exempt = set(not_applicable or ())
        if mx is None or not exempt:
            return mx
        if code in exempt:
            return None
        under = [c for c in exempt if c.startswith(f"{code}.")]
        top = [c for c in under if not any(c.startswith(f"{o}.") for o in under if o != c)]
        return round(mx - sum(self.max_score(c) or 0 for c in top), 6)

    def criterion_name(self, code: str | None):
        item = self.criteria_by_code.get(code or "") or self.areas_by_code.get(code or "")
        return item.get("name") if item else None


def area_of(code: str | None) -> str | None:
    """``"7a.3.2.3"`` → ``"7a"``; ``"1.1"`` → ``"1"``."""
    if not code:
        return None
    return code.split(".", 1)[0]


def code_sort_key(code) -> list[tuple[int, str]]:
    """Codes in the catalogs' order: "1.2" < "1.10", part by part by the number each part holds."""
    out = []
    for p in str(code or "").split("."):
        digits = "".join(ch for ch in p if ch.isdigit())
        out.append((int(digits) if digits else 0, p))
    return out


@lru_cache(maxsize=None)
def catalog(level: str, appraisal_year: int | None = None) -> Catalog:
    if level not in level_keys():
        raise SpecError(f"Cấp '{level}' không có trong danh sách cấp ({', '.join(level_keys())})")
    year = pick_criteria_year(level, appraisal_year)
    parts = {}
    for kind, filename in (
        ("criteria", f"criteria-{year}.json"),
        ("indicators", "indicators.json"),
        ("propaganda", "propaganda.json"),
        ("rules", "rules.json"),
    ):
        path = _find(level, filename)
        if path is None:
            if kind == "rules":
                parts[kind] = {"kind": "rules", "level": level, "rules": []}
                continue
            raise SpecError(f"Thiếu danh mục {filename} cho cấp {level}")
        parts[kind] = _catalog_data(path, level, kind)
    cat = Catalog(level, year, parts["criteria"], parts["indicators"], parts["propaganda"], parts["rules"])
    for rule in cat.rules["rules"]:
        for code in [*rule["left"], *rule["right"]]:
            if code not in cat.indicator_by_code:
                raise SpecError(f"Quy tắc {rule['id']} dùng mã chỉ tiêu {code} không có trong danh mục cấp {level}")
    return cat


# ---- enums ---------------------------------------------------------------------------------

def levels() -> list[dict]:
    return load("enums")["levels"]


def level_keys() -> list[str]:
    """The levels' keys in the order of enums.json: ``["so", "huyen", "xa"]``."""
    return [lv["key"] for lv in levels()]


def level_rank(level) -> int:
    """A level's place in enums.json's order (departments, districts, communes), the order of
    every list the province reads; an unknown level comes after them all."""
    keys = level_keys()
    return keys.index(level) if level in keys else len(keys)


def period_kinds() -> list[dict]:
    return load("enums")["period_kinds"]


def limits() -> dict:
    """The server's bounds (``schemas/limits.json``): cells and seconds a check may take, checks
    waiting per agency, storage per agency and round, and the Vietnamese reasons beyond them."""
    return load("limits")


def statuses() -> list[dict]:
    return load("enums")["statuses"]


def label_of(enum: str, key) -> str | None:
    for item in load("enums")[enum]:
        if item["key"] == key:
            return item["label"]
    return None


def period_words(kind: str, year: int) -> str:
    """``("6_thang", 2024)`` → ``"6 tháng đầu năm 2024"``."""
    for item in period_kinds():
        if item["key"] == kind:
            return item["words"].format(year=year)
    return f"năm {year}"


def period_bound(kind: str, year: int, which: str = "end"):
    """First (``which="start"``) or last day of a period, from enums.json; KeyError for an unknown kind."""
    for item in period_kinds():
        if item["key"] == kind:
            m, d = item[which].split("-")
            return dt.date(year, int(m), int(d))
    raise KeyError(kind)


def sheets() -> dict:
    return load("sheets")


def year_range() -> tuple[int, int]:
    """The years a report, an appraisal or a catalog may name: the ``min`` and ``max`` of the
    ``period.year`` field of ``schemas/sheets.json`` (2000–2100)."""
    fld = next(f for f in sheets()["sheets"]["info"]["fields"] if f["key"] == "period.year")
    return fld["min"], fld["max"]


def year_range_message() -> str:
    """"Nhập năm có 4 chữ số, từ 2000 đến 2100." (``year_range`` of sheets.json's messages)."""
    low, high = year_range()
    return sheets()["messages"]["year_range"].format(min=low, max=high)


def consolidation_sheets() -> list[dict]:
    """The sheets of the consolidated workbook, in workbook order (``schemas/consolidation_sheets.json``)."""
    return load("consolidation_sheets")["sheets"]
