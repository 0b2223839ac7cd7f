#!/usr/bin/env python3
"""Snapshot of what the toolkit writes, to prove a restructuring leaves every output unchanged.

Runs the main jobs of the public command line (``python3 -m cchc_xl ...``, never an internal
module: those move) on the built-in data in a temporary folder, then reduces every output to a
canonical digest:

- ``.xlsx`` / ``.xlsm``: every sheet's non-empty cells (coordinate → value or formula text and
  number format), merged ranges, data validations, conditional formats' formulas, row heights,
  column widths and frozen panes, print settings,
  sheet order and state, defined names, and the hash of the VBA project;
- ``.docx``: paragraphs and table cell texts in order (body, then headers and footers);
- ``.json``: the parsed data; ``.csv`` / ``.txt``: the text;
- plus the exit code of every job.

Whatever depends on the clock or the machine (today's date in the spellings the outputs use,
temporary and repository paths, the toolkit's version) is replaced by placeholders, so two runs of
the same code give byte-identical digests.

Usage::

    python3 tests/output_snapshot.py --write tests/snapshots/outputs.json
    python3 tests/output_snapshot.py --compare tests/snapshots/outputs.json
    python3 tests/output_snapshot.py --against HEAD      # cell-level diff with a revision

The committed snapshot ``outputs.json`` keeps one sha256 and a count per part (sheet, document, JSON
file), readable in a review; beside it ``outputs.cells.json.xz`` keeps every cell (identical parts
stored once, xz: about 0.25 MB instead of 100 MB), so that a comparison names the differing cells.
``--against`` recomputes the full listing of both trees.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LEVELS = ("so", "huyen", "xa")
FULL = "full"
SUMMARY = "summary"
FORMAT = 1


# --------------------------------------------------------------------------------------------
# Running the jobs
# --------------------------------------------------------------------------------------------

def _jobs(repo: Path, out: Path) -> list[tuple[str, list[str], str | None]]:
    """The jobs: (name, arguments after ``-m cchc_xl``, file that receives stdout or None).

    Jobs are grouped in stages; a job only uses outputs of an earlier stage.
    """
    examples = repo / "examples"
    reports = sorted(examples.glob("*.json")) if examples.is_dir() else []
    books = out / "examples_xlsx"
    stage1: list = [("demo", ["demo", "-o", str(out / "demo")], None)]
    for level in LEVELS:
        stage1.append((f"template_{level}", ["template", "--level", level, "-o",
                                             str(out / "template" / f"{level}.xlsx")], None))
        stage1.append((f"template_{level}_macros", ["template", "--level", level, "--macros", "-o",
                                                    str(out / "template" / f"{level}.xlsm")], None))
    for rep in reports:
        stage1.append((f"template_data_{rep.stem}", ["template", "--data", str(rep), "-o",
                                                     str(books / f"{rep.stem}.xlsx")], None))
    stage1.append(("template_appraisal", ["template", "--appraisal", "-o",
                                          str(out / "template" / "tham_dinh.xlsx")], None))
    stage1.append(("catalog", ["catalog", "-o", str(out / "catalog" / "bo_tieu_chi.xlsx")], None))
    if examples.is_dir():
        files = sorted(p for p in examples.iterdir() if p.is_file())
        stage1.append(("validate_examples", ["validate", "--json", *map(str, files)],
                       str(out / "validate" / "examples.json")))
    stage2: list = []
    for rep in reports:
        book = books / f"{rep.stem}.xlsx"
        stage2 += [
            (f"export_{rep.stem}", ["export", str(book), "-o", str(out / "export" / f"{rep.stem}.json")], None),
            (f"appendix_{rep.stem}_xlsx", ["appendix", str(book), "-o",
                                           str(out / "appendix" / f"{rep.stem}.xlsx")], None),
            (f"appendix_{rep.stem}_docx", ["appendix", str(book), "-o",
                                           str(out / "appendix" / f"{rep.stem}.docx")], None),
        ]
    if reports:
        stage2.append(("validate_example_books",
                       ["validate", "--json", *(str(books / f"{r.stem}.xlsx") for r in reports)],
                       str(out / "validate" / "example_books.json")))
        cons = ["consolidate", str(books), "-o", str(out / "consolidate" / "tong_hop.xlsx"),
                "--json", str(out / "consolidate" / "tong_hop.json"),
                "--docx", str(out / "consolidate" / "bao_cao.docx"), "--date", "2024-07-15"]
        if (examples / "registry.csv").is_file():
            cons += ["--registry", str(examples / "registry.csv")]
        stage2.append(("consolidate_examples", cons, None))
    stage3 = [("validate_demo", ["validate", "--json", "@DEMO_NOP"],
               str(out / "validate" / "demo_nop.json"))]
    return [stage1, stage2, stage3]


def _run(repo: Path, out: Path, job, codes: dict) -> None:
    name, args, stdout_file = job
    if args[-1] == "@DEMO_NOP":
        nop = out / "demo" / "nop"
        files = sorted(p for p in nop.rglob("*.xlsx")) if nop.is_dir() else []
        if not files:
            codes[name] = "skipped"
            return
        args = args[:-1] + [str(p) for p in files]
    for a in args:  # the parent folder of every output
        if a.startswith(str(out)):
            Path(a).parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PYTHONPATH=str(repo))  # hash seed left random: order must not depend on it
    env.pop("CCHC_XL_CATALOG_DIR", None)
    env.pop("CCHC_XL_TEMPLATE_DIR", None)
    proc = subprocess.run([sys.executable, "-m", "cchc_xl", *args], cwd=str(out), env=env,
                          capture_output=True, text=True, timeout=600)
    codes[name] = proc.returncode
    if stdout_file:
        Path(stdout_file).parent.mkdir(parents=True, exist_ok=True)
        Path(stdout_file).write_text(proc.stdout, encoding="utf-8")
    if proc.returncode not in (0, 1, 2) or "Traceback" in proc.stderr:
        codes[name] = f"{proc.returncode}: {proc.stderr.strip().splitlines()[-1:] }"


def run_jobs(repo: Path, out: Path, workers: int = 2) -> dict:
    """Runs every job of ``repo``'s toolkit with outputs under ``out``; returns the exit codes."""
    codes: dict = {}
    for stage in _jobs(repo, out):
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(lambda j: _run(repo, out, j, codes), stage))
    return dict(sorted(codes.items()))


# --------------------------------------------------------------------------------------------
# Canonical forms
# --------------------------------------------------------------------------------------------

class Scrubber:
    """Replaces what depends on the clock or the machine by placeholders."""

    def __init__(self, repo: Path, out: Path, version: str | None):
        self.paths = sorted({str(out), str(out.resolve()), str(repo), str(repo.resolve())},
                            key=len, reverse=True)
        self.path_names = {str(out): "<OUT>", str(out.resolve()): "<OUT>",
                           str(repo): "<REPO>", str(repo.resolve()): "<REPO>"}
        days = set()
        now = _dt.datetime.now(_dt.timezone.utc)
        for tz in (_dt.timezone.utc, _dt.timezone(_dt.timedelta(hours=7)), None):
            day = now.astimezone(tz).date() if tz else _dt.date.today()
            days.add(day)
        self.days = days
        self.years = sorted({str(d.year) for d in days})
        spellings = []
        for d in days:
            spellings += [
                (rf"ngày\s+0?{d.day}\s+tháng\s+0?{d.month}\s+năm\s+{d.year}", "ngày <TODAY>"),
                (rf"(?<!\d){d.isoformat()}(?!\d)", "<TODAY>"),
                (rf"(?<!\d){d:%Y%m%d}(?!\d)", "<TODAY>"),
                (rf"(?<!\d)0?{d.day}/0?{d.month}/{d.year}(?!\d)", "<TODAY>"),
                (rf"(?<!\d)0?{d.day}-0?{d.month}-{d.year}(?!\d)", "<TODAY>"),
                (rf"(?<!\d)0?{d.day}\.0?{d.month}\.{d.year}(?!\d)", "<TODAY>"),
            ]
        self.patterns = [(re.compile(p), r) for p, r in spellings]
        # a time of day next to today's date: "<TODAY> 10:42", "10:42 <TODAY>", ISO "T10:42:05"
        self.clock = [
            (re.compile(r"<TODAY>([ T,]+)\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2}|Z)?"), r"<TODAY>\1<TIME>"),
            (re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?(\s*(giờ)?)?([ ,]+)(ngày )?<TODAY>"), r"<TIME>\4\5<TODAY>"),
        ]
        self.version = version

    def text(self, s: str) -> str:
        for p in self.paths:
            if p in s:
                s = s.replace(p, self.path_names[p])
        if any(y in s for y in self.years):  # cheap test first: formulas are long
            for pat, rep in self.patterns:
                s = pat.sub(rep, s)
            if "<TODAY>" in s:
                for pat, rep in self.clock:
                    s = pat.sub(rep, s)
        if self.version and self.version in s:
            s = re.sub(rf"(?<![\d.]){re.escape(self.version)}(?![\d.])", "<VERSION>", s)
        return s

    def value(self, v):
        if isinstance(v, str):
            return self.text(v)
        if isinstance(v, _dt.datetime):
            if v.date() in self.days:
                return "<NOW>"
            return v.isoformat()
        if isinstance(v, _dt.date):
            return "<TODAY>" if v in self.days else v.isoformat()
        if isinstance(v, (_dt.time, _dt.timedelta)):
            return str(v)
        if isinstance(v, float) and v.is_integer() and abs(v) < 2 ** 53:
            return v  # kept as float: 1.0 and 1 differ in a cell
        if isinstance(v, (bool, int, float)) or v is None:
            return v
        if isinstance(v, dict):
            return {self.text(str(k)): self.value(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [self.value(x) for x in v]
        text = getattr(v, "text", None)  # ArrayFormula
        if isinstance(text, str):
            return self.text(f"{{{text}}} @{getattr(v, 'ref', '')}")
        return self.text(repr(v))


def _cell_key(coord: str) -> tuple[int, str]:
    m = re.match(r"([A-Z]+)(\d+)", coord)
    if not m:
        return (0, coord)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return (int(m.group(2)), f"{col:05d}")


def digest_xlsx(path: Path, sc: Scrubber) -> dict:
    import openpyxl
    parts: dict = {}
    try:
        wb = openpyxl.load_workbook(path, data_only=False, keep_vba=False)
    except Exception as exc:  # a deliberately broken demo file
        return {"(file)": {"unreadable": type(exc).__name__, "bytes": path.stat().st_size}}
    book = {
        "sheets": [[ws.title, ws.sheet_state, type(ws).__name__] for ws in wb.worksheets],
        "defined_names": {},
    }
    try:
        names = wb.defined_names
        items = names.items() if hasattr(names, "items") else [(n.name, n) for n in names.definedName]
        book["defined_names"] = {k: sc.text(str(v.attr_text)) for k, v in sorted(items)}
    except Exception as exc:
        book["defined_names"] = f"<{type(exc).__name__}>"
    with zipfile.ZipFile(path) as zf:
        vba = [n for n in zf.namelist() if n.lower().endswith("vbaproject.bin")]
        book["vba"] = [hashlib.sha256(zf.read(n)).hexdigest() for n in vba]
    parts["(workbook)"] = book
    for ws in wb.worksheets:
        sheet: dict = {}
        if hasattr(ws, "iter_rows"):
            cells = {}
            stored = getattr(ws, "_cells", None)  # the cells the file holds, not the rectangle
            for c in (stored.values() if isinstance(stored, dict) else
                      (c for row in ws.iter_rows() for c in row)):
                if c.value is None:
                    continue
                cells[c.coordinate] = [sc.value(c.value), c.number_format]
            sheet["cells"] = dict(sorted(cells.items(), key=lambda kv: _cell_key(kv[0])))
            sheet["merged"] = sorted(str(r) for r in ws.merged_cells.ranges)
            sheet["validations"] = sorted(
                [str(dv.sqref), dv.type, sc.text(dv.formula1 or ""), sc.text(dv.formula2 or ""),
                 dv.operator, bool(dv.allow_blank)]
                for dv in ws.data_validations.dataValidation)
            cf = []
            for rng in ws.conditional_formatting:
                for rule in rng.rules:
                    cf.append([str(rng.sqref), rule.type, rule.operator,
                               [sc.text(str(f)) for f in (rule.formula or [])], rule.priority])
            sheet["conditional"] = sorted(cf, key=lambda r: json.dumps(r, ensure_ascii=False))
            sheet["layout"] = {  # the row height rule is one of issue 21's duplicated rules
                "rows": {str(r): [d.height, bool(d.hidden)] for r, d in sorted(ws.row_dimensions.items())
                         if d.height is not None or d.hidden},
                "cols": {k: [d.width if d.customWidth else None, bool(d.hidden)]
                         for k, d in sorted(ws.column_dimensions.items())
                         if d.customWidth or d.hidden},
                "freeze": ws.freeze_panes,
            }
            ps = ws.page_setup
            sheet["print"] = {
                "area": sc.text(str(ws.print_area)) if ws.print_area else None,
                "title_rows": ws.print_title_rows, "title_cols": ws.print_title_cols,
                "orientation": ps.orientation, "paper": ps.paperSize,
                "fit": [ps.fitToWidth, ps.fitToHeight, ws.sheet_properties.pageSetUpPr.fitToPage
                        if ws.sheet_properties.pageSetUpPr else None],
                "header": sc.text(str(ws.oddHeader.center.text or "")) if ws.oddHeader else None,
                "footer": sc.text(str(ws.oddFooter.center.text or "")) if ws.oddFooter else None,
            }
        parts[ws.title] = sheet
    return parts


def digest_docx(path: Path, sc: Scrubber) -> dict:
    import docx
    d = docx.Document(str(path))
    body = d.element.body
    paragraphs, tables = [], []
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.append(sc.text(Paragraph(child, d).text))
        elif tag == "tbl":
            t = Table(child, d)
            tables.append([[sc.text(cell.text) for cell in row.cells] for row in t.rows])
            paragraphs.append(f"<table {len(tables)}>")
    around = []
    for i, s in enumerate(d.sections):
        around.append({
            "orientation": int(s.orientation) if s.orientation is not None else None,
            "header": [sc.text(p.text) for p in s.header.paragraphs],
            "footer": [sc.text(p.text) for p in s.footer.paragraphs],
        })
    return {"paragraphs": paragraphs, "tables": tables, "sections": around}


def digest_file(path: Path, sc: Scrubber) -> dict:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return digest_xlsx(path, sc)
    if suffix == ".docx":
        return digest_docx(path, sc)
    if suffix == ".json":
        text = path.read_text(encoding="utf-8")
        try:
            return {"data": sc.value(json.loads(text))}
        except ValueError:
            return {"text": sc.text(text)}
    if suffix in (".csv", ".txt", ".md", ""):
        return {"text": sc.text(path.read_text(encoding="utf-8", errors="replace"))}
    return {"(file)": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest()}}


def _version(repo: Path) -> str | None:
    """The toolkit's version as pyproject.toml declares it (hidden: a release changes it)."""
    try:
        text = (repo / "pyproject.toml").read_text(encoding="utf-8")
    except OSError:
        return None
    m = re.search(r'^version\s*=\s*"([^"]+)"', text, re.M)
    return m.group(1) if m else None


def compute(repo: Path = REPO, workers: int = 2) -> dict:
    """The full digest of ``repo``'s outputs: {"format", "mode": "full", "jobs", "files"}."""
    repo = Path(repo)
    with tempfile.TemporaryDirectory(prefix="cchc-snap-") as tmp:
        out = Path(tmp) / "out"
        out.mkdir()
        codes = run_jobs(repo, out, workers)
        sc = Scrubber(repo, out, _version(repo))
        files = {}
        paths = sorted(p for p in out.rglob("*") if p.is_file())

        with ProcessPoolExecutor(max_workers=workers) as pool:  # openpyxl is CPU-bound
            for p, dg in zip(paths, pool.map(digest_file, paths, [sc] * len(paths))):
                files[sc.text(p.relative_to(out).as_posix())] = dg
    codes = {k: (sc.text(v) if isinstance(v, str) else v) for k, v in codes.items()}
    return {"format": FORMAT, "mode": FULL, "jobs": codes, "files": files}


# --------------------------------------------------------------------------------------------
# Summary and comparison
# --------------------------------------------------------------------------------------------

def canonical(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _count(part) -> int:
    if isinstance(part, dict) and "cells" in part:
        return len(part["cells"])
    if isinstance(part, dict) and "paragraphs" in part:
        return len(part["paragraphs"])
    if isinstance(part, (list, dict)):
        return len(part)
    return 1


def summarize(digest: dict) -> dict:
    """One sha256 and a count per part (sheet, document, JSON file)."""
    if digest.get("mode") == SUMMARY:
        return digest
    files = {}
    for name, parts in digest["files"].items():
        files[name] = {k: {"sha256": hashlib.sha256(canonical(v).encode()).hexdigest(),
                           "count": _count(v)} for k, v in parts.items()}
    return {"format": digest["format"], "mode": SUMMARY, "jobs": digest["jobs"], "files": files}


def _short(v, n: int = 90) -> str:
    s = canonical(v) if not isinstance(v, str) else repr(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def _first_json_diffs(a, b, path: str, out: list, limit: int) -> None:
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k not in a:
                out.append(f"{path}/{k}: added {_short(b[k])}")
            elif k not in b:
                out.append(f"{path}/{k}: removed (was {_short(a[k])})")
            elif a[k] != b[k]:
                _first_json_diffs(a[k], b[k], f"{path}/{k}", out, limit)
            if len(out) >= limit:
                return
    elif isinstance(a, list) and isinstance(b, list):
        for i in range(max(len(a), len(b))):
            if i >= len(a):
                out.append(f"{path}[{i}]: added {_short(b[i])}")
            elif i >= len(b):
                out.append(f"{path}[{i}]: removed (was {_short(a[i])})")
            elif a[i] != b[i]:
                _first_json_diffs(a[i], b[i], f"{path}[{i}]", out, limit)
            if len(out) >= limit:
                return
    else:
        out.append(f"{path}: was {_short(a)}, now {_short(b)}")


def _part_diffs(old, new, limit: int) -> list[str]:
    lines: list[str] = []
    if isinstance(old, dict) and isinstance(new, dict) and "cells" in old and "cells" in new:
        oc, nc = old["cells"], new["cells"]
        coords = sorted(set(oc) | set(nc), key=_cell_key)
        for c in coords:
            if oc.get(c) == nc.get(c):
                continue
            if c not in nc:
                lines.append(f"cell {c}: was {_short(oc[c][0])} [{oc[c][1]}], now empty")
            elif c not in oc:
                lines.append(f"cell {c}: was empty, now {_short(nc[c][0])} [{nc[c][1]}]")
            elif oc[c][0] != nc[c][0]:
                lines.append(f"cell {c}: was {_short(oc[c][0])}, now {_short(nc[c][0])}")
            else:
                lines.append(f"cell {c}: number format was {oc[c][1]!r}, now {nc[c][1]!r}")
            if len(lines) >= limit:
                return lines
        for key in sorted(set(old) | set(new)):
            if key != "cells" and old.get(key) != new.get(key):
                _first_json_diffs(old.get(key), new.get(key), key, lines, limit)
        return lines
    _first_json_diffs(old, new, "", lines, limit)
    return lines


def compare(old: dict, new: dict, limit: int = 8) -> list[str]:
    """Readable differences between two digests (empty when equal).

    When either is a summary, differences are named down to the file and part (sheet); two full
    digests are compared down to the cell.
    """
    if old.get("mode") == SUMMARY or new.get("mode") == SUMMARY:
        old, new = summarize(old), summarize(new)
    lines: list[str] = []
    if old["jobs"] != new["jobs"]:
        for job in sorted(set(old["jobs"]) | set(new["jobs"])):
            a, b = old["jobs"].get(job, "absent"), new["jobs"].get(job, "absent")
            if a != b:
                lines.append(f"job {job}: exit code was {a}, now {b}")
    of, nf = old["files"], new["files"]
    for name in sorted(set(of) | set(nf)):
        if name not in nf:
            lines.append(f"{name}: no longer written")
            continue
        if name not in of:
            lines.append(f"{name}: new output (parts: {', '.join(nf[name])})")
            continue
        if of[name] == nf[name]:
            continue
        for part in list(of[name]) + [p for p in nf[name] if p not in of[name]]:
            a, b = of[name].get(part), nf[name].get(part)
            if a == b:
                continue
            where = f"{name} [{part}]"
            if a is None:
                lines.append(f"{where}: new part")
            elif b is None:
                lines.append(f"{where}: part no longer written")
            elif old.get("mode") == SUMMARY:
                lines.append(f"{where}: differs (count was {a['count']}, now {b['count']})")
            else:
                lines.append(f"{where}:")
                lines += ["    " + s for s in _part_diffs(a, b, limit)]
    return lines


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------

def cells_path(path: Path) -> Path:
    """Where the cell-level listing of a summary FILE is kept: FILE's stem + ``.cells.json.xz``."""
    return path.with_name(path.name.removesuffix(".json") + ".cells.json.xz")


def write(digest: dict, path: Path, full: bool = False) -> None:
    """Writes the summary to ``path`` and, beside it, the full listing (deduplicated, xz)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if full:
        path.write_text(json.dumps(digest, ensure_ascii=False, sort_keys=True, indent=1) + "\n",
                        encoding="utf-8")
        return
    path.write_text(json.dumps(summarize(digest), ensure_ascii=False, sort_keys=True, indent=1)
                    + "\n", encoding="utf-8")
    parts: dict = {}
    files: dict = {}
    for name, ps in digest["files"].items():
        files[name] = {}
        for part, v in ps.items():
            h = hashlib.sha256(canonical(v).encode()).hexdigest()
            parts[h] = v
            files[name][part] = h
    packed = {"format": digest["format"], "mode": "packed", "jobs": digest["jobs"],
              "files": files, "parts": parts}
    raw = json.dumps(packed, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    cells_path(path).write_bytes(lzma.compress(raw, preset=9, check=lzma.CHECK_CRC32))


def load(path: Path) -> dict:
    """A stored digest; the full cell listing when the packed file beside it matches the summary."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("mode") != SUMMARY:
        return data
    packed_file = cells_path(Path(path))
    if not packed_file.is_file():
        return data
    try:
        packed = json.loads(lzma.decompress(packed_file.read_bytes()))
        full = {"format": packed["format"], "mode": FULL, "jobs": packed["jobs"],
                "files": {n: {p: packed["parts"][h] for p, h in ps.items()}
                          for n, ps in packed["files"].items()}}
    except (lzma.LZMAError, ValueError, KeyError):
        return data
    return full if summarize(full) == data else data  # a stale listing is ignored


def against(rev: str, repo: Path = REPO, workers: int = 2) -> tuple[dict, dict]:
    """Full digests of revision ``rev`` (in a temporary git worktree) and of ``repo``."""
    tmp = Path(tempfile.mkdtemp(prefix="cchc-snap-rev-"))
    tree = tmp / "tree"
    try:
        subprocess.run(["git", "-C", str(repo), "worktree", "add", "--detach", "--quiet",
                        str(tree), rev], check=True)
        old = compute(tree, workers)
    finally:
        subprocess.run(["git", "-C", str(repo), "worktree", "remove", "--force", str(tree)],
                       capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)
    return old, compute(repo, workers)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--write", metavar="FILE", help="write the digest (summary form; --full for cells)")
    g.add_argument("--compare", metavar="FILE", help="compare the current outputs with a stored digest")
    g.add_argument("--against", metavar="GITREV", help="compare with the outputs of a git revision")
    ap.add_argument("--full", action="store_true",
                    help="with --write: one plain JSON file with every cell (large)")
    ap.add_argument("--repo", default=str(REPO), help="the tree whose outputs are computed")
    ap.add_argument("--limit", type=int, default=8, help="differing cells shown per sheet")
    ap.add_argument("--jobs", type=int, default=2, help="command-line jobs run at once")
    args = ap.parse_args(argv)
    repo = Path(args.repo).resolve()
    if args.write:
        write(compute(repo, args.jobs), Path(args.write), args.full)
        print(f"written: {args.write}")
        return 0
    if args.compare:
        old = load(Path(args.compare))
        new = compute(repo, args.jobs)
        label = args.compare
    else:
        old, new = against(args.against, repo, args.jobs)
        label = args.against
    diffs = compare(old, new, args.limit)
    if not diffs:
        print(f"no difference with {label}: {len(new['files'])} outputs, {len(new['jobs'])} jobs")
        return 0
    print(f"outputs differ from {label}:")
    print("\n".join(diffs))
    return 1


if __name__ == "__main__":
    sys.exit(main())
