"""cchc-xl: Excel workbooks for the yearly CCHC (administrative reform) reporting of Vietnamese provinces.

Kept import-light on purpose: the Excel buttons import this package on every click. The analysts'
front door (``read_report``, ``validate_report``, ``consolidate_folder``, ``frames``…, see
``cchc_xl.analysis``) is loaded only when one of its names is first used.
"""

from cchc_xl.spec import SCHEMA_VERSION, __version__  # noqa: F401  (declared beside the schemas)

_ANALYSIS = ("ReportError", "read_report", "validate_report", "consolidate_folder", "frame", "frames",
             "indicators_by_agency")


def __getattr__(name):
    if name in _ANALYSIS:
        from cchc_xl import analysis

        return getattr(analysis, name)
    raise AttributeError(f"module 'cchc_xl' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_ANALYSIS])


__all__ = list(_ANALYSIS)
