#!/usr/bin/env python3
"""Moves every learning rate's sheet of a generated workbook onto one sheet, stacked or side by
side, each table with its own η cell above it, and saves it with openpyxl (formulas, no
results): how the tests make a sheet of six tables, one per learning rate.

usage: one-sheet.py IN OUT stacked|side-by-side [HEADERS]
  HEADERS "real": t1 as `t1 ( output of out_o1)` and gradients as `∂(E_total)/∂w1`
"""
import re
import sys

import openpyxl
from openpyxl.formula.translate import Translator
from openpyxl.utils import get_column_letter


def header(text, real):
    if not real:
        return text
    if re.fullmatch(r"t\d", text):
        return f"{text} ( output of out_o{text[1]})"
    return re.sub(r"^∂E/∂w(\d+)$", r"∂(E_total)/∂w\1", text)


def main():
    src, dst, how = sys.argv[1:4]
    real = sys.argv[4:] == ["real"]
    book = openpyxl.load_workbook(src)
    sheets = [s for s in book.worksheets if s.title != "Summary"]
    target = book.create_sheet("all rates")
    for k, sheet in enumerate(sheets):
        rows, cols = (k * (sheet.max_row + 4), 0) if how == "stacked" else (0, k * (sheet.max_column + 2))
        eta = f"${get_column_letter(2 + cols)}${1 + rows}"
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                at = f"{get_column_letter(cell.column + cols)}{cell.row + rows}"
                value = cell.value
                if isinstance(value, str) and value.startswith("="):
                    value = Translator(value, origin=cell.coordinate).translate_formula(at).replace("$B$1", eta)
                elif isinstance(value, str):
                    value = header(value, real)
                target[at] = value
    for sheet in book.worksheets[:-1]:
        book.remove(sheet)
    book.save(dst)


if __name__ == "__main__":
    main()
