"""The round's submit rule (schemas/server.json ``submit_rules``): one rule for every channel — the
agency page, the API and the Excel button — chosen when the round is opened."""

from __future__ import annotations

from cchc_xl import spec

SUBMIT_WHEN_VALID = "khi_hop_le"


def submit_rules() -> list[dict]:
    """How a round's uploads become submissions, the same for every channel (schemas/server.json)."""
    return spec.load("server")["submit_rules"]


def submit_rule_sentence(rnd) -> str:
    """The one sentence the agency reads where it uploads."""
    rule = next(r for r in submit_rules() if r["key"] == (rnd["submit_rule"] or SUBMIT_WHEN_VALID))
    return rule["sentence_errors_allowed" if rnd["allow_errors"] else "sentence"]


def submits_on_upload(rnd) -> bool:
    """The round's rule: an upload that may be submitted is submitted at once (page, API, button)."""
    return (rnd["submit_rule"] or SUBMIT_WHEN_VALID) == SUBMIT_WHEN_VALID
