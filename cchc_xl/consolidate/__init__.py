"""Stage 4 — Tổng hợp: many agency reports → the province's figures. No workbook is written here
(no openpyxl): the tables and appendices are content (``cchc_xl.appendix``), the workbook is
written by ``cchc_xl.workbook.consolidation``, and ``cchc_xl.cycle.consolidation`` runs the whole
job for ``cchc-xl consolidate``, the Tổng hợp button and the server.

- ``files``: find the files of a folder (``find_files``) and read them in isolated worker processes
  (``read_files``); every file found is a ``FileEntry``.
- ``records``: ``consolidate(input_dir, …) -> Consolidation`` gives every file exactly one status
  (accepted, rejected, duplicate, skipped) and collects what the accepted files hold as plain
  records.
- ``aggregate`` and ``figures``: province figures from the records (value aggregates by each
  indicator's rule, remediation progress, deductions per criterion, area scores and ranks).
- ``compare``: the figures beside the previous period's summary.
- ``order``: agencies in the registry's order, for every province output.
"""

from __future__ import annotations

from cchc_xl.consolidate.aggregate import (
                                           Aggregate,
                                           aggregate_values,
                                           area_scores,
                                           deductions_by_criterion,
                                           indicator_totals,
                                           progress_words,
                                           remediation_progress,
)
from cchc_xl.consolidate.files import (  # noqa: F401
                                           OPEN_STATUSES,
                                           REMEDIATION_KEYS,
                                           STATUS_LABELS,
                                           STATUSES,
                                           UNKNOWN_STATUS,
                                           ConsolidationError,
                                           FileEntry,
                                           default_jobs,
                                           find_files,
                                           read_files,
                                           read_one,
                                           warm,
)
from cchc_xl.consolidate.records import Consolidation, consolidate

__all__ = [
    "Aggregate", "Consolidation", "ConsolidationError", "FileEntry", "OPEN_STATUSES",
    "REMEDIATION_KEYS", "STATUSES", "STATUS_LABELS", "UNKNOWN_STATUS", "aggregate_values", "area_scores",
    "consolidate", "deductions_by_criterion", "default_jobs", "find_files", "indicator_totals", "progress_words",
    "read_files", "read_one", "remediation_progress",
]
