"""Former name of :mod:`cchc_xl.fileio` (kept so that older imports keep working)."""

from .fileio import *  # noqa: F401,F403
from .fileio import (ReportError, atomic_output, check_writable, load_report, os_reason, same_file,  # noqa: F401
                     write_text_atomic)
