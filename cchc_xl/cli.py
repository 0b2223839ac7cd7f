"""Command line: parse arguments, call the library, print in Vietnamese, return an exit code.

Exit codes (INTERFACES.md): 0 success; 1 the input was read but has errors; 2 an input could
not be used or the command line is wrong — always with a one-line reason naming the file.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

_ARGPARSE_VI = {
    "usage: ": "Cách dùng: ",
    "positional arguments": "Tham số",
    "options": "Tùy chọn",
    "optional arguments": "Tùy chọn",
    "show this help message and exit": "hiện trợ giúp này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "unrecognized arguments: %s": "tham số không nhận ra: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "lựa chọn không hợp lệ: %(value)r (chọn một trong %(choices)s)",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "expected one argument": "cần một giá trị",
    "invalid %(type)s value: %(value)r": "giá trị không hợp lệ: %(value)r",
    "one of the arguments %s is required": "cần một trong các tham số %s",
    "not allowed with argument %s": "không dùng cùng với %s",
}
argparse._ = lambda s: _ARGPARSE_VI.get(s, s)  # argparse looks its messages up through this name

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        self.print_usage(sys.stderr)
        print(f"cchc-xl: lỗi: {message}", file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE)


class UsageError(Exception):
    """A one-line Vietnamese reason; the command exits 2."""


def _out(text: str = "", err: bool = False):
    stream = sys.stderr if err else sys.stdout
    if err:  # a message is one line, whatever a file name holds (safetext.one_line)
        from cchc_xl.safetext import one_line

        text = one_line(text)
    try:
        print(text, file=stream)
    except UnicodeEncodeError:  # a file name that is not UTF-8: its bytes as they are
        stream.flush()
        stream.buffer.write((text + "\n").encode("utf-8", "surrogateescape" if err else "replace"))
        stream.buffer.flush()


def _ensure_utf8():
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8")
        except (AttributeError, ValueError):
            pass


def _year(s: str) -> int:
    try:
        y = int(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"năm phải là số có 4 chữ số: {s!r}") from None
    from cchc_xl import spec

    low, high = spec.year_range()
    if not low <= y <= high:
        raise argparse.ArgumentTypeError(f"năm {y} ngoài khoảng {low}–{high}")
    return y


def _iso_date(s: str):
    import datetime as dt

    try:
        return dt.date.fromisoformat(s.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"ngày phải viết NĂM-THÁNG-NGÀY, ví dụ 2025-07-10: {s!r}") from None


def _period(s: str) -> str:
    from cchc_xl import spec
    from cchc_xl.read.spelling import match

    key = match(s, spec.period_kinds())
    if not key:
        raise argparse.ArgumentTypeError(
            f"kỳ báo cáo {s!r} không hợp lệ (dùng: {', '.join(p['key'] for p in spec.period_kinds())})")
    return key


_CATALOG_HELP = "thư mục danh mục riêng của tỉnh (cùng cấu trúc schemas/catalogs), có thể lặp lại; đặt trước hay sau tên lệnh đều được"


def build_parser() -> argparse.ArgumentParser:
    from cchc_xl import spec

    levels = spec.level_keys()
    p = _Parser(prog="cchc-xl", description="Bộ công cụ Excel cho báo cáo cải cách hành chính (CCHC): biểu mẫu, "
                                            "kiểm tra, tổng hợp và phụ lục.")
    p.add_argument("--catalog", action="append", metavar="THƯ_MỤC", help=_CATALOG_HELP)
    # global options are accepted after the command's name too ("cchc-xl template --catalog X …"),
    # as git and pip accept theirs; the command's copy lands in its own name and is merged in main()
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--catalog", action="append", dest="catalog_after", metavar="THƯ_MỤC", help=_CATALOG_HELP)
    sub = p.add_subparsers(dest="command", metavar="LỆNH", parser_class=_Parser)

    t = sub.add_parser("template", parents=[common], help="tạo biểu mẫu Excel cho cơ quan (trống hoặc điền sẵn)")
    t.add_argument("-o", "--output", required=True, metavar="TỆP", help="tệp .xlsx (hoặc .xlsm với --macros) cần tạo")
    t.add_argument("--level", choices=levels, metavar="CẤP", help=f"cấp: {', '.join(levels)} (mặc định so)")
    t.add_argument("--year", type=_year, metavar="NĂM", help="năm báo cáo (với --appraisal: năm thẩm định)")
    t.add_argument("--period", type=_period, metavar="KỲ", help="kỳ: quy_1…quy_4, 6_thang, 9_thang, nam")
    t.add_argument("--agency", metavar="TÊN", help="tên cơ quan điền sẵn")
    t.add_argument("--data", metavar="BÁO_CÁO.json", help="điền sẵn từ tài liệu JSON chuẩn")
    t.add_argument("--macros", action="store_true", help="tạo bản có nút bấm (.xlsm)")
    t.add_argument("--appraisal", action="store_true", help="tạo sổ thẩm định (điểm bị trừ của mọi cơ quan)")
    t.add_argument("--consolidation", action="store_true", help="tạo sổ tổng hợp của Sở Nội vụ (có nút Tổng hợp khi thêm --macros)")
    t.add_argument("--from", dest="previous", metavar="KỲ_TRƯỚC",
                   help="tạo biểu mẫu kỳ sau từ biểu mẫu kỳ trước (một tệp, hoặc một thư mục: mọi cơ quan, -o là thư mục)")

    v = sub.add_parser("validate", parents=[common], help="kiểm tra một hay nhiều biểu mẫu đã điền")
    v.add_argument("files", nargs="+", metavar="TỆP")
    v.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    v.add_argument("--annotate", metavar="RA.xlsx", help="ghi bản sao có trang kết quả và tô màu ô lỗi (một tệp)")

    e = sub.add_parser("export", parents=[common], help="đọc biểu mẫu đã điền ra tài liệu JSON chuẩn")
    e.add_argument("file", metavar="TỆP", help="biểu mẫu đã điền (.xlsx, .xlsm, .xls, .ods)")
    e.add_argument("-o", "--output", metavar="RA.json", help="ghi ra tệp thay vì in ra màn hình")

    a = sub.add_parser("appendix", parents=[common], help="lập Phụ lục I, II, III của một cơ quan, sẵn sàng in")
    a.add_argument("file", metavar="TỆP", help="biểu mẫu đã điền hoặc tài liệu JSON chuẩn")
    a.add_argument("-o", "--output", required=True, metavar="RA.xlsx",
                   help="tệp .xlsx (trang tính) hoặc .docx (bảng Word) chứa Phụ lục I, II, III")
    a.add_argument("--pdf", action="store_true", help="ghi thêm bản PDF bên cạnh (cần LibreOffice)")

    c = sub.add_parser("consolidate", parents=[common], help="tổng hợp mọi biểu mẫu trong một thư mục cho Sở Nội vụ")
    c.add_argument("input_dir", metavar="THƯ_MỤC", help="thư mục chứa bài nộp của các cơ quan (tìm cả thư mục con)")
    c.add_argument("-o", "--output", required=True, metavar="RA.xlsx", help="sổ tổng hợp .xlsx cần ghi")
    c.add_argument("--registry", metavar="DANH_SÁCH", help="danh sách cơ quan phải báo cáo (.csv hoặc .xlsx)")
    c.add_argument("--json", dest="json_out", metavar="TÓM_TẮT.json", help="ghi tóm tắt dạng JSON")
    c.add_argument("--year", type=_year, metavar="NĂM", help="năm báo cáo (mặc định: năm của nhiều tệp nhất)")
    c.add_argument("--period", type=_period, metavar="KỲ",
                   help="kỳ: quy_1…quy_4, 6_thang, 9_thang, nam (mặc định: kỳ của nhiều tệp nhất)")
    c.add_argument("--strict", action="store_true", help="loại các tệp còn lỗi")
    c.add_argument("--jobs", type=int, metavar="N", help="số tiến trình đọc song song")
    c.add_argument("--quiet", action="store_true", help="không hiện thanh tiến độ")
    c.add_argument("--previous", metavar="KỲ_TRƯỚC.json", help="tóm tắt JSON của lần tổng hợp kỳ trước: thêm trang so sánh")
    c.add_argument("--docx", metavar="BÁO_CÁO.docx", help="ghi dự thảo báo cáo của Sở Nội vụ (Word) kèm phụ lục tổng hợp")
    c.add_argument("--date", type=_iso_date, metavar="NĂM-THÁNG-NGÀY",
                   help="ngày của báo cáo trong dự thảo (mặc định: hôm nay theo giờ Việt Nam)")
    c.add_argument("--pdf", action="store_true",
                   help="ghi thêm bản PDF của dự thảo báo cáo (hoặc của sổ tổng hợp khi không có --docx), cần LibreOffice")

    d = sub.add_parser("distribute", parents=[common], help="từ sổ thẩm định, tạo biểu mẫu điền sẵn cho từng cơ quan")
    d.add_argument("appraisal", metavar="SỔ_THẨM_ĐỊNH.xlsx", help="sổ thẩm định đã điền")
    d.add_argument("-o", "--output", required=True, metavar="THƯ_MỤC", help="thư mục ghi biểu mẫu của từng cơ quan")
    d.add_argument("--year", type=_year, metavar="NĂM", help="năm báo cáo của các biểu mẫu")
    d.add_argument("--period", type=_period, metavar="KỲ", help="kỳ: quy_1…quy_4, 6_thang, 9_thang, nam")
    d.add_argument("--from", dest="previous", metavar="THƯ_MỤC_NĂM_TRƯỚC",
                   help="thư mục biểu mẫu năm trước: thêm các tồn tại chưa hoàn thành của từng cơ quan")

    k = sub.add_parser("catalog", parents=[common], help="Bộ tiêu chí dạng sổ Excel: ghi ra để nhập, hoặc đọc sổ đã nhập thành thư mục danh mục")
    k.add_argument("file", nargs="?", metavar="BO_TIEU_CHI.xlsx", help="sổ Bộ tiêu chí đã nhập (bỏ trống: ghi sổ mới)")
    k.add_argument("-o", "--output", required=True, metavar="RA",
                   help="không có TỆP: sổ .xlsx cần ghi; có TỆP: thư mục danh mục (dùng với --catalog)")
    k.add_argument("--level", choices=levels, metavar="CẤP", help=f"cấp: {', '.join(levels)} (mặc định so)")
    k.add_argument("--year", type=_year, metavar="NĂM", help="chỉ bộ tiêu chí dùng cho năm thẩm định này")

    m = sub.add_parser("demo", parents=[common], help="chạy thử trên dữ liệu mẫu: tạo bài nộp, tổng hợp và phụ lục")
    m.add_argument("-o", "--output", default="cchc-xl-demo", metavar="THƯ_MỤC",
                   help="thư mục ghi kết quả chạy thử (mặc định cchc-xl-demo)")

    s = sub.add_parser("serve", parents=[common], help="chạy máy chủ của Sở Nội vụ: các cơ quan kiểm tra và nộp báo cáo qua trình duyệt")
    s.add_argument("--data", default="cchc-xl-data", metavar="THƯ_MỤC",
                   help="thư mục dữ liệu của máy chủ (cơ sở dữ liệu và tệp nộp; mặc định cchc-xl-data)")
    s.add_argument("--host", default="127.0.0.1", metavar="ĐỊA_CHỈ", help="địa chỉ lắng nghe (mặc định 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, metavar="CỔNG", help="cổng (mặc định 8000)")
    s.add_argument("--public-url", metavar="URL",
                   help="địa chỉ công khai (https://…) dùng trong đường dẫn gửi các cơ quan, khi chạy sau proxy")
    s.add_argument("--trusted-proxy", default="127.0.0.1", metavar="ĐỊA_CHỈ",
                   help="địa chỉ của reverse proxy được tin các tiêu đề X-Forwarded-* (mặc định 127.0.0.1)")
    s.add_argument("--max-upload-mb", type=float, default=20, metavar="MB", help="dung lượng tối đa một tệp tải lên")
    s.add_argument("--jobs", type=int, metavar="N", help="số tiến trình đọc tệp tải lên")
    s.add_argument("--backup", metavar="THƯ_MỤC_SAO_LƯU", help="sao lưu toàn bộ dữ liệu vào thư mục mới rồi thoát")
    s.add_argument("--reset-password", action="store_true", help="đặt mật khẩu mới cho tài khoản admin rồi thoát")
    s.add_argument("--demo", action="store_true",
                   help="mở sẵn một đợt chạy thử trên danh sách cơ quan mẫu, với các bài nộp mẫu")
    return p


def _quiet_unraisable(hook_args) -> None:
    """A file object closed while the disk is full fails again in its finaliser; the command has
    already said why it failed, so that second failure is not printed."""
    if not isinstance(hook_args.exc_value, OSError):
        sys.__unraisablehook__(hook_args)


def main(argv: list[str] | None = None) -> int:
    _ensure_utf8()
    sys.unraisablehook = _quiet_unraisable
    parser = build_parser()
    args = parser.parse_args(argv)
    args.catalog = (args.catalog or []) + (getattr(args, "catalog_after", None) or []) or None
    if not args.command:
        parser.print_help()
        return EXIT_UNUSABLE
    from cchc_xl import spec
    from cchc_xl.spec.render import RenderError

    build_errors: tuple = ()
    if args.command == "template" and (args.macros or args.consolidation or args.previous):
        from cchc_xl.workbook.macros import BuildError

        build_errors = (BuildError,)
    try:
        if args.catalog:
            spec.set_catalog_dirs(args.catalog)
        handler = globals()[f"cmd_{args.command}"]
        code = handler(args)
        _print_notes()
        return code
    except UsageError as exc:
        _out(f"cchc-xl: {exc}", err=True)
        return EXIT_UNUSABLE
    except (spec.SpecError, RenderError, *build_errors) as exc:
        _out(f"cchc-xl: {exc}", err=True)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        _out("cchc-xl: đã dừng theo yêu cầu.", err=True)
        return 130
    except BrokenPipeError:  # "cchc-xl validate … | head": the reader went away, nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except (OSError, RuntimeError) as exc:  # a file system refusing a read or a write (RuntimeError: link loop)
        if isinstance(exc, RuntimeError) and "loop" not in str(exc).lower():
            return _defect(args, exc)
        from cchc_xl.files.fileio import os_message, os_reason

        _out(f"cchc-xl: {os_message(exc) if isinstance(exc, OSError) else os_reason(exc)}", err=True)
        return EXIT_UNUSABLE
    except Exception as exc:  # noqa: BLE001 - a defect of ours: one Vietnamese line, not a traceback
        return _defect(args, exc)


def _print_notes() -> None:
    """What the sanitiser changed in the outputs (safetext.note)."""
    from cchc_xl.safetext import take_notes

    for n in take_notes():
        _out(f"Lưu ý: {n}", err=True)


def _defect(args, exc: BaseException) -> int:
    if os.environ.get("CCHC_XL_DEBUG"):
        raise exc
    _out(f"cchc-xl: lỗi ngoài dự kiến khi chạy lệnh {args.command} ({type(exc).__name__}: {exc}). "
         "Hãy gửi thông báo này cùng tệp đầu vào cho bộ phận công nghệ thông tin "
         "(đặt CCHC_XL_DEBUG=1 để xem chi tiết).", err=True)
    return EXIT_UNUSABLE


def _load_report_json(path: str, check=None) -> dict:
    from cchc_xl.spec.jsonfile import ReportError
    from cchc_xl.spec.report_schema import load_report

    try:
        return load_report(path, check=check)
    except ReportError as exc:
        raise UsageError(str(exc)) from None


def _writable(path: str):
    from cchc_xl.files.fileio import check_writable, os_message

    try:
        check_writable(path)
    except OSError as exc:
        raise UsageError(os_message(exc, path)) from None


# ---- commands ------------------------------------------------------------------------------

def _refuse_unused(args, mode: str, unused: tuple[str, ...]) -> None:
    """Options that ``mode`` does not use are refused rather than silently ignored."""
    flags = {"level": "--level", "year": "--year", "period": "--period", "agency": "--agency", "data": "--data",
             "macros": "--macros", "previous": "--from", "appraisal": "--appraisal", "consolidation": "--consolidation"}
    given = [flags[k] for k in unused if getattr(args, k, None)]
    if given:
        raise UsageError(f"{', '.join(given)} không dùng được cùng {mode}")


def _suffix(path: str, allowed: tuple[str, ...], hint: str = "") -> None:
    if Path(path).suffix.lower() not in allowed:
        raise UsageError(f"{path}: tệp ra phải có đuôi {' hoặc '.join(allowed)}{hint}")


def cmd_template(args) -> int:
    from cchc_xl.workbook import template

    if args.appraisal:
        _refuse_unused(args, "--appraisal", ("level", "period", "agency", "data", "macros", "previous", "consolidation"))
        _suffix(args.output, (".xlsx",))
    elif args.consolidation:
        _refuse_unused(args, "--consolidation", ("level", "year", "period", "agency", "data", "previous"))
        _suffix(args.output, (".xlsm",) if args.macros else (".xlsx",),
                "" if args.macros else " (bản có nút Tổng hợp: thêm --macros và dùng đuôi .xlsm)")
    elif args.previous:
        _refuse_unused(args, "--from", ("level", "agency", "data"))
    elif args.data:
        _refuse_unused(args, "--data (tài liệu JSON đã có cấp, kỳ và tên cơ quan)", ("level", "year", "period", "agency"))
    if not (args.previous and os.path.isdir(args.previous)):  # a folder: -o is a folder too
        _writable(args.output)
    if args.appraisal:
        from cchc_xl.cycle.appraisal import write_appraisal_template

        path = write_appraisal_template(args.output, year=args.year)
        _out(f"Đã tạo sổ thẩm định: {path}")
        return EXIT_OK
    if args.consolidation:
        from cchc_xl.workbook.macros import write_consolidation_workbook

        path = write_consolidation_workbook(args.output, macros=args.macros)
        _out(f"Đã tạo sổ tổng hợp: {path}")
        return EXIT_OK
    if args.previous and os.path.isdir(args.previous):
        from cchc_xl.cycle.carry import CarryError, write_next_all

        if args.macros:
            raise UsageError("--macros chưa dùng được khi --from là thư mục; hãy chạy cho từng tệp")
        try:
            paths, skipped = write_next_all(args.previous, args.output, year=args.year, kind=args.period)
        except CarryError as exc:
            raise UsageError(str(exc)) from None
        _out(f"Đã tạo {len(paths)} biểu mẫu kỳ sau trong {args.output}:")
        for p in paths:
            _out(f"  - {p}")
        for f, reason in skipped:
            _out(f"Bỏ qua {f}: {reason}.")
        return EXIT_OK
    if args.previous:
        from cchc_xl.cycle.carry import CarryError, write_next

        try:
            path, carried = write_next(args.previous, args.output, year=args.year, kind=args.period, macros=args.macros)
        except CarryError as exc:
            raise UsageError(str(exc)) from None
        _out(f"Đã tạo biểu mẫu kỳ sau: {path} (chuyển {carried} tồn tại; trong cùng năm giữ cả tồn tại đã hoàn thành)")
        return EXIT_OK
    # content the reader would never read back is refused before anything else is done with it
    from cchc_xl.workbook.input_rows import refuse_unreadable

    report = _load_report_json(args.data, refuse_unreadable) if args.data else None
    if args.macros:
        from cchc_xl.workbook.macros import write_macro_template

        path = write_macro_template(args.output, level=args.level or "so", year=args.year, kind=args.period,
                                    agency=args.agency, report=report)
    else:
        if Path(args.output).suffix.lower() == ".xlsm":
            raise UsageError(f"{args.output}: tệp .xlsm chỉ tạo được với --macros")
        path = template.write_template(args.output, level=args.level or "so", year=args.year, kind=args.period,
                                       agency=args.agency, report=report)
    _out(f"Đã tạo biểu mẫu: {path}")
    return EXIT_OK


def _print_report(rep) -> None:
    from cchc_xl.safetext import one_line

    head = one_line(f"{rep.file}")
    if rep.agency:
        head += f" — {rep.agency}"
    if rep.unreadable:
        _out(f"✗ {one_line(rep.issues[0].message)}")
        return
    state = "hợp lệ" if rep.valid else "có lỗi"
    _out(f"{'✓' if rep.valid else '✗'} {head}: {state} ({rep.errors} lỗi, {rep.warnings} cảnh báo)")
    by_sheet: dict[str, list] = {}
    for i in rep.issues:
        by_sheet.setdefault(i.sheet or "(toàn tệp)", []).append(i)
    for sheet, items in by_sheet.items():
        _out(f"  Trang {sheet}:" if sheet != "(toàn tệp)" else "  Toàn tệp:")
        for i in items:
            tag = "Lỗi" if i.severity == "error" else "Cảnh báo"
            where = f"{i.cell}: " if i.cell else ""
            _out(f"    - [{tag}] {where}{i.message} ({i.code})")


def cmd_validate(args) -> int:
    from cchc_xl.check.validate import validate_file

    if args.annotate and len(args.files) != 1:
        raise UsageError("--annotate chỉ dùng với đúng một tệp")
    reports = [validate_file(f) for f in args.files]
    if args.json:
        from cchc_xl.safetext import dumps

        _out(dumps([r.to_json() for r in reports], indent=2))
    else:
        for r in reports:
            _print_report(r)
    if args.annotate:
        rep = reports[0]
        if rep.unreadable:
            _out(f"cchc-xl: không ghi được bản đánh dấu vì {rep.issues[0].message}", err=True)
        else:
            from cchc_xl.workbook.annotate import AnnotateError, annotate_file

            _writable(args.annotate)
            from cchc_xl.files.fileio import same_file

            if same_file(args.files[0], args.annotate):
                raise UsageError("tệp ra của --annotate phải khác tệp đầu vào (tệp gốc không bao giờ bị sửa)")
            try:
                out = annotate_file(args.files[0], rep.issues, args.annotate)
            except AnnotateError as exc:  # the validation above stands; only the copy is missing
                _out(f"cchc-xl: {exc}", err=True)
                return EXIT_UNUSABLE
            else:
                if not args.json:
                    _out(f"Đã ghi bản đánh dấu lỗi: {out}")
    if any(r.unreadable for r in reports):
        return EXIT_UNUSABLE
    return EXIT_INVALID if any(not r.valid for r in reports) else EXIT_OK


def cmd_export(args) -> int:
    from cchc_xl.read.agency import UnreadableError, read_file

    try:
        result = read_file(args.file)
    except UnreadableError as exc:
        raise UsageError(f"{args.file}: {exc.reason}") from None
    from cchc_xl.safetext import dumps

    text = dumps(result.report, where=args.output or Path(args.file).name, indent=2)
    if args.output:
        from cchc_xl.files.fileio import write_text_atomic

        _writable(args.output)
        write_text_atomic(args.output, text + "\n")
        _out(f"Đã ghi {args.output}", err=True)
    else:
        _out(text)
    return EXIT_OK


def cmd_appendix(args) -> int:
    from cchc_xl.appendix.agency import AppendixError, write_agency_appendix

    _suffix(args.output, (".xlsx", ".docx"))
    _writable(args.output)
    issues: list = []
    try:
        path = write_agency_appendix(args.file, args.output, issues)
    except AppendixError as exc:
        raise UsageError(str(exc)) from None
    _out(f"Đã lập phụ lục: {path}")
    if args.pdf:
        _out(f"Đã tạo PDF: {_pdf(path)}")
    errors = sum(1 for i in issues if i.severity == "error")
    if errors:  # the appendix shows what was typed; the agency should know it is not clean
        _out(f"Lưu ý: {args.file} còn {errors} lỗi nên phụ lục có thể thiếu hoặc sai; "
             f"xem chi tiết bằng lệnh: cchc-xl validate {args.file}", err=True)
        return EXIT_INVALID
    return EXIT_OK


def _pdf(path) -> str:
    from cchc_xl.files.pdf import PdfError, convert_to_pdf

    try:
        return str(convert_to_pdf(path))
    except PdfError as exc:
        raise UsageError(str(exc)) from None


def cmd_consolidate(args) -> int:
    from cchc_xl.consolidate import ConsolidationError
    from cchc_xl.cycle.consolidation import run_consolidation

    if not os.path.isdir(args.input_dir):
        raise UsageError(f"{args.input_dir}: không phải thư mục hoặc không tồn tại")
    _suffix(args.output, (".xlsx",))
    if args.json_out:
        _suffix(args.json_out, (".json",))
        from cchc_xl.files.fileio import same_file

        if same_file(args.output, args.json_out):
            raise UsageError(f"{args.json_out}: tệp tóm tắt JSON phải khác sổ tổng hợp")
    if args.docx:
        _suffix(args.docx, (".docx",))
        _writable(args.docx)
    _writable(args.output)
    try:
        summary = run_consolidation(args.input_dir, args.output, registry=args.registry, year=args.year,
                                    kind=args.period, strict=args.strict, jobs=args.jobs,
                                    progress=not args.quiet and sys.stderr.isatty(), json_out=args.json_out,
                                    echo=_out, docx_out=args.docx, previous=args.previous,
                                    report_date=args.date)
    except ConsolidationError as exc:
        raise UsageError(str(exc)) from None
    if args.pdf:
        _out(f"Đã tạo PDF: {_pdf(args.docx or args.output)}")
    accepted = [f for f in summary["files"] if f["status"] == "accepted"]
    if not accepted:
        _out(f"cchc-xl: {args.input_dir}: không có tệp nào được tổng hợp (xem trang “Tình hình nộp” để biết lý do)",
             err=True)
        return EXIT_UNUSABLE
    rejected = any(f["status"] == "rejected" for f in summary["files"])
    return EXIT_INVALID if rejected or any(f.get("errors") for f in accepted) else EXIT_OK


def cmd_distribute(args) -> int:
    from cchc_xl.cycle.distribute import DistributeError, distribute

    try:
        paths = distribute(args.appraisal, args.output, year=args.year, kind=args.period, previous_dir=args.previous)
    except DistributeError as exc:
        _out(f"cchc-xl: {exc}", err=True)
        for issue in getattr(exc, "issues", []):
            _out(f"  - {issue.sheet}!{issue.cell}: {issue.message}", err=True)
        return EXIT_INVALID if getattr(exc, "issues", None) else EXIT_UNUSABLE
    _out(f"Đã tạo {len(paths)} biểu mẫu trong {args.output}")
    for p in paths:
        _out(f"  - {p}")
    for issue in getattr(paths, "warnings", []):
        _out(f"Lưu ý ({Path(args.appraisal).name}, {issue.sheet}!{issue.cell}): {issue.message}")
    if args.previous:
        from cchc_xl.cycle.distribute import previous_lines

        for line in previous_lines(paths, args.previous):
            _out(line)
    return EXIT_OK


def cmd_catalog(args) -> int:
    from cchc_xl.cycle.catalog_book import write_catalog_workbook
    from cchc_xl.read.criteria_set import CatalogBookError, import_catalog_workbook

    if args.file is None:
        _suffix(args.output, (".xlsx",))
        _writable(args.output)
        path = write_catalog_workbook(args.output, level=args.level or "so", year=args.year)
        _out(f"Đã tạo sổ Bộ tiêu chí: {path}")
        return EXIT_OK
    _refuse_unused(args, "TỆP (cấp và năm lấy từ sổ)", ("level", "year"))
    if not os.path.isfile(args.file):
        raise UsageError(f"{args.file}: không tìm thấy tệp")
    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise UsageError(f"{args.output}: đã có một tệp trùng tên, cần một thư mục")
    try:
        paths = import_catalog_workbook(args.file, args.output)
    except CatalogBookError as exc:
        _out(f"cchc-xl: {exc.message}", err=True)
        for issue in exc.issues:
            _out(f"  - {issue.sheet}!{issue.cell}: {issue.message}", err=True)
        return EXIT_INVALID if exc.issues else EXIT_UNUSABLE
    _out(f"Đã ghi {len(paths)} bộ tiêu chí vào {args.output} (dùng: cchc-xl LỆNH --catalog {args.output} …):")
    for p in paths:
        _out(f"  - {p}")
    return EXIT_OK


def cmd_serve(args) -> int:
    from cchc_xl.server import serve

    return serve(args, echo=_out)


def cmd_demo(args) -> int:
    from cchc_xl.demo import run_demo

    return run_demo(args.output, echo=_out)


if __name__ == "__main__":
    raise SystemExit(main())
