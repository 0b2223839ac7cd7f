"""Telling agencies apart: the one identity rule every command and the server match agencies by.

DOMAIN.md, "Telling agencies apart". Vietnamese names that differ only in a tone mark or a letter
are different places (huyện Thạch Hà and phường Thạch Hạ; xã Bình Thạnh and xã Bình Thanh), so:

1. **A code decides** when both sides have one: same code, same agency whatever the names say;
   different codes, different agencies.
2. **Names compare as Vietnamese** (``name_key``): Unicode form, case, spaces and punctuation, the
   usual abbreviations (``agency_abbreviations`` of schemas/enums.json: UBND ↔ Ủy ban nhân dân,
   TP ↔ thành phố …) and where the tone mark sits in a syllable (Hòa/Hoà, Thủy/Thuỷ, Ủy/Uỷ) do not
   matter; the tone marks and the letters (đ, â, ơ …) do: "Thạnh" ≠ "Thanh", "Đông" ≠ "Dong".
3. **A name without any diacritics** (typed on a keyboard without Vietnamese input) matches by its
   folded form (``folded_key``), but only when exactly one agency folds to it; when several do,
   the match is ambiguous and names them all (``Match.candidates``): counted for none.
4. **Two agencies of one list are never merged** (``conflicts``): equal codes, or equal names
   without two different codes, are refused with both rows named.

``AgencyIndex`` applies rules 1–3 to a list of agencies (a registry, a round's agencies, an
appraisal's agencies, today's agencies with their former names); ``group_keys`` puts together
files of the same agency when there is no list (rules 1 and 2 only: nothing is merged by folding).

Only the standard library and ``spec`` (for the abbreviations) are imported: every stage can use it.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

# the five tone marks (NFD combining characters); any other mark (circumflex, breve, horn) is a letter
_TONES = {"\u0301": "1", "\u0300": "2", "\u0309": "3", "\u0303": "4", "\u0323": "5",
          "\u0341": "1", "\u0340": "2"}
_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


def _words(text) -> list[str]:
    s = unicodedata.normalize("NFC", str(text or "")).casefold().replace("&", " và ")
    return _WORD.findall(s)


def _tone_word(word: str) -> str:
    """A word with its tone mark moved to its end: where a syllable carries its tone (hòa/hoà,
    thủy/thuỷ, qúy/quý) is a spelling convention, which tone it carries is not."""
    tones, base = [], []
    for ch in unicodedata.normalize("NFD", word):
        (tones if ch in _TONES else base).append(_TONES.get(ch, ch))
    core = unicodedata.normalize("NFC", "".join(base))
    return core + ("~" + "".join(sorted(tones)) if tones else "")


def _fold_word(word: str) -> str:
    s = unicodedata.normalize("NFD", word).replace("đ", "d")
    return "".join(ch for ch in s if unicodedata.category(ch) != "Mn")


@functools.lru_cache(maxsize=None)
def _abbreviations(level: str) -> dict[str, tuple[tuple[tuple[str, ...], str], ...]]:
    """First word → (word sequence, canonical word) of every abbreviation and its full form starting
    with it, longest first."""
    from cchc_xl import spec

    word = _tone_word if level == "key" else _fold_word
    out: dict[str, list] = {}
    for item in spec.load("enums").get("agency_abbreviations", []):
        canon = "<" + "".join(_fold_word(w) for w in _words(item["short"])) + ">"
        for form in (item["short"], item["full"]):
            seq = tuple(word(w) for w in _words(form))
            out.setdefault(seq[0], []).append((seq, canon))
    return {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in out.items()}


def _abridge(words: list[str], level: str) -> str:
    table = _abbreviations(level)
    out, i = [], 0
    while i < len(words):
        for seq, canon in table.get(words[i], ()):
            if tuple(words[i:i + len(seq)]) == seq:
                out.append(canon)
                i += len(seq)
                break
        else:
            out.append(words[i])
            i += 1
    return " ".join(out)


@functools.lru_cache(maxsize=16384)
def name_key(name) -> str:
    """Rule 2: the key two spellings of one agency name share (tone marks and letters kept)."""
    return _abridge([_tone_word(w) for w in _words(name)], "key")


@functools.lru_cache(maxsize=16384)
def folded_key(name) -> str:
    """Rule 3: the key of a name with every diacritic removed (đ read as d)."""
    return _abridge([_fold_word(w) for w in _words(name)], "fold")


def _literal(name) -> str:
    """A name exactly as written, up to Unicode form, case and spaces."""
    return " ".join(unicodedata.normalize("NFC", str(name or "")).casefold().split())


def has_diacritics(name) -> bool:
    """Whether the text carries any Vietnamese diacritic (a tone mark, â ă ê ô ơ ư or đ)."""
    s = unicodedata.normalize("NFD", str(name or ""))
    return any(unicodedata.category(ch) == "Mn" or ch in "đĐ" for ch in s)


def code_key(code) -> str:
    """An agency code compared insensitive to case, spaces and punctuation ("stc", "S-TC" = "STC")."""
    return "".join(_fold_word(w) for w in _words(code))


def same_name(a, b) -> bool:
    """Rule 2: whether two names are spellings of one name."""
    return bool(name_key(a)) and name_key(a) == name_key(b)


def same_agency(a_name, a_code, b_name, b_code) -> str | None:
    """Rules 1 and 2 for two agencies without a list: ``"code"``, ``"name"`` or None (different)."""
    ka, kb = code_key(a_code), code_key(b_code)
    if ka and kb:
        return "code" if ka == kb else None
    return "name" if same_name(a_name, b_name) else None


# ---- matching against a list of agencies -----------------------------------------------------

@dataclass(frozen=True)
class Match:
    """What a name (and code) is in a list: ``index`` of the agency and ``how`` it matched
    (``"code"``, ``"name"``, ``"former_name"``, ``"folded"``, ``"folded_former"``); or no agency,
    with ``candidates`` when several fit (rule 3: the file belongs to none until someone decides)."""

    index: int | None = None
    how: str | None = None
    candidates: tuple[int, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1

    def __bool__(self) -> bool:
        return self.index is not None


def _field(agency, key):
    if isinstance(agency, dict):
        return agency.get(key)
    return getattr(agency, key, None)


class AgencyIndex:
    """Rules 1–3 over a list of agencies: objects or dicts with ``name``, optional ``code``,
    ``level`` and ``former_names`` (a renamed or merged agency is also found under its old names)."""

    def __init__(self, agencies):
        self.agencies = list(agencies)
        self.names = [str(_field(a, "name") or "") for a in self.agencies]
        self.codes = [code_key(_field(a, "code")) for a in self.agencies]
        self.levels = [_field(a, "level") or None for a in self.agencies]
        self.by_code: dict[str, int] = {}
        self.by_key: dict[str, list[int]] = {}
        self.by_former: dict[str, list[int]] = {}
        self.by_fold: dict[str, list[int]] = {}
        self.by_fold_former: dict[str, list[int]] = {}
        counts = Counter(self.codes)
        shared = {c for c, n in counts.items() if c and n > 1}  # in a list not checked by ``conflicts``
        for i, a in enumerate(self.agencies):
            if self.codes[i] and self.codes[i] not in shared:  # a code two rows share decides nothing
                self.by_code[self.codes[i]] = i
            self.by_key.setdefault(name_key(self.names[i]), []).append(i)
            self.by_fold.setdefault(folded_key(self.names[i]), []).append(i)
            for old in _field(a, "former_names") or ():
                if name_key(old) != name_key(self.names[i]):
                    _add(self.by_former, name_key(old), i)
                    _add(self.by_fold_former, folded_key(old), i)

    def resolve(self, name, code=None, level=None) -> Match:
        """The agency ``name``/``code`` is (rules 1–3). A code of another level does not decide."""
        ck = code_key(code)
        if ck and ck in self.by_code:
            i = self.by_code[ck]
            if not level or not self.levels[i] or self.levels[i] == level:
                return Match(i, "code")

        def fits(i: int) -> bool:  # different codes are different agencies
            return not ck or not self.codes[i] or self.codes[i] == ck

        if not name_key(name):
            return Match()
        plain = not has_diacritics(name)
        steps = [] if plain else [(self.by_key, name_key(name), "name"),
                                  (self.by_former, name_key(name), "former_name")]
        steps += [(self.by_fold, folded_key(name), "folded"), (self.by_fold_former, folded_key(name), "folded_former")]
        for table, key, how in steps:
            # a former name is the list's own word that an earlier agency (whatever its code) is this one
            found = [i for i in table.get(key, ()) if fits(i) or how in ("former_name", "folded_former")]
            if how.startswith("folded") and not plain:  # only towards a list name typed without diacritics
                found = [i for i in found if not has_diacritics(self._name_of(i, key, how))]
            if len(found) > 1:  # one name for several agencies (different codes): the exact spelling picks
                exact = [i for i in found if _literal(self._name_of(i, key, how)) == _literal(name)]
                found = exact if len(exact) == 1 else found
            if len(found) == 1:
                return Match(found[0], how)
            if found:
                return Match(None, how, tuple(found))
        return Match()

    def _name_of(self, i: int, key: str, how: str) -> str:
        """The name of agency ``i`` that matched ``key`` at step ``how``."""
        if how in ("name", "folded"):
            return self.names[i]
        olds = _field(self.agencies[i], "former_names") or ()
        same = name_key if how == "former_name" else folded_key
        return next((o for o in olds if same(o) == key), "")

    def match(self, name, code=None, level=None) -> int | None:
        return self.resolve(name, code, level).index


def _add(table: dict[str, list[int]], key: str, i: int) -> None:
    got = table.setdefault(key, [])
    if i not in got:
        got.append(i)


# ---- one list, no merged rows ---------------------------------------------------------------------

@dataclass(frozen=True)
class Conflict:
    """Two rows of one list that would be one agency (rule 4): ``first``/``second`` are positions
    in the list, ``basis`` is ``"code"`` (equal codes) or ``"name"`` (equal names, not two codes)."""

    first: int
    second: int
    basis: str


def conflicts(agencies, names_alone: bool = False) -> list[Conflict]:
    """Every pair of rows (each later row against the first row it collides with) that rule 4 refuses.
    ``names_alone``: where rows are later told apart by name only (the appraisal's score rows name
    their agency, with no code), one spelling is refused even with two different codes."""
    out: list[Conflict] = []
    by_code: dict[str, int] = {}
    by_key: dict[str, list[int]] = {}
    for i, a in enumerate(agencies):
        ck = code_key(_field(a, "code"))
        if ck and ck in by_code:
            out.append(Conflict(by_code[ck], i, "code"))
            continue
        nk = name_key(_field(a, "name"))
        clash = next((j for j in by_key.get(nk, ())
                      if not (ck and code_key(_field(agencies[j], "code")))
                      or (names_alone and _literal(_field(agencies[j], "name")) == _literal(_field(a, "name")))),
                     None)
        if nk and clash is not None:
            out.append(Conflict(clash, i, "name"))
            continue
        if ck:
            by_code[ck] = i
        by_key.setdefault(nk, []).append(i)
    return out


def group_keys(items) -> list[str]:
    """One key per ``(name, code)`` item, equal for items of one agency (rules 1 and 2), for files
    matched to no list: equal codes join; equal names join unless both have (different) codes."""
    groups: list[tuple[set[str], str]] = []  # (codes, name key)
    keys = []
    for name, code in items:
        ck, nk = code_key(code), name_key(name)
        found = None
        if ck:
            found = next((g for g, (codes, _) in enumerate(groups) if ck in codes), None)
        if found is None and nk:
            found = next((g for g, (codes, k) in enumerate(groups)
                          if k == nk and (not ck or not codes or ck in codes)), None)
        if found is None:
            groups.append((set(), nk))
            found = len(groups) - 1
        if ck:
            groups[found][0].add(ck)
        keys.append(f"agency:{found}")
    return keys


# ---- what people read (schemas/issues.json) --------------------------------------------------------

def code_field_title() -> str:
    """The title of the agency-code cell on the workbook's Thông tin sheet (schemas/sheets.json)."""
    from cchc_xl import spec

    info = spec.sheets()["sheets"]["info"]
    return next(f["title"] for f in info["fields"] if f["key"] == "agency.code")


def candidates_text(agencies, found: Match) -> str:
    """"“UBND xã Bình Thạnh” (mã XBT1), “UBND xã Bình Thanh” (mã XBT2)": the agencies a name fits."""
    parts = []
    for i in found.candidates:
        a = agencies[i]
        code = _field(a, "code")
        parts.append(f"“{_field(a, 'name')}”" + (f" (mã {code})" if code else ""))
    return ", ".join(parts)


def ambiguous_message(name, agencies, found: Match) -> str:
    """The reason a file is counted for no agency (``ambiguous_agency`` of schemas/issues.json)."""
    from cchc_xl.spec.issues import make

    variant = {"name": "name", "former_name": "former_name", "folded_former": None}.get(found.how)
    return make("ambiguous_agency", variant=variant, name=name, count=len(found.candidates),
                candidates=candidates_text(agencies, found), code_title=code_field_title()).message


def refusal_message(file: str, agencies, found: list[Conflict], where: str = "row") -> str:
    """Why a list of agencies is refused (rule 4; ``duplicate_registry_row``): each pair named by
    its row (``where="row"``: the file's line, in ``row`` of each agency) or position (``"item"``)."""
    from cchc_xl import spec
    from cchc_xl.spec.issues import render

    decl = spec.load("issues")["duplicate_registry_row"]
    forms = decl["messages"]

    def shown(i: int) -> str:
        a = agencies[i]
        code = _field(a, "code")
        row = _field(a, "row") if where == "row" else i + 1
        return forms[where].format(row=row if row is not None else i + 1, name=_field(a, "name"),
                                   code=forms["code"].format(code=code) if code else "")

    lines = [render(decl, "duplicate_registry_row", variant=None if c.basis == "code" else "name",
                    first=shown(c.first), second=shown(c.second), code=_field(agencies[c.second], "code")).message
             for c in found]
    return forms["refused"].format(file=file, conflicts="; ".join(lines))
