#!/usr/bin/env python3
"""Makes the three slips of real workbooks from generated ones, saved by openpyxl (formulas,
no results), into OUTDIR:
  error-flows.xlsx      E1 and E2 written as 0.5*(a_o-t)^2 (the same value in another order),
                        and w2's η reference slid onto the header in row 7: #VALUE! from there on
  typed-typo.xlsx       a table of values rounded to 6 significant digits, with two digits of one
                        a_o1 swapped
  typed-over-sign.xlsx  a number typed over a ∂E/∂w6 formula, with its sign flipped
  eta-typed.xlsx        η typed into every weight update (=F4-0.5*Y4), and no η cell
  eta-named.xlsx        η read through the defined name `eta` (=F4-eta*Y4), its label removed

usage: slips.py FORMULAS.xlsx VALUES.xlsx OUTDIR   (one learning rate; header in row 3)
"""
import re
import sys

import openpyxl
from openpyxl.workbook.defined_name import DefinedName


def error_flows(src, dst):
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[-1]
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("=0.5*("):
                cell.value = re.sub(r"=0\.5\*\(([A-Z]+\d+)-([A-Z]+\d+)\)\^2", r"=0.5*(\2-\1)^2", cell.value)
    sheet["G7"] = sheet["G7"].value.replace("$B$1", "B3")
    book.save(dst)


def typed_typo(src, dst):
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[-1]
    for row in sheet.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, float):
                cell.value = float(f"{cell.value:.6g}")
    text = f"{sheet['S7'].value:.6g}"
    k = len(text) - 3
    sheet["S7"] = float(text[:k] + text[k + 1] + text[k] + text[k + 2:])
    book.save(dst)


def typed_over_sign(src, dst):
    values = openpyxl.load_workbook(src, data_only=True).worksheets[-1]
    book = openpyxl.load_workbook(src)
    book.worksheets[-1]["AD9"] = -values["AD9"].value
    book.save(dst)


def eta_named(src, dst):
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[-1]
    book.defined_names["eta"] = DefinedName("eta", attr_text=f"'{sheet.title}'!$B$1")
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "$B$1" in cell.value:
                cell.value = cell.value.replace("$B$1", "eta")
    sheet["A1"] = None
    book.save(dst)


def eta_typed(src, dst):
    book = openpyxl.load_workbook(src)
    sheet = book.worksheets[-1]
    eta = sheet["B1"].value
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and "$B$1" in cell.value:
                cell.value = cell.value.replace("$B$1", repr(eta))
    for at in ("A1", "B1", "C1"):
        sheet[at] = None
    book.save(dst)


def main():
    formulas, values, out = sys.argv[1:4]
    error_flows(formulas, f"{out}/error-flows.xlsx")
    typed_typo(values, f"{out}/typed-typo.xlsx")
    typed_over_sign(formulas, f"{out}/typed-over-sign.xlsx")
    eta_typed(formulas, f"{out}/eta-typed.xlsx")
    eta_named(formulas, f"{out}/eta-named.xlsx")


if __name__ == "__main__":
    main()
