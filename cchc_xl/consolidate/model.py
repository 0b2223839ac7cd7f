"""What a consolidation holds: the files found, each with its status, and the plain records of the
accepted ones. The summary and the comparison with the previous period are figures
(``cchc_xl.consolidate.records.Consolidation`` adds them); everything that computes figures takes
this data class, so the data sits below the figures and nothing circles back.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from cchc_xl import spec
from cchc_xl.consolidate.files import FileEntry


@dataclass
class ConsolidationData:
    """What a folder of submissions holds, ready to be written or summarised.

    ``records`` holds, per table (``agencies``, ``areas``, ``deductions``, ``remediation``,
    ``indicators``, ``propaganda``, ``issues``), one plain dict per row of the accepted files
    (``issues``: of every file). ``files`` lists every file found with its status.
    """

    period: dict
    files: list[FileEntry]
    registry: list | None
    missing_agencies: list[str]
    records: dict[str, list[dict]]
    input_dir: str = ""
    # Vietnam time, as the report draft dates itself (a server in a container often runs on UTC)
    made: dt.datetime = field(default_factory=lambda: dt.datetime.now(spec.VIETNAM).replace(microsecond=0,
                                                                                            tzinfo=None))
    seconds: float = 0.0
    timings: dict = field(default_factory=dict)  # seconds per phase: find, read, build, write
    previous: dict | None = None  # a previous consolidation's summary, for the comparison sheet
    _memo: dict = field(default_factory=dict, repr=False)

    @property
    def reminders(self) -> list[dict]:
        """The registry's agencies with no accepted file (not reported, or every file rejected),
        with the registry's contact, in registry order: whom the department reminds."""
        from cchc_xl.read.registry import contact_text

        if self.registry is None:
            return []
        got = {f.registry_index for f in self.accepted if f.registry_index is not None}
        out = []
        for i, a in enumerate(self.registry):
            if i in got:
                continue
            c = getattr(a, "contact", None)
            out.append({"name": a.name, "level": a.level, "lien_he": contact_text(a),
                        "nguoi_lien_he": getattr(c, "name", None), "dien_thoai": getattr(c, "phone", None),
                        "email": getattr(c, "email", None),
                        "rejected": any(f.status == "rejected" and f.identity == f"registry:{i}" for f in self.files)})
        return out

    @property
    def accepted(self) -> list[FileEntry]:
        return [f for f in self.files if f.status == "accepted"]

    @property
    def reports(self) -> list[dict]:
        """The canonical reports of the accepted files (for the provincial appendix), without the
        values left out of the province figures (``records["excluded"]``)."""
        return [self.report_of(f) for f in self.accepted]

    def report_of(self, f: FileEntry) -> dict:
        """One accepted file's report without the values left out of the province figures."""
        def compute():
            by_file = defaultdict(list)
            for x in self.records.get("excluded") or []:
                by_file[x["file"]].append(x)
            return {e.file: clean_report(e.report, by_file.get(e.file, [])) for e in self.accepted}

        return self.memo("reports", compute)[f.file]

    @property
    def period_words(self) -> str:
        if self.period.get("year") and self.period.get("kind"):
            return spec.period_words(self.period["kind"], self.period["year"])
        return "(chưa xác định kỳ)"

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def clean_report(doc: dict, excluded: list[dict]) -> dict:
    """A copy of a canonical report without the values the consolidation left out (for the
    province appendix, which reads reports)."""
    if not excluded:
        return doc
    import copy

    doc = copy.deepcopy(doc)
    for x in excluded:
        table, field = x["table"], x["field"] or ""
        if table in ("areas", "deductions"):
            i = int(field[len(table) + 1:].split("]", 1)[0])
            doc[table][i]["score"] = None
        else:
            item = (doc.get(table) or {}).get(x["code"])
            if isinstance(item, dict):
                item["value"] = None
    return doc
