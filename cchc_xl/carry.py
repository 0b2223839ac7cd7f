"""Moved to ``cchc_xl.cycle.carry``; kept for existing imports."""

from .cycle.carry import *  # noqa: F401,F403
from .cycle.carry import CarryError, carry_item, is_open, next_period, next_report, resolve_period, write_next  # noqa: F401
