"""Sheets: one model of a written sheet, one style source, a renderer per engine.

- ``model``: the sheet model as plain data (``SheetModel`` laid out cell by cell, ``SheetTable``
  table-shaped); see its docstring for the structure a new renderer (Word, HTML) reads.
- ``style``: fonts, palette, number formats, the printed page (A4) — for every engine.
- ``measure``: text measurement (lines a text takes in a column, row heights).
- ``xlsx``: the openpyxl renderer of ``SheetModel`` (cells, or worksheet XML rows spliced into
  the saved file); ``xlsx_tables``: the openpyxl renderer of ``SheetTable``.
- ``live``: the xlwings renderer of both, into an open workbook (the Excel buttons).
- ``docx``: the Word renderer of ``SheetModel`` (appendices, the province report draft).
- ``xmltext``: cell text as it may stand inside worksheet XML written directly.

Nothing heavy is imported here: the Excel buttons import this package.
"""
