"""Whether a staff "tồn tại" text only restates the line printed above it.

Phụ lục II prints, for each criterion, a line with its code, name, score and the appraisal team's
reason (for an area: its code, name, score and the deducted criteria listed under it, each with its
code, name and score), and then the staff's own words. Some staff texts say nothing more than that line ("Tiêu chí 1 (…) đạt 6,981/10 điểm; bị
trừ điểm tại các tiêu chí 1.1, 1.5.1 và 1.6." under a heading that says the same; "Tiêu chí 5.4:
chỉ có 24/25 CBCCVC hoàn thành nhiệm vụ; đạt 0,96/1 điểm." beside the reason "Chỉ có 24/25 CBCCVC
hoàn thành nhiệm vụ (…)"); printing them would state the criterion, its score and the reason twice.

The rule, declared in ``schemas/documents.json`` (``restate``): a staff text restates the line when
every word and every number of it, compared without case and diacritics (numbers by value: "1,5" =
"1.5" = "1,50"), already stands in that line, connecting words aside; it is then left out, the line
saying it already. Any other word — "chưa", "không", a name, a figure the line does not hold — is
the staff's own and the text is printed whole, on its own line under the criterion.
"""

from __future__ import annotations

import re
from functools import lru_cache

from cchc_xl import spec
from cchc_xl.normalize import fold

_TOKEN = re.compile(r"[0-9a-z]+(?:[.,][0-9a-z]+)*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)?")


@lru_cache(maxsize=1)
def _ignored() -> frozenset:
    return frozenset(spec.load("documents")["restate"]["ignored_words"])


def _key(token: str) -> str:
    if _NUMBER.fullmatch(token):
        try:
            value = float(token.replace(",", "."))
        except ValueError:
            return token
        return repr(round(value, 6))
    return token


def _tokens(text: str) -> set[str]:
    return {_key(t.strip(".,")) for t in _TOKEN.findall(fold(text)) if t.strip(".,")}


def restates(text: str | None, *shown: str | None) -> bool:
    """True when ``text`` adds nothing to the ``shown`` lines (see the module's rule)."""
    if not text or not text.strip():
        return True
    own = _tokens(text) - _ignored()
    seen = set()
    for s in shown:
        if s:
            seen |= _tokens(s)
    return bool(own) and own <= seen  # a text of connecting words only restates nothing


def kept(texts, *line: str | None) -> list[str]:
    """The staff texts worth printing under ``line`` (its parts: heading words, reasons):
    stripped, each once, none restating the line (see the module's rule)."""
    out: list[str] = []
    for t in texts:
        t = (t or "").strip()
        if t and t not in out and not restates(t, *line):
            out.append(t)
    return out
