"""Stage 7 — the workbooks we write for people to fill and to read.

- ``template``: the agency workbook (``style`` is its one look, ``input_rows`` its open tables,
  ``status_sheet`` the hidden per-row checks);
- ``annotate``: the checked copy with the "Kết quả kiểm tra" sheet and the faulty cells marked;
- ``consolidation``: the Sở Nội vụ's consolidated workbook, from the tables of ``cchc_xl.appendix``;
- ``macros`` and ``vba``: the .xlsm with its buttons and the VBA project written from ``macros/``.

Writes what the earlier stages computed; nothing here decides a figure or a verdict.
"""
