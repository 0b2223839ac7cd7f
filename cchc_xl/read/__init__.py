"""Stage 2 — grids → documents: the readers of what people fill.

- ``agency``: an agency's workbook (or JSON) → the canonical report and a map back to cells;
- ``identity``: the one rule that tells two agencies apart (codes, names, former names);
- ``registry``: the province's list of agencies (CSV or workbook).

Imports only the declarations, the file boundary and the leaves.
"""
