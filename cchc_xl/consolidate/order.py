"""The province's outputs (appendices, report draft) list agencies as the registry does: grouped
by level as the registry groups them (departments, then districts, then communes), in the
registry's order within a group, under the registry's spelling. An agency's own spelling is
added only where it differs in more than case, accents, spacing or "&" for "và" (an old name
after a merger, an abbreviation), so that a reader can find the agency's own report.
"""

from __future__ import annotations

import copy

from cchc_xl import spec
from cchc_xl.read.identity import folded_key


def _key(name) -> str:
    return folded_key(name)  # display only: which agency a file is was decided by identity.AgencyIndex


def display_name(registry_name: str | None, reported_name: str | None) -> str:
    """"Sở Khoa học và Công nghệ (báo cáo ghi: Sở Thông tin và Truyền thông)" or just the name."""
    shown = registry_name or reported_name or "…"
    if registry_name and reported_name and _key(registry_name) != _key(reported_name):
        return f"{shown} (báo cáo ghi: {reported_name.strip()})"
    return shown


def ordered_entries(entries) -> list:
    """File entries (accepted ones) in the registry's order, grouped by level; agencies outside
    the registry after those of their level, by name."""
    far = 1 << 30
    return sorted(entries, key=lambda f: (spec.level_rank(f.level),
                                          f.registry_index if f.registry_index is not None else far,
                                          _key(f.agency)))


def province_reports(cons) -> list[dict]:
    """The accepted reports for the province's outputs: registry order, registry spelling."""
    out = []
    for f in ordered_entries([f for f in cons.files if f.status == "accepted" and f.report is not None]):
        rep = copy.copy(cons.report_of(f))  # without the values left out for an error
        agency = dict(rep.get("agency") or {})
        agency["name"] = display_name(f.agency, f.reported_name)
        rep["agency"] = agency
        out.append(rep)
    return out
