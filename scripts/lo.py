#!/usr/bin/python3
"""Drive LibreOffice Calc headless through Python-UNO: a real spreadsheet engine for the tests.

    lo.py recalc IN.xlsx OUT.xlsx VALUES.json   full recalculation, every formula cell's double
                                                (repr: round-trips exactly) to JSON, saved as xlsx
    lo.py set IN.xlsx OUT.xlsx 'Sheet!B5=0.5'.. change cells as a person would, save as xlsx:
                                                a number, a formula ('Sheet!F7==F6-B3*Y6') or
                                                text ("Sheet!B4='0,5")
    lo.py delete-row IN.xlsx OUT.xlsx SHEET ROW delete a sheet row (1-based) as a person would,
                                                references to it becoming #REF!; save as xlsx
    lo.py pdf IN.xlsx OUT.pdf SHEET [RANGE]     print one sheet (its print area, or RANGE) on one page;
                                                with NOTES=1 in the environment, its notes shown

Runs with Debian's /usr/bin/python3 (package python3-uno) and its own throw-away profile, in
which LibreOffice is told to recalculate OOXML files on load (its default keeps cached values).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


class Office:
    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="lo-profile-")
        user = os.path.join(self.profile, "user")
        os.makedirs(user)
        with open(os.path.join(user, "registrymodifications.xcu"), "w") as f:
            f.write(RECALC_ALWAYS)
        pipe = "backprop%d" % os.getpid()
        self.proc = subprocess.Popen(
            ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
             "-env:UserInstallation=file://" + self.profile,
             "--accept=pipe,name=%s;urp;StarOffice.ComponentContext" % pipe],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        for _ in range(600):
            try:
                ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe)
                break
            except NoConnectException:
                time.sleep(0.1)
        else:
            raise SystemExit("LibreOffice did not start")
        self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        return self

    def load(self, path):
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        return self.desktop.loadComponentFromURL(url, "_blank", 0, (prop("Hidden", True),))

    def save_xlsx(self, doc, path):
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        doc.storeToURL(url, (prop("FilterName", "Calc MS Excel 2007 XML"),))

    def __exit__(self, *exc):
        try:
            self.desktop.terminate()
        except Exception:
            pass
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["rm", "-rf", self.profile])


def address(a):
    return a.StartColumn, a.StartRow, a.EndColumn, a.EndRow


def column_name(n):
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def formula_values(doc):
    """Every formula cell's value as LibreOffice holds it: a double, or the error's name."""
    out = {}
    for sheet in doc.Sheets:
        cursor = sheet.createCursor()
        cursor.gotoEndOfUsedArea(False)
        rows, cols = cursor.RangeAddress.EndRow + 1, cursor.RangeAddress.EndColumn + 1
        cells = {}
        data = sheet.getCellRangeByPosition(0, 0, cols - 1, rows - 1)
        formulas = data.getFormulaArray()
        values = data.getDataArray()
        for r in range(rows):
            for c in range(cols):
                if not formulas[r][c].startswith("="):
                    continue
                cell = sheet.getCellByPosition(c, r)
                err = cell.getError()
                key = "%s%d" % (column_name(c), r + 1)
                cells[key] = {"error": err} if err else repr(cell.getValue())
        out[sheet.Name] = cells
    return out


def main(argv):
    cmd = argv[1]
    with Office() as office:
        doc = office.load(argv[2])
        if cmd == "recalc":
            doc.calculateAll()
            with open(argv[4], "w") as f:
                json.dump(formula_values(doc), f)
            office.save_xlsx(doc, argv[3])
        elif cmd == "set":
            for edit in argv[4:]:
                target, value = edit.split("=", 1)
                sheet_name, cell = target.split("!")
                cell = doc.Sheets.getByName(sheet_name).getCellRangeByName(cell)
                if value.startswith("="):
                    cell.setFormula(value)
                elif value.startswith("'"):
                    cell.setString(value[1:])
                else:
                    cell.setValue(float(value))
            doc.calculateAll()
            office.save_xlsx(doc, argv[3])
        elif cmd == "delete-row":
            doc.Sheets.getByName(argv[4]).Rows.removeByIndex(int(argv[5]) - 1, 1)
            doc.calculateAll()
            office.save_xlsx(doc, argv[3])
        elif cmd == "pdf":
            sheet = doc.Sheets.getByName(argv[4])
            if os.environ.get("NOTES"):
                for k in range(sheet.Annotations.Count):
                    sheet.Annotations.getByIndex(k).setIsVisible(True)
            if len(argv) > 5:
                area = sheet.getCellRangeByName(argv[5])
            else:
                area = sheet.getCellRangeByPosition(*address(sheet.getPrintAreas()[0]))
            style = doc.StyleFamilies.getByName("PageStyles").getByName(sheet.PageStyle)
            style.IsLandscape = True
            style.Width, style.Height = 29700, 21000
            style.ScaleToPagesX, style.ScaleToPagesY = 1, 1
            style.HeaderIsOn = style.FooterIsOn = False
            url = uno.systemPathToFileUrl(os.path.abspath(argv[3]))
            data = uno.Any("[]com.sun.star.beans.PropertyValue", (prop("Selection", area),))
            doc.storeToURL(url, (prop("FilterName", "calc_pdf_Export"), prop("FilterData", data)))
        else:
            raise SystemExit(__doc__)
        doc.close(True)


if __name__ == "__main__":
    main(sys.argv)
