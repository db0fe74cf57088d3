#!/usr/bin/env python3
"""Rewrites the header row of every worksheet table of a workbook and saves it with openpyxl,
which keeps the formulas and saves no results: how the tests make workbooks whose headers are
spelled as real workbooks spell them, hold a typo, are in another language, or are blank.

usage: rewrite-headers.py IN OUT-STEM MODE...   writes OUT-STEM-MODE.xlsx for each mode:
  spellings, typo, foreign, blank    the header row respelled, t2 headed i2, in German, or blank
  swapped                            every column named once, but h1's and a_h1's headers swapped,
                                     and w5's and w6's
  gradients-unnamed                  the gradient columns headed g1..g8, a name no one reads
  activations-unnamed                the activations headed f(h1), f(o1), ...
  unfinished                         one row computed, the next holding only its typed weights
"""
import re
import sys

import openpyxl

SPELLINGS = {
    "t": "target{}", "i": "x{}", "a_h": "σ(h{})", "a_o": "sigmoid(o{})", "h": "net_h{}",
    "E": "E{} (squared error)", "E_total": "E_total (sum of the errors)", "dw": "dE_total/dw{}",
}
FOREIGN = {
    "t": "Ziel{}", "i": "Eingabe{}", "w": "Gewicht{}", "h": "Netz_v{}", "a_h": "Aktiv_v{}", "o": "Netz_a{}",
    "a_o": "Aktiv_a{}", "E": "Fehler{}", "E_total": "Gesamtfehler", "dw": "Ableitung{}",
}

SWAPPED = {"h1": "a_h1", "a_h1": "h1", "w5": "w6", "w6": "w5"}


def rewrite(text, mode):
    if text == "E_total":
        stem, n = "E_total", ""
    elif text.startswith("∂E/∂w"):
        stem, n = "dw", text[len("∂E/∂w"):]
    else:
        m = re.fullmatch(r"(t|i|w|h|a_h|o|a_o|E)(\d+)", text)
        if not m:
            return text
        stem, n = m.groups()
    if mode == "blank":
        return None
    table = SPELLINGS if mode == "spellings" else FOREIGN
    return table[stem].format(n) if stem in table else text


def main():
    src, stem, modes = sys.argv[1], sys.argv[2], sys.argv[3:]
    for mode in modes:
        save(src, f"{stem}-{mode}.xlsx", mode)


def unfinished(sheet, header):
    """Keeps the first row, types the next row's weights only, and clears every row below."""
    first = header + 1
    for row in sheet.iter_rows(min_row=first + 1):
        for cell in row:
            head = sheet.cell(header, cell.column).value
            typed_weight = cell.row == first + 1 and isinstance(head, str) and re.fullmatch(r"w\d+", head)
            cell.value = 0.25 if typed_weight else None


def save(src, dst, mode):
    book = openpyxl.load_workbook(src)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            texts = [c for c in row if isinstance(c.value, str)]
            if not any(c.value == "t1" for c in texts):
                continue
            if mode == "unfinished":
                unfinished(sheet, row[0].row)
                continue
            for cell in texts:
                if mode == "gradients-unnamed":
                    cell.value = re.sub(r"^∂E/∂w(\d+)$", r"g\1", cell.value)
                elif mode == "activations-unnamed":
                    cell.value = re.sub(r"^a_([ho])(\d+)$", r"f(\1\2)", cell.value)
                elif mode == "swapped":
                    cell.value = SWAPPED.get(cell.value, cell.value)
                elif mode == "typo":
                    if cell.value == "t2":
                        cell.value = "i2"
                elif cell.value.lower() in ("iteration", "step") and mode in ("blank", "foreign"):
                    cell.value = None if mode == "blank" else "Schritt"
                else:
                    cell.value = rewrite(cell.value, mode)
    book.save(dst)


if __name__ == "__main__":
    main()
