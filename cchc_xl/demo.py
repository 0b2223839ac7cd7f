"""``cchc-xl demo``: sample submissions, the consolidation and an appendix, in one command.

The demo also owns the generator of plausible agency reports (seeded, Vietnamese texts drawn
from the real documents), which the tests and the benchmark reuse: a generated report is a
canonical document like any other, so it goes through the same template writer and reader.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from pathlib import Path

from cchc_xl import spec
from cchc_xl.check import register

# ---- Vietnamese text pools (wording taken from the seeds) ---------------------------------

_REASONS = [
    "Chưa hoàn thành đầy đủ các nhiệm vụ đề ra trong Kế hoạch CCHC năm.",
    "Không có tài liệu kiểm chứng kết quả thực hiện.",
    "Tỷ lệ hồ sơ giải quyết đúng hạn chưa đạt 100%.",
    "Chưa ban hành văn bản chỉ đạo kịp thời theo yêu cầu của UBND tỉnh.",
    "Việc cập nhật, công khai thông tin trên Cổng thông tin điện tử còn chậm.",
    "Tỷ lệ số hóa hồ sơ, kết quả giải quyết TTHC còn thấp (dưới 80%).",
    "Chưa tổ chức kiểm tra công tác CCHC tại các đơn vị trực thuộc theo kế hoạch.",
    "Có văn bản góp ý dự thảo văn bản QPPL chưa bảo đảm thời hạn.",
    "Chưa thực hiện đầy đủ việc đánh giá, xếp loại chất lượng cán bộ, công chức theo quy định.",
    "Việc duy trì, áp dụng Hệ thống quản lý chất lượng ISO 9001:2015 chưa đầy đủ.",
    "Tỷ lệ văn bản điện tử có ký số chưa đạt chỉ tiêu.",
    "Không có sáng kiến, giải pháp mới về CCHC được công nhận.",
]
_ISSUES = [
    "Một số nhiệm vụ trong Kế hoạch CCHC chưa hoàn thành đúng thời hạn.",
    "Tài liệu kiểm chứng kết quả thực hiện chưa được lưu trữ đầy đủ.",
    "Việc giải quyết hồ sơ TTHC còn có hồ sơ quá hạn.",
    "Công tác tuyên truyền CCHC chưa đa dạng về hình thức.",
    "Tỷ lệ hồ sơ TTHC được số hóa còn thấp so với chỉ tiêu của tỉnh.",
    "Việc rà soát, đánh giá quy trình nội bộ giải quyết TTHC chưa thường xuyên.",
    "Chưa kịp thời cập nhật thông tin trên Cổng thông tin điện tử của cơ quan.",
    "Công tác kiểm tra CCHC tại các đơn vị trực thuộc chưa đạt kế hoạch.",
    "Một số cán bộ, công chức chưa sử dụng thành thạo phần mềm quản lý văn bản và điều hành.",
    "Việc thực hiện chế độ báo cáo định kỳ về CCHC còn chậm.",
]
_SOLUTIONS = [
    "Tham mưu triển khai, đôn đốc, kiểm tra các phòng, đơn vị thực hiện đầy đủ các nhiệm vụ theo Kế hoạch CCHC.",
    "Phân công cụ thể cán bộ theo dõi, lưu trữ tài liệu kiểm chứng theo từng tiêu chí.",
    "Tăng cường việc thực hiện số hóa hồ sơ TTHC trên hệ thống theo quy định.",
    "Tiếp tục vận động, khuyến khích cán bộ, công chức, viên chức nghiên cứu và có sáng kiến về công tác CCHC.",
    "Quán triệt các phòng chuyên môn nêu cao trách nhiệm, thực hiện đúng quy trình, thời hạn.",
    "Rà soát, cập nhật quy trình nội bộ; xử lý dứt điểm hồ sơ trễ hạn.",
    "Đa dạng hóa hình thức tuyên truyền, xây dựng chuyên mục CCHC trên Cổng thông tin điện tử.",
    "Tổ chức tập huấn sử dụng phần mềm quản lý văn bản và ký số cho cán bộ, công chức.",
]
_PROGRESS = {
    "hoan_thanh": ["Đã hoàn thành.", "Đã khắc phục xong, có văn bản kiểm chứng kèm theo.",
                   "Đã ban hành văn bản chỉ đạo và tổ chức thực hiện đầy đủ.",
                   "Đã hoàn thành 100% nhiệm vụ theo kế hoạch."],
    "dang_thuc_hien": ["Đang triển khai thực hiện.", "Đã hoàn thành 70% khối lượng công việc, đang tiếp tục thực hiện.",
                       "Đã ban hành kế hoạch, đang tổ chức thực hiện.",
                       "Đang phối hợp với các đơn vị liên quan để khắc phục."],
    "chua_thuc_hien": ["Chưa thực hiện do đang chờ hướng dẫn của cơ quan cấp trên.",
                       "Chưa triển khai, dự kiến thực hiện trong quý IV."],
    "khong_the_thuc_hien": ["Không thể thực hiện do thay đổi quy định của cấp trên."],
}
_DEADLINES = ["Thường xuyên", "Năm {y}", "Trong năm {y}", "Quý III/{y}", "Quý IV/{y}", "tháng 10/{y}",
              "30/9/{y}", "Quý I/{y}", "tháng 3/{y}"]
_NOTES = [None, None, None, None, "Theo kế hoạch của tỉnh", "Có văn bản kiểm chứng kèm theo"]
_TEXT_ANSWERS = ["Thực hiện theo quy định", "Đảm bảo", "Đã triển khai"]

_STATUS_WEIGHTS = [("hoan_thanh", 45), ("dang_thuc_hien", 38), ("chua_thuc_hien", 13), ("khong_the_thuc_hien", 4)]


def _period_end(kind: str, year: int) -> dt.date:
    try:
        return spec.period_bound(kind, year, "end")
    except KeyError:
        return dt.date(year, 12, 31)


def _round_score(x: float) -> float:
    return round(x * 4) / 4 if x >= 0.25 else 0


def sample_report(name: str, code: str | None, level: str, year: int, kind: str, rng: random.Random,
                  deductions: int | None = None, remediation: int | None = None,
                  fill: float = 1.0) -> dict:
    """A plausible canonical report of one agency (texts in Vietnamese, values within the rules).

    ``deductions`` and ``remediation`` fix the table sizes (default: a few of each, as real
    agencies have); ``fill`` is the share of Phụ lục III rows answered.
    """
    cat = spec.catalog(level, year - 1)
    crits = [c for c in cat.criteria["criteria"]]
    if deductions is None:
        deductions = rng.randint(min(3, len(crits)), min(12, len(crits)))
    n_ded = min(len(crits), deductions)
    chosen = sorted(rng.sample(crits, n_ded), key=lambda c: spec.code_sort_key(c["code"])) if n_ded else []
    deds = []
    for c in chosen:
        mx = c.get("max_score") or rng.choice([1, 1.5, 2])
        sc = _round_score(rng.uniform(0, mx * 0.9))
        deds.append({"code": c["code"], "name": c["name"], "max_score": mx, "score": sc,
                     "reason": rng.choice(_REASONS)})
    areas = []
    for a in cat.criteria["areas"]:
        mx = a.get("max_score")
        if mx is None:
            continue
        lost = sum(d["max_score"] - d["score"] for d in deds if spec.area_of(d["code"]) == a["code"])
        areas.append({"code": a["code"], "name": a["name"], "max_score": mx, "score": round(mx - lost, 3)})
    statuses = [s for s, _ in _STATUS_WEIGHTS]
    weights = [w for _, w in _STATUS_WEIGHTS]
    n_rem = remediation if remediation is not None else len(deds) + rng.randint(0, 4)
    items = []
    for i in range(n_rem):
        status = rng.choices(statuses, weights)[0]
        if i < len(deds):
            d = deds[i]
            crit_code = d["code"]
            issue = (f"Tiêu chí {d['code']} ({d['name']}) đạt {format_number(d['score'])}/{format_number(d['max_score'])} điểm: "
                     f"{d['reason'][0].lower()}{d['reason'][1:]}")
        else:
            crit_code = rng.choice([None, None, *(a["code"] for a in areas[:3])])
            issue = rng.choice(_ISSUES)
        deadline = rng.choice(_DEADLINES).format(y=year if rng.random() < 0.8 else year - 1)
        item = {"code": crit_code, "issue": issue, "solution": rng.choice(_SOLUTIONS), "deadline": deadline,
                "status": status, "progress": rng.choice(_PROGRESS[status]), "note": rng.choice(_NOTES)}
        if status != "hoan_thanh" and rng.random() < 0.15:
            prev = {"6_thang": ("nam", year - 1), "nam": ("6_thang", year), "9_thang": ("6_thang", year)}
            pk, py = prev.get(kind, ("nam", year - 1))
            item["carried_from"] = {"year": py, "kind": pk}
        items.append(item)
    indicators = _indicator_values(cat, rng, fill)
    propaganda = {}
    for row in cat.propaganda["rows"]:
        if row.get("group") or rng.random() > fill:
            continue
        v = rng.randint(20, 150) if row["code"] == "04.1" else rng.randint(0, 12)
        propaganda[row["code"]] = {"value": v, "note": None}
    end = _period_end(kind, year)
    date = end - dt.timedelta(days=rng.randint(3, 20))
    return {
        "schema_version": "1",
        "agency": {"name": name, "code": code, "level": level},
        "period": {"year": year, "kind": kind},
        "appraisal_year": year - 1,
        "report": {"number": f"{rng.randint(100, 3500)}/BC-{code or 'UBND'}", "date": date.isoformat()},
        "areas": areas,
        "deductions": deds,
        "remediation": items,
        "indicators": indicators,
        "propaganda": propaganda,
    }


def format_number(x) -> str:
    from cchc_xl.numtext import format_number

    return format_number(x)


def _indicator_values(cat: spec.Catalog, rng: random.Random, fill: float) -> dict:
    values: dict[str, object] = {}
    for row in cat.indicators["rows"]:
        if row.get("group") or rng.random() > fill:
            continue
        kind = row.get("kind")
        if register.is_numeric(kind):  # a whole count, a number, a share up to its declared maximum
            low, high, whole = register.bounds(kind)
            values[row["code"]] = rng.choice([0, 1, 2, 3, 5, 8, 12, 20, 35, 60, 120, 250]) if whole else \
                round(rng.uniform(0, 500) if high is None else rng.uniform(55, high), 2)
        elif register.coded(kind):
            values[row["code"]] = rng.choice(row["choices"])["value"]
        else:
            values[row["code"]] = rng.choice(_TEXT_ANSWERS)
    # keep the cross-field rules of rules.json: raise the right side until they hold
    for _ in range(20):
        changed = False
        for rule in cat.rules["rules"]:
            codes = [*rule["left"], *rule["right"]]
            if not all(isinstance(values.get(c), (int, float)) for c in codes):
                continue
            left = sum(values[c] for c in rule["left"])
            right = sum(values[c] for c in rule["right"])
            first = rule["right"][0]
            if rule["op"] == "==" and left != right:
                if left < right:  # only ever raise values, so the loop settles
                    values[rule["left"][0]] = values[rule["left"][0]] + (right - left)
                else:
                    values[first] = values[first] + (left - right)
                changed = True
            elif rule["op"] in ("<=", "<") and left > right - (1 if rule["op"] == "<" else 0):
                values[first] = values[first] + (left - right) + (1 if rule["op"] == "<" else 0)
                changed = True
        if not changed:
            break
    notes = {"1.1.1": "Theo Kế hoạch CCHC năm của cơ quan", "3.1.3": "Theo Quyết định công bố của UBND tỉnh"}
    return {code: {"value": v, "note": notes.get(code)} for code, v in values.items()}


# ---- the demo ------------------------------------------------------------------------------

DEMO_YEAR, DEMO_KIND = 2025, "6_thang"  # after the 2025 mergers: the registry of today
PREVIOUS_YEAR, PREVIOUS_KIND = 2024, "6_thang"  # the real example reports' period, historic names


def examples_dir() -> Path:
    """The example reports: the repository's ``examples/`` in a checkout, else the installed copy."""
    here = Path(__file__).resolve().parent
    dev = here.parent / "examples"
    if (here.parent / "schemas" / "report.schema.json").is_file() and dev.is_dir():  # a checkout
        return dev
    installed = here / "_examples"
    if installed.is_dir():
        return installed
    from importlib.resources import files

    return Path(str(files("cchc_xl._examples")))


def load_examples() -> list[dict]:
    out = []
    for p in sorted(examples_dir().glob("*.json")):
        try:
            out.append(json.loads(p.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            continue
    return out


def _write_examples(folder: Path, docs: list[dict], taken: set, written: list, echo) -> None:
    from cchc_xl.workbook.template import write_template

    for doc in docs:
        name = (doc.get("agency") or {}).get("name") or "co_quan"
        out = folder / f"{_slug(name)}.xlsx"
        try:
            write_template(out, report=doc)
        except Exception as exc:  # noqa: BLE001 - a broken example must not stop the demo
            if echo:
                echo(f"Bỏ qua ví dụ của {name}: {exc}")
            continue
        taken.add(name)
        written.append(out)


def write_previous_samples(folder: Path, registry: list, seed: int = 2023, echo=None) -> list[Path]:
    """Last year's submissions in ``folder``: the real example reports (historic names) and generated
    reports of the registry's departments under the names they had then (``ten_cu``, else today's)."""
    from cchc_xl.workbook.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written = []
    taken = set()
    _write_examples(folder, load_examples(), taken, written, echo)
    for entry in [e for e in registry if e.level == "so"]:
        for name in entry.former_names or (entry.name,):
            if name in taken:
                continue
            taken.add(name)
            out = folder / f"{_slug(name)}.xlsx"
            write_template(out, report=sample_report(name, None, "so", PREVIOUS_YEAR, PREVIOUS_KIND, rng))
            written.append(out)
    return written


def write_samples(folder: Path, generated: int = 12, seed: int = 2024, echo=None) -> dict:
    """Sample submissions in ``folder``: generated agencies of today's registry, an example report of an
    earlier year, a duplicate, a bad file."""
    from cchc_xl.read.registry import RegistryError, load_registry
    from cchc_xl.workbook.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written: list[Path] = []
    taken = set()
    _write_examples(folder, load_examples()[-1:], taken, written, echo)  # an earlier year's: not consolidated
    reg_path = examples_dir() / "registry.csv"
    try:
        registry = load_registry(reg_path) if reg_path.is_file() else []
    except RegistryError as exc:
        if echo:
            echo(f"Không dùng được danh sách cơ quan mẫu: {exc}")
        registry, reg_path = [], None
    pool = [e for e in registry if e.level == "so" and e.name not in taken]
    pool.sort(key=lambda e: e.name != "Sở Tài chính")  # its appendix is the demo's example
    made = {}
    for entry in pool[:generated]:
        doc = sample_report(entry.name, entry.code, entry.level, DEMO_YEAR, DEMO_KIND, rng)
        out = folder / f"{_slug(entry.name)}.xlsx"
        write_template(out, report=doc)
        written.append(out)
        made[entry.name] = doc
    # an earlier draft of one agency's report, ten days older: the consolidation keeps the later one
    if made:
        first = pool[0]
        old = sample_report(first.name, first.code, first.level, DEMO_YEAR, DEMO_KIND, random.Random(seed + 1))
        old["report"]["date"] = (dt.date.fromisoformat(made[first.name]["report"]["date"])
                                 - dt.timedelta(days=10)).isoformat()
        out = folder / "ban_cu" / f"{_slug(first.name)}_ban_nhap.xlsx"
        out.parent.mkdir(exist_ok=True)
        write_template(out, report=old)
        written.append(out)
    bad = folder / "Bao_cao_loi_tai_ve.xlsx"  # a download cut short
    bad.write_bytes(b"PK\x03\x04" + bytes(random.Random(seed).getrandbits(8) for _ in range(600)))
    written.append(bad)
    (folder / "ghi_chu.txt").write_text("Các tệp báo cáo CCHC nhận qua hệ thống quản lý văn bản.\n", encoding="utf-8")
    return {"files": written, "registry": reg_path if reg_path and reg_path.is_file() else None,
            "agencies": registry}


def _slug(name: str) -> str:
    from cchc_xl.normalize import fold

    s = fold(name).replace(" ", "_")
    return "".join(ch for ch in s if ch.isalnum() or ch == "_")


def run_demo(outdir, echo=print) -> int:
    """Write samples into OUTDIR/nop, consolidate them, write one appendix; say where they are."""
    from cchc_xl.consolidate import ConsolidationError
    from cchc_xl.cycle.consolidation import run_consolidation
    from cchc_xl.files.fileio import check_writable, os_reason

    start = time.perf_counter()
    outdir = Path(outdir)
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        check_writable(outdir / "tong_hop.xlsx")
    except OSError as exc:
        echo(f"cchc-xl: không ghi được vào thư mục {outdir}: {os_reason(exc)}")
        return 2
    before = outdir / "ky_truoc"
    inbox = outdir / "nop"
    marker = outdir / ".cchc-xl-demo"
    for folder in (inbox, before):
        if folder.exists() and not marker.exists():  # never delete a folder the demo did not make
            echo(f"cchc-xl: {folder} đã có sẵn và không do lệnh demo tạo ra; hãy chọn thư mục khác (-o)")
            return 2
    import shutil

    for folder in (inbox, before):
        if folder.exists():
            shutil.rmtree(folder)
    marker.write_text("Thư mục chạy thử của cchc-xl demo.\n", encoding="utf-8")
    echo(f"Đang tạo các bài nộp mẫu trong {inbox} …")
    samples = write_samples(inbox, echo=echo)
    echo(f"Đang tạo các bài nộp mẫu kỳ trước (tên cơ quan trước sắp xếp năm 2025) trong {before} …")
    write_previous_samples(before / "nop", samples["agencies"], echo=echo)
    out = outdir / "tong_hop.xlsx"
    summary_path = outdir / "tong_hop.json"
    previous_path = before / "tong_hop_ky_truoc.json"
    try:
        run_consolidation(before / "nop", before / "tong_hop_ky_truoc.xlsx", registry=None, json_out=previous_path,
                          echo=lambda line: None, year=PREVIOUS_YEAR, kind=PREVIOUS_KIND)
        summary = run_consolidation(inbox, out, registry=samples["registry"], json_out=summary_path, echo=echo,
                                    year=DEMO_YEAR, kind=DEMO_KIND, previous=previous_path,
                                    docx_out=outdir / "bao_cao_tong_hop.docx")
    except ConsolidationError as exc:
        echo(f"cchc-xl: {exc}")
        return 2
    from cchc_xl.appendix.agency import AppendixError, write_agency_appendix
    from cchc_xl.spec.render import RenderError

    appendix_out = None
    src = inbox / f"{_slug('Sở Tài chính')}.xlsx"
    if not src.exists():
        src = next((p for p in samples["files"] if p.suffix == ".xlsx" and "loi" not in p.name), None)
    if src is not None:
        try:
            appendix_out = write_agency_appendix(src, outdir / "phu_luc_so_tai_chinh.xlsx")
            write_agency_appendix(src, outdir / "phu_luc_so_tai_chinh.docx")  # the same, as Word tables
        except (AppendixError, RenderError) as exc:  # the demo goes on; the appendix has its own command
            echo(f"Không lập được phụ lục mẫu: {exc}")
    echo("")
    echo("Kết quả chạy thử:")
    echo(f"  - Bài nộp mẫu của các cơ quan: {inbox}")
    echo(f"  - Sổ tổng hợp: {out}")
    echo(f"  - Tóm tắt dạng JSON: {summary_path}")
    echo(f"  - So sánh với {spec.period_words(PREVIOUS_KIND, PREVIOUS_YEAR)}: trang “So sánh kỳ trước” của {out} "
         f"(bài nộp kỳ trước: {before / 'nop'})")
    if appendix_out:
        echo(f"  - Phụ lục I, II, III của Sở Tài chính: {appendix_out} (bản Word: {appendix_out.with_suffix('.docx').name})")
    echo(f"  - Dự thảo báo cáo của Sở Nội vụ (Word): {outdir / 'bao_cao_tong_hop.docx'}")
    if samples["registry"]:
        echo(f"  - Danh sách cơ quan phải báo cáo: {samples['registry']}")
    echo(f"Hoàn tất trong {_seconds(time.perf_counter() - start)} giây. Mở tệp {out.name} bằng Excel để xem.")
    accepted = sum(1 for f in summary["files"] if f["status"] == "accepted")
    return 0 if accepted else 1


def _seconds(x: float) -> str:
    from cchc_xl.numtext import format_number

    return format_number(round(x, 1))


__all__ = ["sample_report", "write_samples", "run_demo", "load_examples", "examples_dir"]

