#!/usr/bin/env python3
"""An independent reference for the worksheet: the same network trained with NumPy's matrices,
written from the textbook's backpropagation rather than from the column definitions.

Reads one run as JSON on stdin:
  {"inputs": [i1, ...], "targets": [t1, ...], "w_hidden": [[w(h1 <- i1), ...], ...],
   "w_output": [[w(o1 <- h1), ...], ...], "activation": "tanh", "output_activation": "sigmoid",
   "alpha": 0.01, "eta": 0.5, "iterations": 100}
and prints E_total of each iteration, one per line, as the shortest text that reads back exactly.
"""

import json
import sys

import numpy as np


def activation(name, alpha):
    """The activation and its slope, as functions of the weighted sum x and the activation a."""
    if name == "sigmoid":
        return (lambda x: 1.0 / (1.0 + np.exp(-x))), (lambda x, a: a * (1.0 - a))
    if name == "tanh":
        return np.tanh, (lambda x, a: 1.0 - a * a)
    if name == "relu":
        return (lambda x: np.maximum(0.0, x)), (lambda x, a: (x > 0).astype(float))
    if name == "leaky-relu":
        return (lambda x: np.where(x > 0, x, alpha * x)), (lambda x, a: np.where(x > 0, 1.0, alpha))
    if name == "linear":
        return (lambda x: x), (lambda x, a: np.ones_like(x))
    raise SystemExit(f"unknown activation {name}")


def main():
    run = json.load(sys.stdin)
    x = np.array(run["inputs"], dtype=float)
    t = np.array(run["targets"], dtype=float)
    w1 = np.array(run["w_hidden"], dtype=float)
    w2 = np.array(run["w_output"], dtype=float)
    f, df = activation(run["activation"], run.get("alpha", 0.01))
    g, dg = activation(run["output_activation"], run.get("alpha", 0.01))
    eta = run["eta"]
    for _ in range(run["iterations"]):
        h = w1 @ x
        a_h = f(h)
        o = w2 @ a_h
        a_o = g(o)
        print(repr(float(np.sum(0.5 * (t - a_o) ** 2))))
        delta_o = (a_o - t) * dg(o, a_o)
        delta_h = (w2.T @ delta_o) * df(h, a_h)
        w2 = w2 - eta * np.outer(delta_o, a_h)
        w1 = w1 - eta * np.outer(delta_h, x)


main()
