"""Tổng hợp: every agency workbook of a folder → one consolidated picture for the province.

Layers, one module each, kept apart so that the command line, the Excel button and other
programs share the same computation:

- ``files``: find the files of a folder (``find_files``) and read them in worker processes
  (``read_files``); every file found is a ``FileEntry``.
- ``records``: ``consolidate(input_dir, …) -> Consolidation`` gives every file exactly one status
  (accepted, rejected, duplicate, skipped) and collects what the accepted files hold as plain
  records. Nothing here knows about workbooks.
- ``aggregate``: province figures from the records (value aggregates by each indicator's rule,
  remediation progress, deductions per criterion, area scores and ranks).
- ``tables``: ``sheet_tables(consolidation) -> list[SheetTable]``, the output sheets as plain
  tables (title, notes, header, rows of Python values); a live xlwings workbook is filled from
  them as well as a file.
- ``workbook``: ``write_consolidated_workbook(consolidation, out)`` lays the tables out with
  openpyxl (print setup, frozen headers, Excel tables, charts) and writes the file atomically.
- ``command``: ``run_consolidation`` glues them for ``cchc-xl consolidate`` and prints the
  Vietnamese summary.
"""

from __future__ import annotations

from .aggregate import (Aggregate, aggregate_values, area_scores, deductions_by_criterion, indicator_totals,
                        progress_words, remediation_progress)
from .command import ProgressBar, closing_summary, run_consolidation
from .files import (OPEN_STATUSES, REMEDIATION_KEYS, STATUS_LABELS, STATUSES, UNKNOWN_STATUS, ConsolidationError,  # noqa: F401 (warm: also the server's readers)
                    FileEntry, default_jobs, warm, find_files, read_files, read_one)
from .records import LEVEL_ORDER, Consolidation, consolidate
from .tables import Chart, Column, SheetTable, clean_tables, sheet_tables
from .workbook import TEMPLATE_ID, build_workbook, write_consolidated_workbook

__all__ = [
    "Aggregate", "Chart", "Column", "Consolidation", "ConsolidationError", "FileEntry", "LEVEL_ORDER",
    "OPEN_STATUSES", "ProgressBar", "REMEDIATION_KEYS", "STATUSES", "STATUS_LABELS", "SheetTable", "TEMPLATE_ID",
    "UNKNOWN_STATUS", "aggregate_values", "area_scores", "build_workbook", "clean_tables", "closing_summary",
    "consolidate", "deductions_by_criterion", "default_jobs", "find_files", "indicator_totals", "progress_words",
    "read_files", "read_one", "remediation_progress", "run_consolidation", "sheet_tables",
    "write_consolidated_workbook",
]
