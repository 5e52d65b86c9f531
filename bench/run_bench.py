#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Run every gr-isac benchmark and print ratio tables.

C++ benchmarks (build/bench/bench_*): a kernel benchmark names its baseline with
st.SetLabel("vs BM_other/arg"); the table shows the kernel's rate and its ratio to
the baseline measured in the same run (the machine is shared and noisy, so only
ratios from one run are meaningful). Python benchmarks (bench/bench_*.py) print
their own tables.

  bench/run_bench.py --build build [--filter quantizer] [--markdown] [--min-time 0.2]
"""
import argparse
import glob
import json
import os
import subprocess
import sys


def rate(b):
    for key in ("items_per_second", "bytes_per_second"):
        if key in b:
            return b[key], key
    return 1.0 / (b["real_time"] * 1e-9 if b.get("time_unit", "ns") == "ns" else b["real_time"]), "1/s"


def fmt_rate(v):
    for unit, s in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if v >= unit:
            return f"{v / unit:.2f} {s}"
    return f"{v:.2f} "


def run_cpp(exe, min_time, markdown):
    out = subprocess.run([exe, "--benchmark_format=json", f"--benchmark_min_time={min_time}"],
                         check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    by_name = {b["name"]: b for b in data["benchmarks"]}
    rows = []
    for b in data["benchmarks"]:
        label = b.get("label", "")
        if not label.startswith("vs "):
            continue
        base = by_name.get(label[3:].strip())
        r, unit = rate(b)
        ratio = "n/a"
        if base is not None:
            rb, unit_b = rate(base)
            ratio = f"{r / rb:.3g}" if unit == unit_b else "n/a"
        per = "items/s" if unit == "items_per_second" else ("B/s" if unit == "bytes_per_second" else "1/s")
        rows.append((b["name"], f"{fmt_rate(r)}{per}", label[3:].strip(), ratio))
    name = os.path.basename(exe)
    if not rows:
        print(f"{name}: no benchmark names a baseline")
        return
    head = ("benchmark", "rate", "baseline (same run)", "ratio")
    if markdown:
        print(f"\n**{name}**\n")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        w = [max(len(str(x[i])) for x in rows + [head]) for i in range(4)]
        print(f"\n{name}")
        print("  ".join(h.ljust(w[i]) for i, h in enumerate(head)))
        for r in rows:
            print("  ".join(str(x).ljust(w[i]) for i, x in enumerate(r)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default="build")
    ap.add_argument("--filter", default="", help="substring of the benchmark file names to run")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--min-time", default="0.2")
    args = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    exes = sorted(glob.glob(os.path.join(args.build, "bench", "bench_*")))
    exes = [e for e in exes if os.access(e, os.X_OK) and not os.path.isdir(e) and args.filter in e]
    for e in exes:
        run_cpp(e, args.min_time, args.markdown)
    for py in sorted(glob.glob(os.path.join(here, "bench_*.py"))):
        if args.filter in py:
            print(f"\n{os.path.basename(py)}")
            sys.stdout.flush()
            # Python benchmarks measure the freshly built module, not an older install.
            env = dict(os.environ)
            tm = os.path.abspath(os.path.join(args.build, "test_modules"))
            env["PYTHONPATH"] = tm + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
            subprocess.run(["/usr/bin/python3", py], check=True, env=env)
    return 0


if __name__ == "__main__":
    sys.exit(main())
