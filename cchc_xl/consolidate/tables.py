"""The output sheets as plain tables (title, notes, header, rows of Python values)."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict

from .. import spec
from ..normalize import fold, format_number
from ..sheets.model import Chart, Column, SheetTable
from .aggregate import (_catalog_for, _code_key, _levels_present, _value_rows, _vn, aggregate_values,
                        area_scores, deductions_by_criterion, progress_words, remediation_progress)
from .files import REMEDIATION_KEYS, STATUS_LABELS, UNKNOWN_STATUS, FileEntry
from .records import LEVEL_ORDER, Consolidation, _tidy

# ---- sheets as plain tables ----------------------------------------------------------------

def _level_label(level) -> str:
    return {"so": "Sở, ban, ngành", "huyen": "UBND cấp huyện", "xa": "UBND cấp xã"}.get(level, level or "")


def _period_ref(ref) -> str | None:
    if isinstance(ref, dict) and ref.get("year") and ref.get("kind"):
        return spec.period_words(ref["kind"], ref["year"])
    return ref if isinstance(ref, str) and ref else None


def _status_label(status) -> str | None:
    if status in REMEDIATION_KEYS:
        return spec.label_of("statuses", status)
    if status == UNKNOWN_STATUS or not status:
        return "Chưa rõ"
    return str(status)


def left_out(value, reason: str) -> str:
    """How a value with an error shows in the per-agency sheets: marked, with the reason."""
    shown = format_number(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value
    return f"{'' if shown is None else shown} (có lỗi, không tính: {reason})".lstrip()


def _excluded_by_file(c: Consolidation) -> Counter:
    return Counter(x["file"] for x in c.records.get("excluded") or [])


def _n(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else x


def sheet_tables(c: Consolidation) -> list[SheetTable]:
    """Every output sheet as a plain table, in workbook order.

    When every agency consolidated is of one level, the "Cấp" column says nothing and is left
    out (except on the submission sheet, which also lists the registry).
    """
    tables = [
        _submissions_table(c),
        _progress_table(c),
        _items_table(c),
        _criteria_table(c),
        _criteria_matrix(c),
        _deductions_table(c),
        _scores_table(c),
        _indicator_summary(c),
        _values_matrix(c, "indicators"),
        _values_matrix(c, "propaganda"),
        _notes_table(c),
        _issues_table(c),
    ]
    if len(_levels_present(c)) <= 1:
        for t in tables[1:]:
            for i, col in enumerate(t.columns):
                if col.title == "Cấp":
                    _drop_column(t, i)
                    break
    return tables


def _drop_column(t: SheetTable, i: int) -> None:
    def cut(row):
        return row[:i] + row[i + 1:] if row is not None and len(row) > i else row

    t.columns = cut(t.columns)
    t.rows = [cut(r) for r in t.rows]
    t.total = cut(t.total)
    if t.freeze_cols > i:
        t.freeze_cols -= 1
    if t.chart:
        col = i + 1
        t.chart.category_col -= t.chart.category_col > col
        t.chart.value_cols = [v - (v > col) for v in t.chart.value_cols]


def _subtitle(c: Consolidation) -> str:
    return (f"Kỳ báo cáo: {c.period_words}. Tổng hợp lúc {c.made.strftime('%H:%M ngày %d/%m/%Y')} "
            f"từ {_vn(len(c.accepted))} báo cáo được tổng hợp.")


def _submissions_table(c: Consolidation) -> SheetTable:
    counts = Counter(f.status for f in c.files)
    notes = [f"Số tệp tìm thấy: {_vn(len(c.files))} (được tổng hợp {_vn(counts['accepted'])}; bị loại "
             f"{_vn(counts['rejected'])}; bản trùng {_vn(counts['duplicate'])}; bỏ qua {_vn(counts['skipped'])})."]
    if c.registry is not None:
        n = len(c.registry)
        notes.append(f"Cơ quan trong danh sách: {_vn(n)}; đã có báo cáo được tổng hợp: "
                     f"{_vn(n - len(c.missing_agencies))}; chưa có: {_vn(len(c.missing_agencies))}"
                     + (f" ({', '.join(c.missing_agencies[:15])}{', …' if len(c.missing_agencies) > 15 else ''})."
                        if c.missing_agencies else "."))
        outside = [f.agency for f in c.accepted if f.registry_index is None]
        if outside:
            notes.append(f"Cơ quan không có trong danh sách nhưng vẫn được tổng hợp: {_vn(len(outside))}.")
    by_identity: dict[str, list[FileEntry]] = defaultdict(list)
    loose: list[FileEntry] = []
    for f in c.files:
        (by_identity[f.identity] if f.identity else loose).append(f)
    order = {"accepted": 0, "duplicate": 1, "rejected": 2, "skipped": 3}
    rows, kinds = [], []

    def agency_state(files: list[FileEntry], in_registry: bool | None) -> str:
        if any(f.status == "accepted" for f in files):
            return "Đã tổng hợp" if in_registry or in_registry is None else "Đã tổng hợp (ngoài danh sách)"
        if files:
            return "Chưa có báo cáo hợp lệ"
        return "Chưa nộp"

    left = _excluded_by_file(c)

    def add(agency, level, state, f: FileEntry | None, note=None):
        reason = f.reason if f else None
        if note:
            reason = f"{reason}; {note}" if reason else note
        flagged = f is not None and f.status == "accepted" and f.errors > 0
        if flagged:
            bad = (f"còn {_vn(f.errors)} lỗi; {_vn(left.get(f.file, 0))} giá trị có lỗi không được tính vào "
                   "số liệu toàn tỉnh (xem trang “Lỗi dữ liệu”)")
            reason = f"{bad}; {reason}" if reason else bad
        rows.append([len(rows) + 1, agency, _level_label(level), state,
                     f.file if f else None, STATUS_LABELS[f.status] if f else None,
                     f.report_number if f else None, f.report_date if f else None,
                     f.errors if f and f.status != "skipped" else None,
                     f.warnings if f and f.status != "skipped" else None, reason])
        kinds.append("missing" if f is None or state == "Chưa có báo cáo hợp lệ" else "error" if flagged else None)

    if c.registry is not None:
        for i, a in enumerate(c.registry):
            files = sorted(by_identity.pop(f"registry:{i}", []), key=lambda f: (order[f.status], f.file))
            state = agency_state(files, True)
            if not files:
                add(a.name, a.level, state, None, "không tìm thấy tệp báo cáo của cơ quan")
            for f in files:
                add(a.name, a.level or f.level, state, f)
    rest = sorted(by_identity.items(), key=lambda kv: (LEVEL_ORDER.get(kv[1][0].level, 9), fold(kv[1][0].agency)))
    for _, files in rest:
        files.sort(key=lambda f: (order[f.status], f.file))
        state = agency_state(files, False if c.registry is not None else None)
        note = "không có trong danh sách cơ quan phải báo cáo" if c.registry is not None else None
        for f in files:
            add(f.agency, f.level, state, f, note if f.status == "accepted" else None)
    for f in sorted(loose, key=lambda f: (order[f.status], f.file)):
        add(None, None, None, f)
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 30), Column("Cấp", 13),
            Column("Báo cáo của cơ quan", 16), Column("Tệp", 30), Column("Kết quả xử lý tệp", 14),
            Column("Số báo cáo", 14), Column("Ngày báo cáo", 11, "date"), Column("Số lỗi", 7, "center"),
            Column("Số cảnh báo", 9, "center"), Column("Lý do, ghi chú", 46, "long")]
    return SheetTable("submissions", "Tình hình nộp", f"TÌNH HÌNH NỘP BÁO CÁO CCHC {c.period_words.upper()}", cols,
                      rows, _subtitle(c), notes, row_kinds=kinds, excel_table=True, freeze_cols=2)


def _progress_table(c: Consolidation) -> SheetTable:
    recs = remediation_progress(c)
    rows = []
    for i, r in enumerate(recs, 1):
        rows.append([i, r["agency"], _level_label(r["level"]), r["total"], r["hoan_thanh"], r["dang_thuc_hien"],
                     r["chua_thuc_hien"], r["khong_the_thuc_hien"], r[UNKNOWN_STATUS] or None, r["rate"],
                     r["overdue"], progress_words(r["hoan_thanh"], r["total"])])
    tot = Counter()
    for r in recs:
        for k in ("total", *REMEDIATION_KEYS, UNKNOWN_STATUS, "overdue"):
            tot[k] += r[k]
    total = [None, "Toàn tỉnh", None, tot["total"], tot["hoan_thanh"], tot["dang_thuc_hien"], tot["chua_thuc_hien"],
             tot["khong_the_thuc_hien"], tot[UNKNOWN_STATUS] or None,
             tot["hoan_thanh"] / tot["total"] if tot["total"] else None, tot["overdue"],
             progress_words(tot["hoan_thanh"], tot["total"])]
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 32), Column("Cấp", 13),
            Column("Số tồn tại", 9, "int"), Column("Đã hoàn thành", 10, "int"), Column("Đang thực hiện", 10, "int"),
            Column("Chưa thực hiện", 10, "int"), Column("Không thể thực hiện", 10, "int"),
            Column("Chưa rõ tình trạng", 9, "int"), Column("Tỷ lệ hoàn thành", 10, "rate"),
            Column("Quá hạn", 8, "center"), Column("Kết quả", 34)]
    with_items = [r for r in recs if r["total"]]
    n = len(with_items)
    shown = min(n, 40)
    chart = None
    if shown:
        first = n - shown  # the lowest rates (the list is sorted from the highest)
        title = ("Tỷ lệ hoàn thành khắc phục theo cơ quan" if shown == n
                 else f"Tỷ lệ hoàn thành khắc phục: {shown} cơ quan thấp nhất")
        chart = Chart(title, 2, [10], shown, first=first, percent=True)
    notes = [f"Tổng số tồn tại, hạn chế: {_vn(tot['total'])}; đã hoàn thành {_vn(tot['hoan_thanh'])} "
             f"({progress_words(tot['hoan_thanh'], tot['total'])}); quá hạn chưa hoàn thành: {_vn(tot['overdue'])}.",
             "Quá hạn: tồn tại đang thực hiện hoặc chưa thực hiện có thời hạn trước ngày báo cáo "
             "(hoặc trước ngày cuối kỳ khi báo cáo không ghi ngày). Sắp xếp theo tỷ lệ hoàn thành giảm dần."]
    return SheetTable("progress", "Tiến độ khắc phục",
                      f"TIẾN ĐỘ KHẮC PHỤC TỒN TẠI, HẠN CHẾ THEO CƠ QUAN — {c.period_words.upper()}", cols, rows,
                      _subtitle(c), notes, total=total, chart=chart, freeze_cols=2)


def _items_table(c: Consolidation) -> SheetTable:
    rows = []
    for i, x in enumerate(c.records["remediation"], 1):
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["issue"], x["solution"], x["deadline"],
                     x["due"], _status_label(x["status"]), "Quá hạn" if x["overdue"] else None, x["progress"],
                     x["note"], _period_ref(x["carried_from"])])
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 18), Column("Cấp", 10), Column("Mã tiêu chí", 7),
            Column("Tồn tại, hạn chế", 38, "long"), Column("Giải pháp khắc phục", 32, "long"),
            Column("Thời hạn", 11), Column("Hạn xác định", 10, "date"), Column("Tình trạng", 11),
            Column("Quá hạn", 7, "center"), Column("Tiến độ, kết quả thực hiện", 32, "long"),
            Column("Ghi chú", 12, "long"), Column("Chuyển từ kỳ trước", 11)]
    notes = ["Mỗi dòng là một tồn tại, hạn chế do cơ quan báo cáo. Dùng nút lọc ở dòng tiêu đề để xem theo cơ quan, "
             "tình trạng hoặc các tồn tại quá hạn; cột “Chuyển từ kỳ trước” ghi kỳ báo cáo mà tồn tại được "
             "chuyển sang."]
    return SheetTable("items", "Danh sách tồn tại", f"DANH SÁCH TỒN TẠI, HẠN CHẾ VÀ KẾT QUẢ KHẮC PHỤC — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, excel_table=True, freeze_cols=2)


def _criteria_table(c: Consolidation) -> SheetTable:
    recs = deductions_by_criterion(c)
    n_ag = Counter(a["level"] for a in c.records["agencies"])
    rows = []
    for i, r in enumerate(recs, 1):
        avg = _tidy(r["lost"] / r["agencies"]) if r["lost"] is not None and r["agencies"] else None
        rows.append([i, _level_label(r["level"]), r["code"], r["name"], r["max"], r["agencies"],
                     f"{_vn(r['agencies'])}/{_vn(n_ag.get(r['level'], 0))} cơ quan", r["lost"], avg])
    cols = [Column("TT", 5, "center"), Column("Cấp", 13), Column("Mã tiêu chí", 9), Column("Tiêu chí", 50, "long"),
            Column("Điểm tối đa", 9, "score"), Column("Số cơ quan bị trừ điểm", 11, "int"),
            Column("Tỷ lệ cơ quan", 14), Column("Tổng điểm bị trừ", 11, "score"),
            Column("Bình quân mỗi cơ quan", 11, "score")]
    total_lost = _tidy(sum(r["lost"] or 0 for r in recs)) if recs else 0
    total = [None, None, "Cộng", f"{len(recs)} tiêu chí", None, None, None, total_lost, None]
    shown = min(len(recs), 20)
    chart = Chart("Số cơ quan bị trừ điểm theo tiêu chí" + ("" if shown == len(recs) else f" ({shown} tiêu chí "
                                                                                        "bị trừ nhiều nhất)"),
                  3, [6], shown) if shown else None
    notes = ["Sắp xếp theo số cơ quan bị trừ điểm giảm dần (tiêu chí bị trừ điểm nhiều nhất ở đầu). Điểm bị trừ = "
             "điểm tối đa − điểm đạt (điểm tối đa lấy theo Bộ tiêu chí khi báo cáo không ghi)."]
    return SheetTable("criteria", "Tiêu chí bị trừ điểm", f"CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM — {c.period_words.upper()}",
                      cols, rows, _subtitle(c), notes, total=total, chart=chart)


def _agency_columns(c: Consolidation) -> list[tuple[int, str]]:
    return [(a["aid"], a["agency"]) for a in c.records["agencies"]]


def _criteria_matrix(c: Consolidation) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    cells: dict[tuple, dict] = defaultdict(dict)
    names: dict[tuple, str] = {}
    for x in c.records["deductions"]:
        aid, level, code, name, lost, score = x["aid"], x["level"], x["code"], x["name"], x["lost"], x["score"]
        key = (level, code or "")
        names.setdefault(key, name)
        cur = cells[key].get(aid)
        if x.get("error"):
            cells[key][aid] = left_out(score, x["error"]) if cur is None else f"{cur}; {left_out(score, x['error'])}"
            continue
        val = _n(lost) if _n(lost) is not None else ("?" if score is None else score)
        if isinstance(cur, (int, float)) and isinstance(val, (int, float)):
            val = _tidy(cur + val)
        cells[key][aid] = val
    keys = sorted(cells, key=lambda k: (LEVEL_ORDER.get(k[0], 9), _code_key(k[1])))
    rows = []
    for i, key in enumerate(keys, 1):
        level, code = key
        cat = _catalog_for(c, level)
        row = [i, _level_label(level), code, cat.criterion_name(code) or names.get(key)]
        lost = [v for v in cells[key].values() if isinstance(v, (int, float))]
        row.append(_tidy(sum(lost)) if lost else None)
        vals = [None] * len(agencies)
        for aid, v in cells[key].items():
            vals[pos[aid]] = v
        rows.append(row + vals)
    cols = [Column("TT", 5, "center"), Column("Cấp", 12), Column("Mã tiêu chí", 9), Column("Tiêu chí", 40, "long"),
            Column("Tổng điểm bị trừ", 10, "score")]
    cols += [Column(name, 11, "score") for _, name in agencies]
    return SheetTable("criteria_matrix", "Điểm trừ theo cơ quan",
                      f"ĐIỂM BỊ TRỪ THEO TIÊU CHÍ VÀ CƠ QUAN — {c.period_words.upper()}", cols, rows, _subtitle(c),
                      ["Mỗi ô là số điểm cơ quan bị trừ ở tiêu chí (điểm tối đa − điểm đạt); ô trống: không bị trừ."],
                      freeze_cols=4, fit_width=len(agencies) <= 20)


def _deductions_table(c: Consolidation) -> SheetTable:
    rows, kinds = [], []
    for i, x in enumerate(c.records["deductions"], 1):
        shown_max = x["max_score"] if x["max_score"] is not None else x["max_used"]
        score, lost = x["score"], x["lost"]
        if x.get("error"):
            score, lost = left_out(score, x["error"]), None
            kinds.append("error")
        else:
            kinds.append(None)
        rows.append([i, x["agency"], _level_label(x["level"]), x["code"], x["name"], shown_max, score, lost,
                     x["reason"]])
    cols = [Column("TT", 6, "center"), Column("Cơ quan, đơn vị", 24), Column("Cấp", 12), Column("Mã tiêu chí", 9),
            Column("Tên tiêu chí", 36, "long"), Column("Điểm tối đa", 8, "score"), Column("Điểm đạt", 8, "score"),
            Column("Điểm bị trừ", 8, "score"), Column("Lý do bị trừ điểm", 50, "long")]
    return SheetTable("deductions", "Điểm bị trừ chi tiết",
                      f"CHI TIẾT CÁC TIÊU CHÍ BỊ TRỪ ĐIỂM CỦA TỪNG CƠ QUAN — {c.period_words.upper()}", cols, rows,
                      _subtitle(c), excel_table=True, freeze_cols=2, row_kinds=kinds if any(kinds) else None)


def _scores_table(c: Consolidation) -> SheetTable:
    codes, recs = area_scores(c)
    rows, kinds = [], []
    for i, r in enumerate(recs, 1):
        bad = dict(r["errors"])
        shown = [left_out(r["scores"].get(code), bad[code]) if code in bad else r["scores"].get(code) for code in codes]
        kinds.append("error" if bad else None)
        rows.append([i, r["agency"], _level_label(r["level"]), *shown,
                     r["total"], r["max"], (r["pct"] / 100) if r["pct"] is not None else None, r["rank"], r["words"]])
    cols = [Column("TT", 5, "center"), Column("Cơ quan, đơn vị", 28), Column("Cấp", 12)]
    cols += [Column(f"Lĩnh vực {code}", 8, "score") for code in codes]
    cols += [Column("Tổng điểm", 9, "score"), Column("Điểm tối đa", 9, "score"), Column("Tỷ lệ", 9, "rate2"),
             Column("Xếp hạng trong cấp", 9, "center"), Column("Kết quả", 40)]
    notes = ["Điểm từng lĩnh vực theo kết quả thẩm định Đoàn thẩm định công bố (giữ nguyên như cơ quan kê khai). "
             "Xếp hạng theo tỷ lệ điểm, trong từng cấp (sở, ban, ngành; UBND cấp huyện; UBND cấp xã)."]
    if not codes:
        notes.append("Chưa có cơ quan nào kê khai điểm từng lĩnh vực.")
    unranked = sum(1 for r in recs if not r["rank"])
    if unranked:
        notes.append(f"{_vn(unranked)} cơ quan không được xếp hạng vì điểm từng lĩnh vực thiếu hoặc có lỗi; lý do ghi ở "
                     "cột “Kết quả”. Điểm có lỗi không được tính.")
    return SheetTable("scores", "Điểm và xếp hạng", f"ĐIỂM CHỈ SỐ CCHC THEO LĨNH VỰC VÀ XẾP HẠNG — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, freeze_cols=2,
                      row_kinds=kinds if any(kinds) else None)


_RULE_WORDS = {"sum": "Cộng", "stats": "Thấp nhất, trung vị, cao nhất", "choices": "Đếm theo lựa chọn",
               "list": "Liệt kê", "none": "Không tổng hợp"}


def _indicator_summary(c: Consolidation) -> SheetTable:
    rows, kinds = [], []
    for row, agg in aggregate_values(c, "indicators"):
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        if agg is None:
            rows.append([row["code"], name, row.get("unit"), None, None, None, None, None, None, None])
            kinds.append("group")
            continue
        rows.append([row["code"], name, row.get("unit"), _RULE_WORDS.get(agg.rule), agg.reporting or None,
                     agg.total, agg.minimum, agg.median, agg.maximum, agg.text or None])
        kinds.append(None)
    cols = [Column("Mã chỉ tiêu", 9), Column("Chỉ tiêu thống kê", 46, "long"), Column("Đơn vị tính", 14),
            Column("Cách tổng hợp", 13), Column("Số cơ quan có số liệu", 10, "int"),
            Column("Tổng toàn tỉnh", 11, "number"),
            Column("Thấp nhất", 9, "number"), Column("Trung vị", 9, "number"), Column("Cao nhất", 9, "number"),
            Column("Tổng hợp", 40, "long")]
    notes = [f"Tổng hợp số liệu Phụ lục III của {_vn(len(c.records['agencies']))} cơ quan: chỉ tiêu đếm được cộng lại; "
             "tỷ lệ phần "
             "trăm không cộng mà nêu thấp nhất, trung vị, cao nhất; chỉ tiêu lựa chọn được đếm theo từng lựa chọn."]
    return SheetTable("indicators", "Chỉ tiêu toàn tỉnh", f"TỔNG HỢP SỐ LIỆU THỐNG KÊ CCHC TOÀN TỈNH (PHỤ LỤC III) — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, row_kinds=kinds)


def _value_display(value, row: dict):
    if row.get("kind") == "choice" and isinstance(value, (int, float)) and not isinstance(value, bool):
        for ch in row.get("choices", []):
            if ch["value"] == value:
                return ch["label"]
    return value


def _values_matrix(c: Consolidation, which: str) -> SheetTable:
    agencies = _agency_columns(c)
    pos = {aid: i for i, (aid, _) in enumerate(agencies)}
    values: dict[str, list] = {}
    for x in c.records[which]:
        if x["value"] is not None:
            values.setdefault(x["code"], [None] * len(agencies))[pos[x["aid"]]] = \
                left_out(x["value"], x["error"]) if x.get("error") else x["value"]
    aggs = dict((row["code"], (row, agg)) for row, agg in aggregate_values(c, which))
    rows, kinds = [], []
    for code, (row, agg) in aggs.items():
        name = (row.get("label") + ": " if row.get("label") else "") + row["name"]
        vals = [_value_display(v, row) for v in values.get(code, [None] * len(agencies))]  # marked texts stay
        summary = None
        if agg is not None:
            summary = agg.total if agg.rule == "sum" else (agg.text or None)
        rows.append([code, name, row.get("unit"), summary, *vals])
        kinds.append("group" if row.get("group") else None)
    cols = [Column("Mã", 8), Column("Chỉ tiêu", 40, "long"), Column("Đơn vị tính", 12),
            Column("Toàn tỉnh", 14 if which == "propaganda" else 22, "number")]
    cols += [Column(name, 12, "number") for _, name in agencies]
    if which == "indicators":
        return SheetTable("indicator_matrix", "Chỉ tiêu theo cơ quan",
                          f"SỐ LIỆU THỐNG KÊ CCHC (PHỤ LỤC III) THEO CƠ QUAN — {c.period_words.upper()}", cols, rows,
                          _subtitle(c), ["Mỗi cột là số liệu một cơ quan kê khai; ô trống: cơ quan không kê khai. "
                                         "Cột “Toàn tỉnh” theo cách tổng hợp của từng chỉ tiêu (xem trang "
                                         "Chỉ tiêu toàn tỉnh)."],
                          row_kinds=kinds, freeze_cols=3, fit_width=len(agencies) <= 15)
    return SheetTable("propaganda", "Tuyên truyền", f"TỔNG HỢP CÔNG TÁC TUYÊN TRUYỀN CCHC (PHỤ LỤC I) — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c),
                      ["Cột “Toàn tỉnh” là tổng của các cơ quan; các cột sau là số liệu từng cơ quan."],
                      row_kinds=kinds, freeze_cols=3, fit_width=len(agencies) <= 15)


def _notes_table(c: Consolidation) -> SheetTable:
    rows = []
    for which, label in (("indicators", "Phụ lục III"), ("propaganda", "Phụ lục I")):
        names = {r["code"]: r["name"] for r in _value_rows(c, which)}
        for x in c.records[which]:
            if isinstance(x["note"], str) and x["note"]:
                rows.append([len(rows) + 1, label, x["agency"], x["code"], names.get(x["code"]), x["value"], x["note"]])
    cols = [Column("TT", 6, "center"), Column("Phụ lục", 10), Column("Cơ quan, đơn vị", 24), Column("Mã", 8),
            Column("Chỉ tiêu", 40, "long"), Column("Số liệu", 10, "number"), Column("Ghi chú của cơ quan", 50, "long")]
    return SheetTable("notes", "Ghi chú số liệu", f"GHI CHÚ KÈM SỐ LIỆU CỦA CÁC CƠ QUAN — {c.period_words.upper()}",
                      cols, rows, _subtitle(c), excel_table=True, freeze_cols=3)


def _issues_table(c: Consolidation) -> SheetTable:
    """The issues of the files used first (counted in the notes, as in the console summary); those
    of rejected files and unused duplicates apart, at the end."""
    left = {(x["file"], x["field"]) for x in c.records.get("excluded") or []}
    used = [x for x in c.records["issues"] if x["status"] == "accepted"]
    other = [x for x in c.records["issues"] if x["status"] != "accepted"]
    rows, kinds = [], []
    for x in used + other:
        rows.append([len(rows) + 1, x["file"], x["agency"], STATUS_LABELS.get(x["status"]),
                     "Lỗi" if x["severity"] == "error" else "Cảnh báo", x["sheet"], x["cell"], x["code"], x["message"],
                     "Không tính" if x["severity"] == "error" and (x["file"], x["field"]) in left else None])
        kinds.append(None if x["status"] == "accepted" else "missing")
    cols = [Column("TT", 6, "center"), Column("Tệp", 26), Column("Cơ quan, đơn vị", 22),
            Column("Kết quả xử lý tệp", 12),
            Column("Mức độ", 9), Column("Trang", 12), Column("Ô", 7, "center"), Column("Mã lỗi", 16),
            Column("Nội dung", 60, "long"), Column("Số liệu toàn tỉnh", 11, "center")]
    errors = sum(1 for x in used if x["severity"] == "error")
    n_left = len(c.records.get("excluded") or [])
    notes = [f"Các tệp được tổng hợp: {_vn(errors)} lỗi và {_vn(len(used) - errors)} cảnh báo trong "
             f"{_vn(len({x['file'] for x in used}))} tệp; {_vn(n_left)} giá trị có lỗi không được tính vào số liệu "
             "toàn tỉnh (cột “Số liệu toàn tỉnh”: Không tính). Lỗi cần cơ quan sửa ở đúng trang và ô nêu trong bảng; "
             "cảnh báo cần xem lại."]
    if other:
        bad = sum(1 for x in other if x["severity"] == "error")
        notes.append(f"Tệp bị loại hoặc bản trùng không dùng (cuối bảng, không tính ở trên): {_vn(bad)} lỗi và "
                     f"{_vn(len(other) - bad)} cảnh báo trong {_vn(len({x['file'] for x in other}))} tệp.")
    return SheetTable("issues", "Lỗi dữ liệu", f"CÁC LỖI, CẢNH BÁO TRONG DỮ LIỆU CÁC CƠ QUAN GỬI — "
                      f"{c.period_words.upper()}", cols, rows, _subtitle(c), notes, excel_table=True, freeze_cols=2,
                      row_kinds=kinds if any(kinds) else None)


def _py(v):
    """Plain Python values for every consumer (numpy scalars, NaN and NaT become Python/None)."""
    if v is None or isinstance(v, (str, bool, int)) and not hasattr(v, "dtype"):
        return v
    if hasattr(v, "item") and not isinstance(v, (dt.date, dt.datetime)):
        try:
            v = v.item()
        except (AttributeError, ValueError):
            pass
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if v.__class__.__name__ in ("NaTType", "NAType"):
        return None
    if hasattr(v, "to_pydatetime"):
        return v.to_pydatetime()
    return v


def clean_tables(tables: list[SheetTable]) -> list[SheetTable]:
    for t in tables:
        t.rows = [[_py(v) for v in row] for row in t.rows]
        if t.total:
            t.total = [_py(v) for v in t.total]
    return tables
