"""Sheets: what every written sheet shares, whatever writes it.

- ``measure``: text measurement (lines a text takes in a column, row heights).
- ``xmltext``: cell text as it may stand inside worksheet XML written directly.

Nothing heavy is imported here: the Excel buttons import this package.
"""
