"""The buttons inside Excel (xlwings): Kiểm tra, Điền phụ lục, Tổng hợp.

Adapters only: a live workbook is turned into the same sheet grids a file gives
(``{sheet title: rows of values from A1}``), the library does the work (``reader.read_grids``,
``validate.check_read``, ``appendix`` sheet models, ``consolidate``), and the results are
written back into the open workbook. Everything used here is part of xlwings' common API, so the
same code serves desktop Excel (``RunPython`` through COM on Windows, AppleScript on a Mac) and
xlwings' remote engine (``xw.Book(json=…)``, which the tests use). Only the page setup of the
appendix and consolidation sheets goes through Excel's own object model, on Windows only.

Nothing heavy is imported at module level: a button click starts a fresh Python, and the time
to the first line of work is what staff feel (``benchmarks/bench_excel.py``).
"""

from __future__ import annotations

import datetime as dt
import re

from cchc_xl.sheets.live import cell_value, letter_of, render_models, render_table, set_optional, try_optional  # noqa: F401 (cell_value: public)
from cchc_xl.sheets.live import fresh_sheet as _fresh_sheet
from cchc_xl.sheets.style import HEADER_FILL as _HEADER_HEX

RESULT_TITLE_TEXT = "KẾT QUẢ KIỂM TRA BIỂU MẪU"
RESULT_HINT = ("Bấm vào ô ở cột “Ô” để đến ô cần sửa. Ô có lỗi được tô đỏ, ô cần xem lại tô vàng; "
               "lần kiểm tra sau trả lại màu cũ cho các ô đã sửa.")
RESULT_HEADER_ROW = 4
ORIGINAL_FILL_TITLE = "Màu nền gốc"  # hidden last column (H): the fill each marked cell had before
NO_FILL = "(không màu)"  # what that column holds for a cell that had no fill of its own
STATUS_NAME = "ket_qua_kiem_tra"  # optional defined name of a cell showing the last full check
# Fills the agency template gives its cells (cchc_xl.workbook.style: REQUIRED_FILL and INPUT_FILL on
# the Thông tin sheet, LOCKED_FILL/GROUP_FILL on read-only cells, none on the tables' input
# cells); used to restore a marked cell where the engine cannot read its old fill.
TEMPLATE_FILLS = {"input": "", "info": "#FFFFFF", "required": "#FFF2CC", "locked": "#F2F2F2"}
HEADER_FILL = "#" + _HEADER_HEX
APPENDIX_FONT_UNIT = ("Calibri", 11)  # default font of the agency workbooks (column-width unit)
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


# ---- reading the open workbook -------------------------------------------------------------

def sheet_grid(sheet) -> list[list]:
    """One sheet's values from A1 to the last used cell (error cells as their text, e.g. "#REF!"),
    within the area the reader reads from files (a stray value at XFD1048576 would otherwise make
    Excel hand over seventeen billion cells)."""
    from cchc_xl.files.area import MAX_COLS, MAX_ROWS

    last = sheet.used_range.last_cell
    nrows, ncols = min(last.row, MAX_ROWS), min(last.column, MAX_COLS)
    values = sheet.range((1, 1), (nrows, ncols)).options(ndim=2, err_to_str=True).value
    return values or [[]]


def reader_grids(book) -> dict[str, list[list]]:
    """The grids of the sheets the reader uses (identity, Thông tin, the four tables), found the
    way the reader finds them (case, spacing and Unicode form aside): reading through COM costs
    time per sheet, and the guide, lists, criteria and printed sheets are not needed."""
    from cchc_xl import spec
    from cchc_xl.normalize import fold

    cfg = spec.sheets()
    wanted = {fold(cfg["meta_sheet"])} | {fold(cfg["sheets"][k]["title"])
                                          for k in ("info", "scores", "remediation", "indicators", "propaganda")}
    return {s.name: sheet_grid(s) for s in book.sheets if fold(s.name) in wanted}


def _find_sheet(book, title: str):
    for s in book.sheets:
        if s.name == title:
            return s
    return None


# ---- small writing helpers -----------------------------------------------------------------

def _alert(book, text: str, title: str, mode: str = "info") -> None:
    try:
        book.app.alert(text, title=title, mode=mode)
    except Exception:  # noqa: BLE001 - no message box (e.g. Excel busy): the sheets still say it
        pass


def _hex(color) -> str | None:
    if color is None:
        return None
    if isinstance(color, str):
        return color.upper() if color.startswith("#") else "#" + color.upper()
    r, g, b = color
    return f"#{r:02X}{g:02X}{b:02X}"


# ---- Kiểm tra ------------------------------------------------------------------------------

def _previous_marks(sheet) -> dict[tuple[str, str], str | None]:
    """(sheet, cell) → original fill, from the results sheet of an earlier run."""
    grid = sheet_grid(sheet)
    marks: dict[tuple[str, str], str | None] = {}
    start = col = None
    for r, row in enumerate(grid):
        if len(row) >= 4 and row[0] == "STT" and row[2] == "Trang":
            start = r + 1
            col = row.index(ORIGINAL_FILL_TITLE) if ORIGINAL_FILL_TITLE in row else None
            break
    if start is None:
        return marks
    for row in grid[start:]:
        if len(row) < 4 or not isinstance(row[2], str) or not isinstance(row[3], str):
            continue
        cell = row[3].strip().upper()
        if not _CELL.match(cell):
            continue
        orig = row[col] if col is not None and len(row) > col else None
        if orig == NO_FILL:
            orig = ""
        elif not (isinstance(orig, str) and re.fullmatch(r"#[0-9A-Fa-f]{6}", orig)):
            orig = None  # unknown (e.g. a results sheet written by validate --annotate)
        marks.setdefault((row[2], cell), orig)
    return marks


class _TemplateFills:
    """The fill the agency template gives a cell, found from what the reader read there."""

    def __init__(self, result):
        from cchc_xl import spec

        self.result = result
        self.where: dict[tuple[str, str], list[str]] = {}
        for key, (sheet, cell) in result.cells.items():
            self.where.setdefault((sheet, cell), []).append(key)
        info = spec.sheets()["sheets"]["info"]["fields"]
        self.info = {f["key"] for f in info}
        self.required = {f["key"] for f in info if f.get("required")}

    def __call__(self, sheet: str, cell: str) -> str:
        col = _CELL.match(cell).group(1)
        for key in self.where.get((sheet, cell), []):
            if key in self.info:
                return TEMPLATE_FILLS["required" if key in self.required else "info"]
            if key.startswith("areas[") and col != "E":
                return TEMPLATE_FILLS["locked"]
            m = re.match(r"(indicators|propaganda)\[([^\]]+)\]", key)
            if m and col == "D" and self.result.catalog is not None:
                rows = (self.result.catalog.indicator_by_code if m.group(1) == "indicators"
                        else self.result.catalog.propaganda_by_code)
                if (rows.get(m.group(2)) or {}).get("group"):
                    return TEMPLATE_FILLS["locked"]
        return TEMPLATE_FILLS["input"]


def _current_fill(rng):
    """The cell's own fill where the engine can read it (desktop Excel), else ``...``."""
    try:
        return _hex(rng.color) or ""
    except Exception:  # noqa: BLE001 - the remote engine cannot read fills synchronously
        return ...


def validate_book(book):
    """Check the open agency workbook like ``cchc-xl validate`` and show the result in it.

    Writes the results sheet (one row per issue, a link to its cell), colours the faulty cells
    (red: error, yellow: warning) after giving back their own fill to the cells marked by the
    previous run, and tells the outcome in one sentence. Returns the issues.
    """
    from cchc_xl import spec
    from cchc_xl.check.validate import check_read
    from cchc_xl.read.agency import UnreadableError, read_grids
    from cchc_xl.spec.issues import count, make
    from cchc_xl.workbook.annotate import (
        ERROR_COLOR,
        RESULT_COLUMNS,
        WARNING_COLOR,
        link_formula,
        results_rows,
        summary_sentence,
    )

    title = spec.sheets()["sheets"]["results"]["title"]
    box = "Kiểm tra biểu mẫu"
    old = _find_sheet(book, title)
    previous = _previous_marks(old) if old is not None else {}
    grids = reader_grids(book)
    try:
        result = read_grids(grids, book.name)
    except (UnreadableError, spec.SpecError) as exc:
        reason = getattr(exc, "reason", str(exc))
        _alert(book, f"Không kiểm tra được sổ này: {reason}.", box, "critical")
        return [make(getattr(exc, "code", "wrong_template"), reason=reason)]
    issues = check_read(result)
    errors, warnings = count(issues)
    fit_print_areas(book, grids)
    guess = _TemplateFills(result)
    names = {s.name for s in book.sheets}

    # give back the fills of the previous run
    for (sheet, cell), orig in previous.items():
        if sheet in names:
            fill = (guess(sheet, cell) if orig is None else orig) or None
            book.sheets[sheet].range(cell).color = fill

    # mark this run's cells, remembering each one's fill
    worst: dict[tuple[str, str], str] = {}
    for i in issues:
        if i.sheet in names and i.cell and _CELL.match(i.cell):
            key = (i.sheet, i.cell)
            if worst.get(key) != "error":
                worst[key] = i.severity
    originals: dict[tuple[str, str], str] = {}
    marker = {"#" + ERROR_COLOR, "#" + WARNING_COLOR}
    for (sheet, cell), severity in worst.items():
        rng = book.sheets[sheet].range(cell)
        orig = previous.get((sheet, cell))
        if orig is None:
            orig = _current_fill(rng)
        if orig is ... or orig in marker:
            orig = guess(sheet, cell)
        originals[(sheet, cell)] = orig
        rng.color = "#" + (ERROR_COLOR if severity == "error" else WARNING_COLOR)

    sentence = summary_sentence(errors, warnings)
    now = dt.datetime.now()
    head = [RESULT_TITLE_TEXT, f"{sentence} (Kiểm tra lúc {spec.moment_text(now)}.)", RESULT_HINT]
    ncol = len(RESULT_COLUMNS) + 1
    rows = [[h] + [None] * (ncol - 1) for h in head]
    rows.append([name for name, _ in RESULT_COLUMNS] + [ORIGINAL_FILL_TITLE])
    for row, issue in zip(results_rows(issues), issues):
        row = [cell_value(v) for v in row]
        if issue.sheet in names and issue.cell and _CELL.match(issue.cell):
            row[3] = link_formula(issue.sheet, issue.cell)
        orig = originals.get((issue.sheet, issue.cell))
        row.append(None if orig is None else (orig or NO_FILL))
        rows.append(row)
    if not issues:
        rows.append([None, None, None, None, None, "Không có lỗi hay cảnh báo nào.", None, None])

    if STATUS_NAME in _names(book):  # before adding a sheet: names are resolved by position
        try_optional(lambda: setattr(book.names[STATUS_NAME].refers_to_range, "value", sentence))
    sheet = old if old is not None else book.sheets.add(title, before=book.sheets[0])
    if old is not None:
        sheet.clear()
    sheet.range((1, 1)).value = rows
    _format_results(sheet, len(rows), RESULT_COLUMNS, bool(issues))
    if issues:
        try_optional(sheet.activate)
    _alert(book, sentence, box, "critical" if errors else "info")
    return issues


def input_print_areas(grids: dict[str, list[list]]) -> dict[str, str]:
    """Sheet → print area for the two open-ended input tables (Điểm bị trừ, Khắc phục) of a workbook
    written with prepared empty rows (before cchc_xl.workbook.input_rows): down to their last filled row."""
    from cchc_xl import spec
    from cchc_xl.normalize import fold

    cfg = spec.sheets()["sheets"]
    tables = {fold(cfg["remediation"]["title"]): len(cfg["remediation"]["columns"]),
              fold(cfg["scores"]["title"]): len(cfg["scores"]["deduction_columns"])}
    out = {}
    for name, grid in grids.items():
        ncol = tables.get(fold(name))
        if ncol is None:
            continue
        last = 1
        for r, row in enumerate(grid, start=1):  # column A holds the automatic row numbers
            if any(v is not None and str(v).strip() != "" for v in row[1:ncol]):
                last = r
        out[name] = f"A1:{letter_of(ncol)}{last}"
    return out


def fit_print_areas(book, grids: dict[str, list[list]]) -> None:
    """Only a workbook written with prepared empty rows has a print area on its input tables: it is
    moved down to the last filled row. A workbook of today has none (it prints what is filled)."""
    for name, area in input_print_areas(grids).items():
        if try_optional(lambda: book.sheets[name].page_setup.print_area):
            try_optional(setattr, book.sheets[name].page_setup, "print_area", area)


def _names(book) -> set[str]:
    try:
        return {n.name.split("!")[-1] for n in book.names}
    except Exception:  # noqa: BLE001
        return set()


def _format_results(sheet, nrows: int, columns, any_issue: bool) -> None:
    hr = RESULT_HEADER_ROW
    ncol = len(columns) + 1
    set_optional(sheet.range((1, 1)).font, "bold", True)
    set_optional(sheet.range((1, 1)).font, "size", 14)
    set_optional(sheet.range((2, 1)).font, "italic", True)
    header = sheet.range((hr, 1), (hr, ncol))
    set_optional(header.font, "bold", True)
    set_optional(header, "color", HEADER_FILL)
    set_optional(header, "horizontal_alignment", "center")
    body = sheet.range((hr, 1), (max(nrows, hr), ncol - 1))
    set_optional(body, "wrap_text", True)
    set_optional(body, "vertical_alignment", "top")
    try_optional(body.borders.set, "all", line_style="continuous", weight="thin")
    for i, (_, width) in enumerate(columns, start=1):
        set_optional(sheet.range((1, i)), "column_width", width)
    set_optional(sheet.range((1, ncol)).columns, "hidden", True)
    if any_issue:
        try_optional(sheet.range((hr + 1, 1), (max(nrows, hr + 1), ncol - 1)).rows.autofit)


# ---- Điền phụ lục --------------------------------------------------------------------------

def fill_appendix_book(book):
    """Fill (or refresh) the Phụ lục I, II, III sheets of the open agency workbook from the
    same sheet models as ``cchc-xl appendix``. Returns the models written."""
    from cchc_xl import spec
    from cchc_xl.appendix.agency import agency_appendix_models
    from cchc_xl.check.validate import check_read
    from cchc_xl.read.agency import UnreadableError, read_grids
    from cchc_xl.sheets.measure import width_unit_pt
    from cchc_xl.spec.issues import count
    from cchc_xl.spec.render import RenderError

    box = "Điền phụ lục"
    grids = reader_grids(book)
    try:
        result = read_grids(grids, book.name)
        models = agency_appendix_models(result.report, result.catalog)
    except (UnreadableError, spec.SpecError, RenderError) as exc:
        _alert(book, f"Không điền được phụ lục: {getattr(exc, 'reason', str(exc))}.", box, "critical")
        return []
    errors, _ = count(check_read(result))
    render_models(book, models, width_unit_pt(*APPENDIX_FONT_UNIT))
    text = "Đã điền Phụ lục I, II, III vào các trang cùng tên, sẵn sàng in."
    if errors:
        text += (f" Lưu ý: biểu mẫu còn {errors} lỗi nên phụ lục có thể chưa đúng; "
                 "hãy bấm “Kiểm tra” để xem và sửa.")
    try_optional(_find_sheet(book, models[0].title).activate)
    _alert(book, text, box, "info" if not errors else "critical")
    return models


# ---- Tổng hợp ------------------------------------------------------------------------------

class ConfigError(Exception):
    """The configuration sheet cannot be used (Vietnamese message)."""


def read_config(book) -> dict:
    """Folder, registry, year, period and strictness from the configuration sheet."""
    from pathlib import Path

    from cchc_xl import spec
    from cchc_xl.normalize import clean_text, fold, parse_number
    from cchc_xl.read.spelling import match
    from cchc_xl.workbook.macros import CONFIG_FIELDS, CONFIG_SHEET

    sheet = _find_sheet(book, CONFIG_SHEET)
    if sheet is None:
        raise ConfigError(f"sổ này không có trang “{CONFIG_SHEET}”; hãy dùng sổ tổng hợp do cchc-xl tạo "
                          "(cchc-xl template --consolidation)")
    by_label = {}
    for row in sheet_grid(sheet):
        if len(row) >= 2 and isinstance(row[0], str):
            by_label[fold(row[0].replace("(*)", ""))] = row[1]
    raw = {key: by_label.get(fold(label)) for key, label, _, _ in CONFIG_FIELDS}
    base = Path(book.fullname).parent if Path(book.fullname).is_absolute() else Path.cwd()

    def path_of(value) -> Path | None:
        text = clean_text(value)
        if not text:
            return None
        p = Path(text.strip('"'))
        return p if p.is_absolute() else base / p

    folder = path_of(raw["folder"])
    if folder is None:
        raise ConfigError("chưa ghi thư mục chứa báo cáo của các cơ quan ở trang “Cấu hình”")
    if not folder.is_dir():
        raise ConfigError(f"không tìm thấy thư mục {folder}")
    registry = path_of(raw["registry"])
    if registry is not None and not registry.is_file():
        raise ConfigError(f"không tìm thấy tệp danh sách cơ quan {registry}")
    year = None
    if raw["year"] not in (None, ""):
        n = parse_number(raw["year"], "thousands")
        low, high = spec.year_range()
        if not n.ok or not isinstance(n.value, int) or not low <= n.value <= high:
            raise ConfigError(f"năm báo cáo “{raw['year']}” không hợp lệ (cần 4 chữ số, ví dụ 2024)")
        year = n.value
    kind = None
    if raw["kind"] not in (None, ""):
        kind = match(clean_text(raw["kind"]), spec.period_kinds())
        if kind is None:
            raise ConfigError(f"kỳ báo cáo “{raw['kind']}” không có trong danh sách")
    strict = fold(raw["strict"]) in ("co", "x", "yes", "true", "1")
    own = Path(book.fullname) if Path(book.fullname).is_absolute() else None
    return {"folder": folder, "registry": registry, "year": year, "kind": kind, "strict": strict, "own": own}


def consolidate_book(book):
    """In the consolidation workbook: read the configuration sheet, consolidate every agency
    workbook of the folder and fill the result sheets in place. Returns the Consolidation."""
    from cchc_xl.appendix.province import consolidation_appendix_models
    from cchc_xl.appendix.tables import clean_tables, sheet_tables
    from cchc_xl.consolidate import ConsolidationError, consolidate
    from cchc_xl.cycle.consolidation import closing_summary
    from cchc_xl.sheets.measure import width_unit_pt
    from cchc_xl.workbook.macros import CONFIG_SHEET

    box = "Tổng hợp báo cáo"
    try:
        cfg = read_config(book)
        cons = consolidate(cfg["folder"], registry=cfg["registry"], year=cfg["year"], kind=cfg["kind"],
                           strict=cfg["strict"], exclude=[cfg["own"]] if cfg["own"] else ())
    except (ConfigError, ConsolidationError) as exc:
        _write_status(book, [f"Chưa tổng hợp được: {exc}."])
        _alert(book, f"Chưa tổng hợp được: {exc}.", box, "critical")
        return None
    after = _find_sheet(book, CONFIG_SHEET)
    tables = clean_tables(sheet_tables(cons))
    first = None
    for t in tables:
        sheet = _fresh_sheet(book, t.name, after=after)
        render_table(sheet, t)
        after = sheet
        first = first or sheet
    notes = []
    try:
        render_models(book, consolidation_appendix_models(cons),
                      width_unit_pt(*APPENDIX_FONT_UNIT), after=after)
    except Exception as exc:  # noqa: BLE001 - the consolidation itself stands without the appendix
        notes.append(f"không lập được các trang phụ lục tổng hợp ({type(exc).__name__}: {exc})")
    summary = cons.summary()
    lines = [ln for ln in closing_summary(cons, summary, book.name, None, notes)
             if not ln.startswith("Đã ghi sổ tổng hợp")]
    _write_status(book, lines)
    if first is not None:
        try_optional(first.activate)
    _alert(book, lines[0], box, "info")
    return cons


def _write_status(book, lines: list[str]) -> None:
    from cchc_xl import spec
    from cchc_xl.workbook.macros import CONFIG_SHEET, CONFIG_STATUS_LINES, CONFIG_STATUS_ROW

    sheet = _find_sheet(book, CONFIG_SHEET)
    if sheet is None:
        return
    now = dt.datetime.now()
    lines = [f"Lần tổng hợp lúc {spec.moment_text(now)}:"] + list(lines)
    lines = lines[:CONFIG_STATUS_LINES]
    values = [[cell_value(ln)] for ln in lines] + [[None]] * (CONFIG_STATUS_LINES - len(lines))
    sheet.range((CONFIG_STATUS_ROW, 2)).value = values


# ---- without Excel: a file as the payload xlwings' Excel client would send ---------------

def payload_from_file(path, client: str = "Office.js") -> dict:
    """The JSON an xlwings Excel client sends for this workbook (sheet names and the values of
    each sheet from A1), so that the buttons can run on a file with xlwings' remote engine:
    ``xw.Book(json=payload_from_file(p))``; ``book.json()`` then lists what Excel would do.
    Formulas give their cached values (none in files written by openpyxl)."""
    from pathlib import Path

    import xlwings
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    sheets = []
    for name in wb.sheet_names:
        rows = wb.get_sheet_by_name(name).to_python(skip_empty_area=False) or [[]]
        width = max((len(r) for r in rows), default=0)
        values = [[_json_value(v) for v in list(r) + [""] * (width - len(r))] for r in rows]
        sheets.append({"name": name, "values": values or [[]], "pictures": [], "tables": []})
    return {"client": client, "version": xlwings.__version__,
            "book": {"name": Path(path).name, "active_sheet_index": 0, "selection": "A1"},
            "names": [], "sheets": sheets}


def _json_value(v):
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return f"{v:%Y-%m-%dT%H:%M:%S}.000Z"
    if isinstance(v, dt.date):
        return f"{v:%Y-%m-%d}T00:00:00.000Z"
    if isinstance(v, (dt.time, dt.timedelta)):
        return str(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


# ---- the buttons (RunPython) ---------------------------------------------------------------

def _run(work, title: str):
    import xlwings as xw

    book = xw.Book.caller()
    try:
        return work(book)
    except Exception as exc:  # noqa: BLE001 - staff get a Vietnamese message, IT gets the log
        log = _log_error()
        _alert(book, f"Nút “{title}” gặp lỗi không lường trước ({type(exc).__name__}: {exc}). "
                     f"Chi tiết cho cán bộ công nghệ thông tin: {log}", title, "critical")
        return None


def _log_error() -> str:
    import tempfile
    import traceback
    from pathlib import Path

    path = Path(tempfile.gettempdir()) / "cchc-xl-loi.log"
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat(timespec='seconds')}\n{traceback.format_exc()}\n")
    except OSError:
        return "(không ghi được tệp nhật ký)"
    return str(path)


def kiem_tra():
    """Nút “Kiểm tra” (RunPython)."""
    return _run(validate_book, "Kiểm tra biểu mẫu")


def dien_phu_luc():
    """Nút “Điền phụ lục” (RunPython)."""
    return _run(fill_appendix_book, "Điền phụ lục")


def tong_hop():
    """Nút “Tổng hợp” (RunPython)."""
    return _run(consolidate_book, "Tổng hợp báo cáo")
