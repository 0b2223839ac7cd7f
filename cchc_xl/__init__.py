"""cchc-xl: Excel workbooks for the yearly CCHC (administrative reform) reporting of Vietnamese provinces.

Kept import-light on purpose: the Excel buttons import this package on every click.
"""

__version__ = "0.1.0"
SCHEMA_VERSION = "1"
