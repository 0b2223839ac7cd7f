"""Renderers of the sheet models (``appendix.SheetModel``): Word (``docx``)."""
