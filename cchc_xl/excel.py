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
import sys

RESULT_TITLE_TEXT = "KẾT QUẢ KIỂM TRA BIỂU MẪU"
RESULT_HINT = ("Bấm vào ô ở cột “Ô” để đến ô cần sửa. Ô có lỗi được tô đỏ, ô cần xem lại tô vàng; "
               "lần kiểm tra sau trả lại màu cũ cho các ô đã sửa.")
RESULT_HEADER_ROW = 4
ORIGINAL_FILL_TITLE = "Màu nền gốc"  # hidden last column (H): the fill each marked cell had before
NO_FILL = "(không màu)"  # what that column holds for a cell that had no fill of its own
STATUS_NAME = "ket_qua_kiem_tra"  # optional defined name of a cell showing the last full check
# Fills the agency template gives its cells (cchc_xl.template: REQUIRED_FILL and INPUT_FILL on
# the Thông tin sheet, LOCKED_FILL/GROUP_FILL on read-only cells, none on the tables' input
# cells); used to restore a marked cell where the engine cannot read its old fill.
TEMPLATE_FILLS = {"input": "", "info": "#FFFFFF", "required": "#FFF2CC", "locked": "#F2F2F2"}
HEADER_FILL = "#DDEBF7"
APPENDIX_FONT_UNIT = ("Calibri", 11)  # default font of the agency workbooks (column-width unit)
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


# ---- reading the open workbook -------------------------------------------------------------

def sheet_grid(sheet) -> list[list]:
    """One sheet's values from A1 to the last used cell (error cells as their text, e.g. "#REF!"),
    within the area the reader reads from files (a stray value at XFD1048576 would otherwise make
    Excel hand over seventeen billion cells)."""
    from .reader import MAX_COLS, MAX_ROWS

    last = sheet.used_range.last_cell
    nrows, ncols = min(last.row, MAX_ROWS), min(last.column, MAX_COLS)
    values = sheet.range((1, 1), (nrows, ncols)).options(ndim=2, err_to_str=True).value
    return values or [[]]


def book_grids(book, skip=()) -> dict[str, list[list]]:
    """Every sheet's grid (hidden ones too: the template's identity sheet is very hidden)."""
    skip = set(skip)
    return {s.name: sheet_grid(s) for s in book.sheets if s.name not in skip}


def reader_grids(book) -> dict[str, list[list]]:
    """The grids of the sheets the reader uses (identity, Thông tin, the four tables), found the
    way the reader finds them (case, spacing and Unicode form aside): reading through COM costs
    time per sheet, and the guide, lists, criteria and printed sheets are not needed."""
    from . import spec
    from .normalize import fold

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

_FORMULA_LIKE = re.compile(r"^[=+\-@]|^\s*[\d(.,]")


def cell_value(v):
    """A value as it must be sent to Excel: text that Excel would turn into a formula, a number
    or a date ("- Đã hoàn thành", "1,5", "15/6/2024", "1.1") is kept as text by a leading
    apostrophe (which Excel does not store)."""
    if isinstance(v, str) and v and _FORMULA_LIKE.match(v):
        return "'" + v
    return v


def _try(fn, *args, **kwargs):
    """Formatting that some engines cannot do (page setup on the remote engine…) is optional."""
    try:
        return fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - cosmetic only; the data has been written already
        return None


def _set(obj, attr: str, value) -> None:
    try:
        setattr(obj, attr, value)
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


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


def _fresh_sheet(book, title: str, after=None):
    """An empty sheet named ``title``: an existing one is deleted and made again in its place
    (so no merge, height or format of the previous run survives), a new one goes after ``after``
    (default: last)."""
    old = _find_sheet(book, title)
    if old is not None:
        idx = old.index
        old.delete()
        if idx <= 1:
            return book.sheets.add(title, before=book.sheets[0])
        return book.sheets.add(title, after=book.sheets[idx - 2])
    return book.sheets.add(title, after=after if after is not None else book.sheets[len(book.sheets) - 1])


def _is_com(sheet) -> bool:
    """Desktop Excel on Windows (COM). On a Mac, ``sheet.api`` is an AppleScript reference with
    another object model; the remote engine gives plain data."""
    return sys.platform == "win32" and not isinstance(sheet.api, (dict, list))


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
        from . import spec

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
    from . import spec
    from .annotate import ERROR_COLOR, RESULT_COLUMNS, WARNING_COLOR, link_formula, results_rows, summary_sentence
    from .issues import Issue, count
    from .reader import UnreadableError, read_grids
    from .validate import check_read

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
        return [Issue("error", getattr(exc, "code", "wrong_template"), reason)]
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
    head = [RESULT_TITLE_TEXT, f"{sentence} (Kiểm tra lúc {now:%H:%M} ngày {now:%d/%m/%Y}.)", RESULT_HINT]
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
        _try(lambda: setattr(book.names[STATUS_NAME].refers_to_range, "value", sentence))
    sheet = old if old is not None else book.sheets.add(title, before=book.sheets[0])
    if old is not None:
        sheet.clear()
    sheet.range((1, 1)).value = rows
    _format_results(sheet, len(rows), RESULT_COLUMNS, bool(issues))
    if issues:
        _try(sheet.activate)
    _alert(book, sentence, box, "critical" if errors else "info")
    return issues


def input_print_areas(grids: dict[str, list[list]]) -> dict[str, str]:
    """Sheet → print area for the two open-ended input tables (Điểm bị trừ, Khắc phục): down to
    their last filled row. The template prints only the rows filled when it was written, so that
    the prepared empty rows do not print as pages of empty boxes; rows typed since then print
    once "Kiểm tra" has been clicked."""
    from . import spec
    from .normalize import fold

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
        out[name] = f"A1:{_col_letter(ncol)}{last}"
    return out


def fit_print_areas(book, grids: dict[str, list[list]]) -> None:
    for name, area in input_print_areas(grids).items():
        _try(setattr, book.sheets[name].page_setup, "print_area", area)


def _names(book) -> set[str]:
    try:
        return {n.name.split("!")[-1] for n in book.names}
    except Exception:  # noqa: BLE001
        return set()


def _format_results(sheet, nrows: int, columns, any_issue: bool) -> None:
    hr = RESULT_HEADER_ROW
    ncol = len(columns) + 1
    _set(sheet.range((1, 1)).font, "bold", True)
    _set(sheet.range((1, 1)).font, "size", 14)
    _set(sheet.range((2, 1)).font, "italic", True)
    header = sheet.range((hr, 1), (hr, ncol))
    _set(header.font, "bold", True)
    _set(header, "color", HEADER_FILL)
    _set(header, "horizontal_alignment", "center")
    body = sheet.range((hr, 1), (max(nrows, hr), ncol - 1))
    _set(body, "wrap_text", True)
    _set(body, "vertical_alignment", "top")
    _try(body.borders.set, "all", line_style="continuous", weight="thin")
    for i, (_, width) in enumerate(columns, start=1):
        _set(sheet.range((1, i)), "column_width", width)
    _set(sheet.range((1, ncol)).columns, "hidden", True)
    if any_issue:
        _try(sheet.range((hr + 1, 1), (max(nrows, hr + 1), ncol - 1)).rows.autofit)


# ---- Điền phụ lục --------------------------------------------------------------------------

def fill_appendix_book(book):
    """Fill (or refresh) the Phụ lục I, II, III sheets of the open agency workbook from the
    same sheet models as ``cchc-xl appendix``. Returns the models written."""
    from . import spec
    from .appendix import agency_appendix_models, width_unit_pt
    from .issues import count
    from .reader import UnreadableError, read_grids
    from .render import RenderError
    from .validate import check_read

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
    _try(_find_sheet(book, models[0].title).activate)
    _alert(book, text, box, "info" if not errors else "critical")
    return models


def render_models(book, models, unit_pt: float, after=None) -> list:
    """The xlwings renderer of ``appendix.SheetModel`` (the openpyxl one is ``render_sheets``)."""
    from .appendix import fit_heights

    out = []
    for m in models:
        if m.width_unit_pt != unit_pt:
            fit_heights(m, unit_pt)
        sheet = _fresh_sheet(book, m.title, after=after)
        _render_model(sheet, m)
        after = sheet
        out.append(sheet)
    return out


_SIDES = {"l": "edge_left", "r": "edge_right", "t": "edge_top", "b": "edge_bottom"}


def _render_model(sheet, m) -> None:
    n, nrows = m.ncols, len(m.rows)
    grid = [[cell_value(c.value) if c is not None else None for c in row.cells] for row in m.rows]
    whole = sheet.range((1, 1), (nrows, n))
    whole.value = grid
    _set(whole.font, "name", m.font_name)
    _set(whole.font, "size", m.font_size)
    _set(whole, "wrap_text", True)
    _set(whole, "vertical_alignment", "top")
    for i, w in enumerate(m.columns, start=1):
        _set(sheet.range((1, i)), "column_width", w)
    r = 0
    while r < nrows:  # equal heights in one go
        h = m.rows[r].height
        k = r
        while k + 1 < nrows and m.rows[k + 1].height == h:
            k += 1
        if h is not None:
            _set(sheet.range((r + 1, 1), (k + 1, 1)), "row_height", h)
        r = k + 1
    runs: list[tuple] = []  # (row, col1, col2, rows down, style) of cells styled alike
    edges: list[tuple] = []  # the same for the borders alone
    for r, row in enumerate(m.rows, start=1):
        for c, cell in enumerate(row.cells, start=1):
            if cell is None:
                continue
            text = str(cell.value or "")
            bold = cell.bold or (0 < len(text) <= cell.bold_chars)
            style = (bold, cell.italic, cell.size, cell.align, cell.valign, cell.wrap, cell.number_format)
            if cell.merge_across > 1 or cell.merge_down > 1:
                sheet.range((r, c), (r + cell.merge_down - 1, c + cell.merge_across - 1)).merge()
            _extend(runs, r, c, c + cell.merge_across - 1, cell.merge_down, style, True)
            _extend(edges, r, c, c + cell.merge_across - 1, cell.merge_down, cell.border,
                    ("l" in cell.border) == ("r" in cell.border))
            if isinstance(cell.value, str) and 0 < cell.bold_chars < len(cell.value) and not cell.bold:
                _try(lambda rng=sheet.range((r, c)), k=cell.bold_chars: setattr(rng.characters[0:k].font, "bold", True))
    for r1, r2, c1, c2, (bold, italic, size, align, valign, wrap, fmt) in _blocks(runs, lambda st: True):
        rng = sheet.range((r1, c1), (r2, c2))
        if bold:
            _set(rng.font, "bold", True)
        if italic:
            _set(rng.font, "italic", True)
        if size and size != m.font_size:
            _set(rng.font, "size", size)
        if align != "left":
            _set(rng, "horizontal_alignment", align)
        if valign != "top":
            _set(rng, "vertical_alignment", valign)
        if not wrap:
            _set(rng, "wrap_text", False)
        if fmt:
            _set(rng, "number_format", fmt)
    for r1, r2, c1, c2, border in _blocks(edges, lambda b: ("t" in b) == ("b" in b)):
        if not border:
            continue
        sides = [_SIDES[x] for x in border if x in _SIDES]
        if "l" in border and "r" in border and c2 > c1:
            sides.append("inside_vertical")
        if "t" in border and "b" in border and r2 > r1:
            sides.append("inside_horizontal")
        _try(sheet.range((r1, c1), (r2, c2)).borders.set, sides, line_style="continuous")
    last_col = _col_letter(n)
    _try(setattr, sheet.page_setup, "print_area", f"A1:{last_col}{max(1, nrows)}")
    if _is_com(sheet):
        _try(_com_page_setup, sheet, m.landscape, m.header_rows, m.footer, m.margins)


def _extend(runs: list, r: int, c1: int, c2: int, down: int, style, joinable: bool) -> None:
    """Add a cell to the runs of its row, joining it to the previous one when it looks alike."""
    last = runs[-1] if runs else None
    if joinable and last and last[0] == r and last[2] == c1 - 1 and last[3] == down and last[4] == style:
        runs[-1] = (r, last[1], c2, down, style)
    else:
        runs.append((r, c1, c2, down, style))


def _blocks(runs: list[tuple], joins_down) -> list[tuple]:
    """Runs (row, col1, col2, rows down, style) joined down the rows into rectangles
    (row1, row2, col1, col2, style) where ``joins_down(style)`` says the style looks the same on a
    rectangle as cell by cell (a border with a top rule but no bottom rule does not)."""
    open_: dict[tuple, list] = {}
    out: list[list] = []
    for r, c1, c2, down, style in sorted(runs, key=lambda x: (x[0], x[1])):
        key = (c1, c2, style)
        blk = open_.get(key)
        if blk is not None and blk[1] + 1 == r and joins_down(style):
            blk[1] = r + down - 1
        else:
            blk = [r, r + down - 1, c1, c2, style]
            out.append(blk)
            if joins_down(style):
                open_[key] = blk
    return [tuple(b) for b in out]


def _com_page_setup(sheet, landscape, header_rows, footer, margins) -> None:
    """A4, landscape, one page wide, title rows, footer: desktop Excel only (the remote engine
    has no page setup), and every property is optional."""
    app = sheet.book.app.api
    _set(app, "PrintCommunication", False)
    ps = sheet.api.PageSetup
    _set(ps, "PaperSize", 9)
    _set(ps, "Orientation", 2 if landscape else 1)
    _set(ps, "Zoom", False)
    _set(ps, "FitToPagesWide", 1)
    _set(ps, "FitToPagesTall", False)
    _set(ps, "CenterHorizontally", True)
    if header_rows:
        _set(ps, "PrintTitleRows", f"${header_rows[0]}:${header_rows[1]}")
    if footer:
        _set(ps, "CenterFooter", footer)
    if margins:
        left, right, top, bottom = margins
        for attr, inches in (("LeftMargin", left), ("RightMargin", right), ("TopMargin", top),
                             ("BottomMargin", bottom)):
            _set(ps, attr, inches * 72)
    _set(app, "PrintCommunication", True)


def _col_letter(n: int) -> str:
    """1 → "A" (1-based, as the live workbook's ranges are)."""
    from .reader import col_letter

    return col_letter(n - 1)


# ---- Tổng hợp ------------------------------------------------------------------------------

class ConfigError(Exception):
    """The configuration sheet cannot be used (Vietnamese message)."""


def read_config(book) -> dict:
    """Folder, registry, year, period and strictness from the configuration sheet."""
    from pathlib import Path

    from . import spec
    from .excel_build import CONFIG_FIELDS, CONFIG_SHEET
    from .normalize import clean_text, fold, match_enum, parse_number

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
        if not n.ok or not isinstance(n.value, int) or not 2000 <= n.value <= 2100:
            raise ConfigError(f"năm báo cáo “{raw['year']}” không hợp lệ (cần 4 chữ số, ví dụ 2024)")
        year = n.value
    kind = None
    if raw["kind"] not in (None, ""):
        kind = match_enum(clean_text(raw["kind"]), spec.period_kinds())
        if kind is None:
            raise ConfigError(f"kỳ báo cáo “{raw['kind']}” không có trong danh sách")
    strict = fold(raw["strict"]) in ("co", "x", "yes", "true", "1")
    own = Path(book.fullname) if Path(book.fullname).is_absolute() else None
    return {"folder": folder, "registry": registry, "year": year, "kind": kind, "strict": strict, "own": own}


def consolidate_book(book):
    """In the consolidation workbook: read the configuration sheet, consolidate every agency
    workbook of the folder and fill the result sheets in place. Returns the Consolidation."""
    from .appendix import province_appendix_models, width_unit_pt
    from .consolidate import ConsolidationError, clean_tables, closing_summary, consolidate, sheet_tables
    from .excel_build import CONFIG_SHEET

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
        _render_table(sheet, t)
        after = sheet
        first = first or sheet
    notes = []
    try:
        render_models(book, province_appendix_models(cons.reports, dict(cons.period)),
                      width_unit_pt(*APPENDIX_FONT_UNIT), after=after)
    except Exception as exc:  # noqa: BLE001 - the consolidation itself stands without the appendix
        notes.append(f"không lập được các trang phụ lục tổng hợp ({type(exc).__name__}: {exc})")
    summary = cons.summary()
    lines = [ln for ln in closing_summary(cons, summary, book.name, None, notes)
             if not ln.startswith("Đã ghi sổ tổng hợp")]
    _write_status(book, lines)
    if first is not None:
        _try(first.activate)
    _alert(book, lines[0], box, "info")
    return cons


def _write_status(book, lines: list[str]) -> None:
    from .excel_build import CONFIG_SHEET, CONFIG_STATUS_LINES, CONFIG_STATUS_ROW

    sheet = _find_sheet(book, CONFIG_SHEET)
    if sheet is None:
        return
    now = dt.datetime.now()
    lines = [f"Lần tổng hợp lúc {now:%H:%M} ngày {now:%d/%m/%Y}:"] + list(lines)
    lines = lines[:CONFIG_STATUS_LINES]
    values = [[cell_value(ln)] for ln in lines] + [[None]] * (CONFIG_STATUS_LINES - len(lines))
    sheet.range((CONFIG_STATUS_ROW, 2)).value = values


_FORMATS = {"int": "#,##0", "number": "#,##0.###", "score": "0.0##", "rate": "0.0%", "rate2": "0.00%",
            "date": "dd/mm/yyyy"}
_ROW_FILLS = {"group": "#F2F2F2", "total": "#DDEBF7", "missing": "#FCE4D6"}


def _render_table(sheet, t) -> None:
    """One ``consolidate.SheetTable`` into a live sheet (values first, then light formatting)."""
    n = len(t.columns)
    grid = [[cell_value(v) for v in row] for row in t.grid()]
    sheet.range((1, 1)).value = grid
    nrows = len(grid)
    hr = t.header_row
    whole = sheet.range((1, 1), (nrows, n))
    _set(whole.font, "name", "Times New Roman")
    _set(whole.font, "size", 11)
    _set(whole, "vertical_alignment", "top")
    _set(sheet.range((1, 1)).font, "bold", True)
    _set(sheet.range((1, 1)).font, "size", 13)
    header = sheet.range((hr, 1), (hr, n))
    _set(header.font, "bold", True)
    _set(header, "color", HEADER_FILL)
    _set(header, "wrap_text", True)
    _set(header, "horizontal_alignment", "center")
    last = hr + len(t.rows) + (1 if t.total else 0)
    table = sheet.range((hr, 1), (max(last, hr), n))
    _try(table.borders.set, "all", line_style="continuous", weight="thin")
    for i, col in enumerate(t.columns, start=1):
        _set(sheet.range((1, i)), "column_width", col.width)
        if last > hr:
            rng = sheet.range((hr + 1, i), (last, i))
            if col.kind in _FORMATS:
                _set(rng, "number_format", _FORMATS[col.kind])
            if col.kind in ("center", "int", "date"):
                _set(rng, "horizontal_alignment", "center")
            if col.kind in ("long", "text"):
                _set(rng, "wrap_text", True)
    kinds = list(t.row_kinds or [])
    if t.total:
        kinds += [None] * (len(t.rows) - len(kinds)) + ["total"]
    i = 0
    while i < len(kinds):  # rows of one kind in a row are styled together
        k = i
        while k + 1 < len(kinds) and kinds[k + 1] == kinds[i]:
            k += 1
        if kinds[i] in _ROW_FILLS:
            rng = sheet.range((hr + 1 + i, 1), (hr + 1 + k, n))
            _set(rng, "color", _ROW_FILLS[kinds[i]])
            if kinds[i] in ("group", "total"):
                _set(rng.font, "bold", True)
        i = k + 1
    _try(setattr, sheet.page_setup, "print_area", f"A1:{_col_letter(n)}{max(nrows, 1)}")
    if _is_com(sheet):
        _try(_com_page_setup, sheet, True, (hr, hr), "Trang &P / &N", (0.4, 0.4, 0.6, 0.6))


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


def offline_book(path):
    """An ``xlwings.Book`` of xlwings' remote engine holding the file's values (needs the
    environment variable XLWINGS_LICENSE_KEY, e.g. ``noncommercial``)."""
    import xlwings as xw

    return xw.Book(json=payload_from_file(path))


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
