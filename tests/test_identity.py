"""The one identity rule (cchc_xl.read.identity): codes decide, tone marks and letters count, a name
typed without diacritics only when it fits one agency, and two rows of one list are never merged."""

from __future__ import annotations

import unicodedata

import pytest

from cchc_xl.read.identity import (
    AgencyIndex,
    conflicts,
    folded_key,
    group_keys,
    has_diacritics,
    name_key,
    same_agency,
    same_name,
)

# real tone-mark twins: huyện Thạch Hà and phường Thạch Hạ (Hà Tĩnh); xã Bình Thạnh and xã Bình Thanh
TWINS = [
    {"name": "UBND xã Bình Thạnh", "code": "XBT1", "level": "xa"},
    {"name": "UBND xã Bình Thanh", "code": "XBT2", "level": "xa"},
    {"name": "Thạch Hà", "code": None, "level": "huyen"},
    {"name": "Thạch Hạ", "code": None, "level": "xa"},
    {"name": "UBND xã Hòa Bình", "code": None, "level": "xa"},
]


@pytest.mark.parametrize("a, b", [
    ("UBND xã Hòa Bình", "UBND xã Hoà Bình"),  # the two tone-placement conventions
    ("Thủy", "Thuỷ"),
    ("Ủy ban nhân dân xã Hòa Bình", "Uỷ ban nhân dân xã Hoà Bình"),
    ("Ủy ban nhân dân xã Hòa Bình", "UBND xã Hòa Bình"),  # the usual abbreviations
    ("TP. Hà Tĩnh", "Thành phố Hà Tĩnh"),
    ("Sở KH&ĐT", "Sở Kế hoạch và Đầu tư"),
    ("  SỞ  TÀI-CHÍNH ", "Sở Tài chính"),  # case, spaces, punctuation
    (unicodedata.normalize("NFD", "Thạch Hà"), "Thạch Hà"),  # Unicode form
])
def test_spellings_of_one_name_are_one_name(a, b):
    assert name_key(a) == name_key(b)
    assert same_name(a, b)


@pytest.mark.parametrize("a, b", [
    ("UBND xã Bình Thạnh", "UBND xã Bình Thanh"),
    ("Thạch Hà", "Thạch Hạ"),
    ("Xã Đông", "Xã Dong"),
    ("UBND xã Bình Thanh", "UBND xa Binh Thanh"),  # one side without diacritics is not the same name
])
def test_tone_marks_and_letters_make_another_name(a, b):
    assert name_key(a) != name_key(b)
    assert folded_key(a) == folded_key(b)  # only the fallback for names typed without diacritics folds


def test_diacritics_are_detected_on_any_letter():
    assert not has_diacritics("UBND xa Binh Thanh")
    assert has_diacritics("UBND xa Binh Thạnh") and has_diacritics("Dđ") and has_diacritics("Sơ")


def test_a_code_decides_when_both_sides_have_one():
    index = AgencyIndex(TWINS)
    assert index.resolve("UBND xã Bình Thanh", "XBT1").index == 0  # same code: same agency, whatever the name
    assert index.resolve("UBND xã Bình Thạnh", "XBT1").how == "code"
    assert index.resolve("UBND xã Bình Thạnh", "XBT9").index is None  # different codes: different agencies
    assert index.resolve("ubnd xa binh thanh", " xbt-2 ").index == 1  # codes compare without case or punctuation
    assert same_agency("A", "X1", "B", "x1") == "code" and same_agency("A", "X1", "A", "X2") is None
    assert same_agency("Thạch Hà", None, "Thạch Hà", "TH") == "name"


def test_tone_mark_twins_are_each_found_as_themselves():
    index = AgencyIndex(TWINS)
    assert index.resolve("UBND xã Bình Thạnh").index == 0
    assert index.resolve("Ủy ban nhân dân xã Bình Thanh").index == 1
    assert index.resolve("Thạch Hà").index == 2
    assert index.resolve("THẠCH HẠ").index == 3
    assert index.resolve("UBND xã Hoà Bình").index == 4  # the other tone placement


def test_a_name_without_diacritics_matches_only_when_it_fits_one_agency():
    index = AgencyIndex(TWINS)
    one = index.resolve("Uy ban nhan dan xa Hoa Binh")
    assert (one.index, one.how) == (4, "folded")
    both = index.resolve("UBND xa Binh Thanh")
    assert both.index is None and both.ambiguous and set(both.candidates) == {0, 1}
    assert not bool(both)
    assert set(index.resolve("Thach Ha").candidates) == {2, 3}
    # a name with some diacritics is taken as typed: "Bình Thanh" is not "Bình Thạnh"
    assert index.resolve("UBND xã Bình Thanh").index == 1
    assert index.resolve("UBND xã Binh Thành").index is None


def test_former_names_match_but_never_merge_two_agencies():
    index = AgencyIndex([{"name": "Sở Tài chính", "code": "STC", "former_names": ("Sở Kế hoạch và Đầu tư",)},
                         {"name": "Sở Nội vụ", "code": "SNV", "former_names": ("Sở Lao động - Thương binh và Xã hội",)},
                         {"name": "Sở Y tế", "code": "SYT", "former_names": ("Sở Lao động - Thương binh và Xã hội",)}])
    assert (index.resolve("Sở KH&ĐT").index, index.resolve("Sở KH&ĐT").how) == (0, "former_name")
    split = index.resolve("Sở Lao động - Thương binh và Xã hội")
    assert split.index is None and set(split.candidates) == {1, 2}  # claimed by two: goes to none


def test_same_name_with_two_different_codes_needs_the_code():
    index = AgencyIndex([{"name": "UBND xã Bình Thạnh", "code": "A1"}, {"name": "UBND xã Bình Thạnh", "code": "B1"}])
    assert index.resolve("UBND xã Bình Thạnh", "B1").index == 1
    assert set(index.resolve("UBND xã Bình Thạnh").candidates) == {0, 1}


def test_two_rows_of_one_list_are_never_merged():
    assert conflicts(TWINS) == []  # twins differing only in tone marks are two agencies
    found = conflicts([*TWINS, {"name": "UBND xã Hoà Bình"}])
    assert [(c.first, c.second, c.basis) for c in found] == [(4, 5, "name")]
    found = conflicts([*TWINS, {"name": "Xã Bình Thạnh mới", "code": "xbt1"}])
    assert [(c.first, c.second, c.basis) for c in found] == [(0, 5, "code")]
    # one name, two different codes: two agencies (e.g. communes of two districts)
    assert conflicts([{"name": "UBND xã Bình Thạnh", "code": "A1"}, {"name": "UBND xã Bình Thạnh", "code": "B1"}]) == []
    assert len(conflicts([{"name": "UBND xã Bình Thạnh", "code": "A1"}, {"name": "UBND xã Bình Thạnh"}])) == 1


def test_files_without_a_list_join_by_code_or_name_never_by_folding():
    keys = group_keys([("UBND xã Bình Thạnh", "XBT1"), ("UBND xã Bình Thanh", "XBT2"),
                       ("UBND xã Bình Thạnh", None), ("UBND xã Hoà Bình", None), ("UBND xã Hòa Bình", None),
                       ("UBND xa Hoa Binh", None), ("Tên khác", "XBT2"), ("UBND xã Bình Thạnh", "XBT3")])
    assert keys[0] == keys[2] and keys[1] == keys[6]
    assert len({keys[0], keys[1], keys[3], keys[5], keys[7]}) == 5
    assert keys[3] == keys[4]


def test_a_former_name_claims_an_earlier_agency_whatever_its_old_code():
    """After a merger the old department's workbook carries its old code; the registry's former
    name (ten_cu) is what says it is now part of today's agency."""
    index = AgencyIndex([{"name": "Sở Tài chính", "code": "STC", "former_names": ("Sở Kế hoạch và Đầu tư",)}])
    assert (index.resolve("Sở Kế hoạch và Đầu tư", "SKHĐT").index, index.resolve("Sở KH&ĐT", "SKHĐT").how) == \
        (0, "former_name")
    assert index.resolve("Sở Tài chính", "SKHĐT").index is None  # today's name with another code: another agency


def test_among_agencies_of_one_name_the_exact_spelling_or_the_code_picks():
    index = AgencyIndex([{"name": "Sở X.", "code": "C1"}, {"name": "../Sở X", "code": "C2"}])
    assert index.resolve("../Sở X").index == 1 and index.resolve("Sở X.").index == 0
    assert index.resolve("Sở X").ambiguous


def test_where_only_names_tell_agencies_apart_one_name_is_one_agency():
    rows = [{"name": "Sở Tài chính", "code": "STC"}, {"name": "SỞ TÀI CHÍNH", "code": "STC2"},
            {"name": "Sở Tài-chính", "code": "STC3"}]
    assert conflicts(rows) == []
    # one spelling twice cannot be told apart by name; another spelling still can (exactly as written)
    assert [(c.first, c.second, c.basis) for c in conflicts(rows, names_alone=True)] == [(0, 1, "name")]


def test_a_code_two_rows_share_decides_nothing():
    index = AgencyIndex([{"name": "Thạch Hà", "code": "TH"}, {"name": "Thạch Hạ", "code": "TH"}])
    assert index.resolve("Thạch Hạ", "TH").index == 1 and index.resolve("Thạch Hà", "TH").index == 0
    assert index.resolve("Thach Ha", "TH").ambiguous
