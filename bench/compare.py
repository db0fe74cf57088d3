#!/usr/bin/env python3
"""Times backprop-sheet against the peer script (bench/peer.py) on this machine, in one go.

    python3 bench/compare.py [ITERATIONS ...] [--runs N]

For each size (default: 100 and 10000 iterations, six learning rates) both write the same
workbook; each is run N times (default 5), interleaved, and the median wall time and the largest
peak RSS are printed, with the ratio peer / backprop-sheet. backprop-sheet runs twice: on every
core (its default) and on one (`--jobs 1`). Needs `pip install xlsxwriter` and a release
build (`cargo build --release`), which this script runs first.
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "backprop-sheet")


def run(cmd):
    """Wall seconds and peak RSS (KB) of one run, measured by GNU time."""
    with tempfile.NamedTemporaryFile("r") as rss:
        start = time.perf_counter()
        subprocess.run(["/usr/bin/time", "-o", rss.name, "-f", "%M"] + cmd, check=True,
                       stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - start
        return wall, int(rss.read().strip().splitlines()[-1])


def measure(cmds, runs):
    """Each command run `runs` times, the commands taking turns so that a busy spell of the
    machine falls on all of them: per command, the median wall time and the largest peak RSS."""
    results = [[] for _ in cmds]
    for _ in range(runs):
        for k, cmd in enumerate(cmds):
            results[k].append(run(cmd))
    return [(statistics.median(r[0] for r in rs), max(r[1] for r in rs)) for rs in results]


def main(argv):
    runs = 5
    if "--runs" in argv:
        i = argv.index("--runs")
        runs = int(argv[i + 1])
        del argv[i:i + 2]
    sizes = [int(a) for a in argv] or [100, 10000]
    subprocess.run(["cargo", "build", "--release", "-q"], cwd=ROOT, check=True)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.xlsx")
        print("%-12s %-15s %10s %10s" % ("size", "program", "median s", "peak MB"))
        for n in sizes:
            ours = [BIN, "generate", "-q", "--force", "--out", out, "--iterations", str(n)]
            peer = [sys.executable, os.path.join(ROOT, "bench", "peer.py"), out, str(n)]
            every, one, other = measure([ours, ours + ["--jobs", "1"], peer], runs)
            size = "6 x %d" % n
            print("%-12s %-15s %10.3f %10.1f" % (size, "backprop-sheet", every[0], every[1] / 1024))
            print("%-12s %-15s %10.3f %10.1f" % (size, "  --jobs 1", one[0], one[1] / 1024))
            print("%-12s %-15s %10.3f %10.1f" % (size, "peer.py", other[0], other[1] / 1024))
            print("%-12s %-15s %9.1fx (one core: %.1fx)" % (size, "ratio", other[0] / every[0], other[0] / one[0]))

if __name__ == "__main__":
    main(sys.argv[1:])
