#!/usr/bin/env python3
"""The baseline: the script a user would write instead of backprop-sheet.

Writes the same workbook with XlsxWriter in constant-memory mode: one sheet per learning rate,
the 31 columns with live formulas and their cached values, a line chart per sheet. The numbers
are computed in plain Python floats (IEEE doubles, same operand order), as such a script would.

    python3 bench/peer.py OUT.xlsx ITERATIONS
"""
import math
import sys

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

RATES = [0.1, 0.2, 0.5, 0.8, 1.0, 2.0]
HEADERS = ["t1", "t2", "i1", "i2", "w1", "w2", "w3", "w4", "h1", "a_h1", "h2", "a_h2",
           "w5", "w6", "w7", "w8", "o1", "a_o1", "o2", "a_o2", "E1", "E2", "E_total",
           "dE/dw1", "dE/dw2", "dE/dw3", "dE/dw4", "dE/dw5", "dE/dw6", "dE/dw7", "dE/dw8"]


def main(out, iterations):
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    for eta in RATES:
        ws = book.add_worksheet("LR %g" % eta)
        ws.write(0, 0, "eta")
        ws.write(0, 1, eta)
        for c, h in enumerate(["iteration"] + HEADERS):
            ws.write(2, c, h)
        t1, t2, i1, i2 = 0.01, 0.99, 0.05, 0.1
        w = [0.15, 0.2, 0.25, 0.3, 0.4, 0.45, 0.5, 0.55]
        g = None
        C = {h: xl_col_to_name(k + 1) for k, h in enumerate(HEADERS)}
        for k in range(iterations):
            r = 3 + k
            n, p = r + 1, r
            if g is not None:
                w = [w[j] - eta * g[j] for j in range(8)]
            h1 = w[0] * i1 + w[1] * i2
            ah1 = 1 / (1 + math.exp(-h1))
            h2 = w[2] * i1 + w[3] * i2
            ah2 = 1 / (1 + math.exp(-h2))
            o1 = w[4] * ah1 + w[5] * ah2
            ao1 = 1 / (1 + math.exp(-o1))
            o2 = w[6] * ah1 + w[7] * ah2
            ao2 = 1 / (1 + math.exp(-o2))
            e1 = 0.5 * (t1 - ao1) * (t1 - ao1)
            e2 = 0.5 * (t2 - ao2) * (t2 - ao2)
            d1 = (ao1 - t1) * ao1 * (1 - ao1)
            d2 = (ao2 - t2) * ao2 * (1 - ao2)
            g = [(d1 * w[4] + d2 * w[6]) * ah1 * (1 - ah1) * i1, (d1 * w[4] + d2 * w[6]) * ah1 * (1 - ah1) * i2,
                 (d1 * w[5] + d2 * w[7]) * ah2 * (1 - ah2) * i1, (d1 * w[5] + d2 * w[7]) * ah2 * (1 - ah2) * i2,
                 d1 * ah1, d1 * ah2, d2 * ah1, d2 * ah2]
            ws.write_number(r, 0, k + 1)
            values = [t1, t2, i1, i2] + w[:4] + [h1, ah1, h2, ah2] + w[4:] + [o1, ao1, o2, ao2, e1, e2, e1 + e2] + g
            if k == 0:
                for c, v in enumerate(values):
                    ws.write_number(r, c + 1, v)
                continue
            f = {
                "t1": "=%s%d" % (C["t1"], p), "t2": "=%s%d" % (C["t2"], p),
                "i1": "=%s%d" % (C["i1"], p), "i2": "=%s%d" % (C["i2"], p),
                "h1": "=F%d*D%d+G%d*E%d" % (n, n, n, n), "a_h1": "=1/(1+EXP(-J%d))" % n,
                "h2": "=H%d*D%d+I%d*E%d" % (n, n, n, n), "a_h2": "=1/(1+EXP(-L%d))" % n,
                "o1": "=N%d*K%d+O%d*M%d" % (n, n, n, n), "a_o1": "=1/(1+EXP(-R%d))" % n,
                "o2": "=P%d*K%d+Q%d*M%d" % (n, n, n, n), "a_o2": "=1/(1+EXP(-T%d))" % n,
                "E1": "=0.5*(B%d-S%d)^2" % (n, n), "E2": "=0.5*(C%d-U%d)^2" % (n, n), "E_total": "=V%d+W%d" % (n, n),
                "dE/dw1": "=((S{0}-B{0})*S{0}*(1-S{0})*N{0}+(U{0}-C{0})*U{0}*(1-U{0})*P{0})*K{0}*(1-K{0})*D{0}".format(n),
                "dE/dw2": "=((S{0}-B{0})*S{0}*(1-S{0})*N{0}+(U{0}-C{0})*U{0}*(1-U{0})*P{0})*K{0}*(1-K{0})*E{0}".format(n),
                "dE/dw3": "=((S{0}-B{0})*S{0}*(1-S{0})*O{0}+(U{0}-C{0})*U{0}*(1-U{0})*Q{0})*M{0}*(1-M{0})*D{0}".format(n),
                "dE/dw4": "=((S{0}-B{0})*S{0}*(1-S{0})*O{0}+(U{0}-C{0})*U{0}*(1-U{0})*Q{0})*M{0}*(1-M{0})*E{0}".format(n),
                "dE/dw5": "=(S{0}-B{0})*S{0}*(1-S{0})*K{0}".format(n), "dE/dw6": "=(S{0}-B{0})*S{0}*(1-S{0})*M{0}".format(n),
                "dE/dw7": "=(U{0}-C{0})*U{0}*(1-U{0})*K{0}".format(n), "dE/dw8": "=(U{0}-C{0})*U{0}*(1-U{0})*M{0}".format(n),
            }
            for j, wname in enumerate(["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"]):
                grad = C["dE/dw%d" % (j + 1)]
                f[wname] = "=%s%d-$B$1*%s%d" % (C[wname], p, grad, p)
            for c, (h, v) in enumerate(zip(HEADERS, values)):
                ws.write_formula(r, c + 1, f[h], None, v)
        chart = book.add_chart({"type": "scatter", "subtype": "straight"})
        last = 3 + iterations - 1
        chart.add_series({"name": "E_total", "categories": ["LR %g" % eta, 3, 0, last, 0],
                          "values": ["LR %g" % eta, 3, 23, last, 23]})
        chart.set_title({"name": "E_total, eta = %g" % eta})
        chart.set_x_axis({"name": "iteration"})
        chart.set_y_axis({"name": "E_total"})
        ws.insert_chart(2, 33, chart)
    book.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
