"""Messy real input → clean values (the reader's parsers)."""

from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from cchc_xl import spec
from cchc_xl.normalize import (
    clean_text,
    legacy_encoding,
    parse_code,
    parse_date,
    parse_deadline,
    parse_number,
)
from cchc_xl.numtext import format_number
from cchc_xl.read.spelling import match


@pytest.mark.parametrize("raw,value", [
    ("06", 6), (" 38 ", 38), ("1,5", 1.5), ("6,981", 6.981), ("90,63%", 90.63), ("91.94", 91.94),
    ("15.477,268", 15477.268), ("260.141", 260.141), ("1.000.000", 1000000), (38.0, 38), ("0.5", 0.5),
])
def test_numbers_typed_as_text_are_understood(raw, value):
    n = parse_number(raw)
    assert n.ok and n.value == pytest.approx(value)


def test_a_lone_dot_with_three_digits_is_ambiguous_and_read_by_context():
    assert parse_number("1.216").ambiguous
    assert parse_number("1.216", prefer="decimal").value == pytest.approx(1.216)
    assert parse_number("1.216", prefer="thousands").value == 1216
    assert not parse_number("1,216").ambiguous


@pytest.mark.parametrize("raw", ["abc", "1,2,3,4a", "--", "1.2.3", "Đạt"])
def test_text_that_is_not_a_number_is_not_forced(raw):
    assert not parse_number(raw).ok


@pytest.mark.parametrize("x,text", [(1.5, "1,5"), (6.981, "6,981"), (98.73, "98,73"), (260141, "260.141"),
                                    (0, "0"), (13.309, "13,309"), (15477.268, "15.477,268"), (2.0, "2")])
def test_numbers_are_written_the_vietnamese_way(x, text):
    assert format_number(x) == text


@pytest.mark.parametrize("raw,date", [
    ("14/6/2024", dt.date(2024, 6, 14)), ("2024-06-15", dt.date(2024, 6, 15)),
    (dt.datetime(2024, 6, 15, 0, 0), dt.date(2024, 6, 15)), (45458, dt.date(2024, 6, 15)), ("32/1/2024", None),
])
def test_dates(raw, date):
    assert parse_date(raw) == date


@pytest.mark.parametrize("text,kind,due", [
    ("Thường xuyên", "ongoing", None),
    ("Năm 2024", "date", dt.date(2024, 12, 31)),
    ("Trong năm 2024", "date", dt.date(2024, 12, 31)),
    ("Quý III/2021", "date", dt.date(2021, 9, 30)),
    ("Từ quý III/2021", "ongoing", None),
    ("trong tháng 10/2023", "date", dt.date(2023, 10, 31)),
    ("30/4/2023", "date", dt.date(2023, 4, 30)),
    ("Trước ngày 18/9/2017", "date", dt.date(2017, 9, 18)),
    ("Từ tháng 1 đến tháng 12", "date", dt.date(2021, 12, 31)),
    ("Căn cứ thời hạn các nhiệm vụ được giao", "unknown", None),
])
def test_free_text_deadlines(text, kind, due):
    d = parse_deadline(text, year=2021)
    assert (d.kind, d.due) == (kind, due)


@pytest.mark.parametrize("raw,key", [
    ("Đã hoàn thành", "hoan_thanh"), ("Đã khắc phục", "hoan_thanh"), ("ĐANG TRIỂN KHAI", "dang_thuc_hien"),
    ("dang trien khai thuc hien", "dang_thuc_hien"), ("Chưa thực hiện", "chua_thuc_hien"),
    ("Không thể thực hiện", "khong_the_thuc_hien"), ("hoan_thanh", "hoan_thanh"),
    (unicodedata.normalize("NFD", "Đang thực hiện"), "dang_thuc_hien"),
])
def test_statuses_in_any_wording(raw, key):
    assert match(raw, spec.statuses()) == key


@pytest.mark.parametrize("raw", ["Tốt", "Đang triển khai thực hiện, tính đến ngày 31/8/2023 đạt 26%"])
def test_an_unknown_status_is_not_guessed(raw):
    """Neither a word of no status nor a sentence that begins with one: the workbook's condition
    refuses both (the same spellings, check.choices), and the reader keeps the words as written."""
    assert match(raw, spec.statuses()) is None


@pytest.mark.parametrize("raw,code", [("Tiêu chí 1.1:", "1.1"), ("Mục 1.4.2.", "1.4.2"), ("5. 7.2.", "5.7.2"),
                                      ("7A.3.2.3", "7a.3.2.3"), ("TCTP 2.2.3", "2.2.3"), (3.0, "3")])
def test_criterion_codes_as_written(raw, code):
    assert parse_code(raw) == code


def test_decomposed_text_stray_spaces_and_line_breaks_are_cleaned():
    raw = unicodedata.normalize("NFD", "  Sở   Tài\u00a0chính \n")
    assert clean_text(raw) == "Sở Tài chính"
    assert clean_text("dòng 1  \n\n  dòng 2", multiline=True) == "dòng 1\ndòng 2"


@pytest.mark.parametrize("text,enc", [("Së Tµi chÝnh", "TCVN3"), ("C¶i c¸ch hµnh chÝnh", "TCVN3"),
                                      ("Sôû Taøi chính", "VNI"), ("Caûi caùch haønh chính", "VNI"),
                                      ("Sở Tài chính", None), ("Cải cách hành chính", None)])
def test_legacy_vietnamese_encodings_are_detected(text, enc):
    assert legacy_encoding(text) == enc
