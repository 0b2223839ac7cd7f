"""Official appendix sheets (Phụ lục I, II, III) for one agency, and the province's tables.

The appendices are what gets printed, signed and attached to a report, so they must look like
the official forms (seeds 000 and 004) and print whole. The work is split in two so that a
workbook on disk (openpyxl, here) and a live workbook behind the "Điền phụ lục" button
(xlwings, in ``excel.py``) print the same thing:

1. **Sheet models** — plain data (``SheetModel`` → ``RowModel`` → ``CellModel``): every text
   already rendered from the jinja2 templates ``cchc_xl/templates/phu_luc_*.j2`` (a province
   overrides them with ``CCHC_XL_TEMPLATE_DIR``), numbers already written the Vietnamese way
   ("1,5", "260.141", "100%"), merges, borders and row heights already decided. Row heights
   are estimated from Times New Roman metrics (``fit_heights``) for the narrowest usual
   column-width unit; a renderer that knows its workbook's default font estimates them again
   (``fit_heights(model, width_unit_pt(font, size))``). A tall row is split into continuation
   rows that print as one cell, so page breaks fall inside it and no row exceeds Excel's 409 pt.
2. **Renderers** — ``render_sheets(wb, models)`` for openpyxl; the xlwings one mirrors it.

Texts are written as text, not numbers with a number format: a number format prints "1.5" on
an English-locale Excel, and an appendix must read "1,5" wherever it is printed.

Stage 8 of the pipeline (content as sheet models). The modules: ``agency`` (Phụ lục I, II, III of
one agency, ``write_agency_appendix``), ``province`` (the province's tables), ``kit`` (cells, rows,
title blocks and texts they share, with the report draft), ``tables`` (the consolidation's tables),
``report_draft`` and ``report_template`` (the province report draft), ``restate`` (the staff's words).
"""
