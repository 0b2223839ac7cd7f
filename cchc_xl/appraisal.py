"""Moved to ``cchc_xl.cycle.appraisal`` and ``cchc_xl.cycle.distribute``; kept for existing imports."""

from .cycle.appraisal import *  # noqa: F401,F403
from .cycle.appraisal import Agency, DistributeError, build_appraisal_workbook, decl, read_appraisal  # noqa: F401
from .cycle.appraisal import write_appraisal_template  # noqa: F401
from .cycle.distribute import agency_file_names, agency_reports, distribute, remediation_issue_text, safe_stem  # noqa: F401
