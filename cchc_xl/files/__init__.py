"""Stage 1 — the file boundary: bytes ⇄ grids and documents, nothing about their meaning.

- ``boundary``: what a file may be before it is read (size, kind, the cells it holds, its XML), with
  the Vietnamese reason for every refusal;
- ``isolate``: the reading process, memory-capped and restartable, so that a hostile file costs
  only itself;
- ``budget``: the cell budget of a checked workbook (``schemas/limits.json``);
- ``fileio``: JSON and CSV in and out, atomic writes, the same-file guard;
- ``pdf``: a PDF of a written document through LibreOffice.

Imports only the declarations (``cchc_xl.spec``) and the leaves.
"""
