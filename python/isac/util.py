#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Small helpers the apps, benchmarks and tests share: dB conversions, the
figure apps' CSV writer and the tests' wall-clock limits. (The C++ core has its own in core/types.h: db2lin,
deg2rad, rad2deg.)"""
import csv
import math
import os

import numpy as np


def db2lin(db):
    """10^(db/10), for a number or an array."""
    return 10 ** (np.asarray(db, dtype=float) / 10) if np.ndim(db) else 10 ** (db / 10)


def lin2db(v):
    """10 log10(v), for a number or an array; a number <= 0 gives -inf."""
    if np.ndim(v):
        return 10.0 * np.log10(v)
    return 10 * math.log10(v) if v > 0 else float("-inf")


def write_csv(path, header, rows, notes=(), fmt=None):
    """Write a figure's CSV: "# note" lines, the header, then the rows. With
    fmt (e.g. ".6g") every float cell is written as format(cell, fmt)."""
    with open(path, "w", newline="") as f:
        for n in notes:
            f.write("# %s\n" % n)
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            if fmt is None:
                w.writerow(r)
            else:
                w.writerow([format(v, fmt) if isinstance(v, (float, np.floating)) else v for v in r])


def time_limit(seconds):
    """A test's wall-clock limit: under a sanitizer build (ISAC_SANITIZER set by
    `./run test --sanitize`) the module runs several times slower, so the limit
    grows by ISAC_TIME_SCALE (default 8 there, 1 otherwise)."""
    default = "8" if os.environ.get("ISAC_SANITIZER") else "1"
    return seconds * float(os.environ.get("ISAC_TIME_SCALE", default))
