#!/usr/bin/env python3
"""An independent reference for the worksheet: the same network trained with NumPy's matrices,
written from the textbook's backpropagation rather than from the column definitions.

Reads one run as JSON on stdin:
  {"inputs": [i1, ...], "targets": [t1, ...], "w_hidden": [[w(h1 <- i1), ...], ...],
   "w_output": [[w(o1 <- h1), ...], ...], "activation": "tanh", "output_activation": "sigmoid",
   "alpha": 0.01, "eta": 0.5, "iterations": 100,
   "optimizer": "adam", "momentum": 0.9, "rms_alpha": 0.99, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
   "loss": "cross-entropy"}
The loss is squared error 0.5*(t-a)^2 or cross-entropy (with softmax outputs -t*log(a), with
sigmoid outputs the binary -(t*log(a)+(1-t)*log(1-a))), each differentiated by the chain rule
through the output layer's Jacobian, not by the shortcut a-t.
The optimizers follow torch.optim's documented algorithms (SGD with momentum and nesterov,
Adagrad, RMSprop, Adam with bias correction), no weight decay, no dampening.
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
    if name == "softmax":
        return (lambda x: np.exp(x) / np.sum(np.exp(x))), None
    raise SystemExit(f"unknown activation {name}")


def main():
    run = json.load(sys.stdin)
    x = np.array(run["inputs"], dtype=float)
    targets = np.array(run["targets"], dtype=float)
    w1 = np.array(run["w_hidden"], dtype=float)
    w2 = np.array(run["w_output"], dtype=float)
    f, df = activation(run["activation"], run.get("alpha", 0.01))
    g, dg = activation(run["output_activation"], run.get("alpha", 0.01))
    step = optimizer(run)
    params = [w1, w2]
    states = [{}, {}]
    for t in range(1, run["iterations"] + 1):
        h = params[0] @ x
        a_h = f(h)
        o = params[1] @ a_h
        a_o = g(o)
        error, d_error = loss(run.get("loss", "squared"), run["output_activation"], targets, a_o)
        print(repr(float(error)))
        if dg is None:
            jacobian = np.diag(a_o) - np.outer(a_o, a_o)
            delta_o = jacobian.T @ d_error
        else:
            delta_o = d_error * dg(o, a_o)
        delta_h = (params[1].T @ delta_o) * df(h, a_h)
        grads = [np.outer(delta_h, x), np.outer(delta_o, a_h)]
        params = [step(p, grad, state, t) for p, grad, state in zip(params, grads, states)]


def loss(name, output_activation, t, a):
    """E_total and its derivative by each output's activation."""
    if name == "squared":
        return np.sum(0.5 * (t - a) ** 2), a - t
    if output_activation == "softmax":
        return -np.sum(t * np.log(a)), -t / a
    return -np.sum(t * np.log(a) + (1 - t) * np.log(1 - a)), -t / a + (1 - t) / (1 - a)


def optimizer(run):
    """One update of a parameter tensor p with gradient g at step t, keeping its state."""
    name, lr = run.get("optimizer", "gd"), run["eta"]
    mu, alpha, eps = run.get("momentum", 0.9), run.get("rms_alpha", 0.99), run.get("eps", 1e-8)
    beta1, beta2 = run.get("beta1", 0.9), run.get("beta2", 0.999)

    def gd(p, g, state, t):
        return p - lr * g

    def momentum(p, g, state, t):
        b = g if t == 1 else mu * state["b"] + g
        state["b"] = b
        return p - lr * (g + mu * b if name == "nesterov" else b)

    def adagrad(p, g, state, t):
        state["sum"] = state.get("sum", 0.0) + g * g
        return p - lr * g / (np.sqrt(state["sum"]) + eps)

    def rmsprop(p, g, state, t):
        state["v"] = alpha * state.get("v", 0.0) + (1 - alpha) * g * g
        return p - lr * g / (np.sqrt(state["v"]) + eps)

    def adam(p, g, state, t):
        state["m"] = beta1 * state.get("m", 0.0) + (1 - beta1) * g
        state["v"] = beta2 * state.get("v", 0.0) + (1 - beta2) * g * g
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        return p - lr * m_hat / (np.sqrt(v_hat) + eps)

    steps = {"gd": gd, "momentum": momentum, "nesterov": momentum, "adagrad": adagrad, "rmsprop": rmsprop, "adam": adam}
    return steps[name]


main()
