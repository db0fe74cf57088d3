#!/usr/bin/env python3
"""How long a class run takes to stop after SIGTERM (or Ctrl-C's SIGINT): N generated workbooks
(one sheet of 100 iterations, each with a known mistake) checked and marked on every core; the
signal is sent once a few marked copies are written, mid-run, and the time from the signal to
the process's exit is taken. Repeated RUNS times, alternating the two signals; prints each
latency and their median. Usage: python3 bench/interrupt.py [BIN] [N] [RUNS]
(BIN defaults to target/release/backprop-sheet)."""
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "target/release/backprop-sheet")
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    keys = ["gradient-sign", "missing-parentheses", "a_h1-for-a_h2", "w6-from-dw8"]
    with tempfile.TemporaryDirectory() as tmp:
        subs = pathlib.Path(tmp, "subs")
        subs.mkdir()
        first = subs / "s000.xlsx"
        for k, key in enumerate(keys):
            out = subs / f"s{k:03}.xlsx"
            subprocess.run([binary, "generate", "-q", "--learning-rates", "1", "--mistake", key, "--out", out],
                           check=True)
        for k in range(len(keys), count):
            os.link(subs / f"s{k % len(keys):03}.xlsx", subs / f"s{k:03}.xlsx")
        assert first.exists()
        latencies = []
        for run in range(runs):
            sig = signal.SIGTERM if run % 2 == 0 else signal.SIGINT
            marked = pathlib.Path(tmp, f"marked{run}")
            child = subprocess.Popen([binary, "check", subs, "--annotate", marked, "--jobs", str(os.cpu_count())],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while not marked.exists() or len(list(marked.iterdir())) < 3:
                time.sleep(0.005)
            sent = time.monotonic()
            child.send_signal(sig)
            code = child.wait()
            took = time.monotonic() - sent
            assert code == 130, f"exit code {code}"
            left = len(list(marked.iterdir()))
            assert left < count, "the run stopped early"
            latencies.append(took)
            print(f"run {run + 1}: {signal.Signals(sig).name}, stopped {took * 1000:.0f} ms after it"
                  f" ({left} of {count} marked)")
        print(f"median {statistics.median(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms"
              f" over {runs} runs")


if __name__ == "__main__":
    main()
