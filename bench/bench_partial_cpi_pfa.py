#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Measured H0 Pfa of the 1-bit detector's partly muted CPIs (one_bit_rx_filter's
kernel through rx_calibration.h0_statistics, exact threshold, Swerling-I clutter;
--fixed: a room's, clutter_model fixed with static gains, what the OTA examples set):
CPIs of --cpi snapshots whose first k carry one 1-bit x and the rest x = 0 (a CPI
across a TDD guard's edge). --single adds the same x through a filter of cpi_len 1
(one snapshot, its own threshold), the reference for k = 1.

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_partial_cpi_pfa.py \\
      --arrays 8x4,8x12 --cnr 20,15 --k 1,2,3,16 --pfa 0.01,0.001 --draws 0,1,2 --single

Each row: the array, the x draw, the set Pfa, the trials with the 4-sigma binomial
half width at the set Pfa (metrics.binomial_halfwidth) and the measured Pfa per k. A
cell marked "unreachable" has too few 1-bit samples (n_rx * k, or n_rx for cpi_len 1)
to hold the set Pfa (core.pfa_reach: below 4^(1 - n) no threshold gives a Pfa between
0 and 4^(1 - n)); make() rejects such a cpi_len 1 filter, and a CPI with k = 1 lit
has one snapshot's lattice whatever its cpi_len.
"""

import argparse

import numpy as np
from gnuradio import isac
from gnuradio.isac import metrics
from gnuradio.isac import rx_calibration as rc

C = isac.core


def floats(s):
    return [float(v) for v in s.split(",")]


def reach(nr, k, pfa):
    """" (unreachable)" when n_rx * k 1-bit samples cannot hold pfa."""
    return "" if C.pfa_reach(C.adc_model.one_bit, nr, k, pfa).reachable else " (unreachable)"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arrays", default="8x4,8x12", help="N_TxN_R list")
    ap.add_argument("--target", type=float, default=12.0)
    ap.add_argument("--clutter", type=floats, default=[-37.0, 51.0], help="clutter angles (deg)")
    ap.add_argument("--cnr", type=floats, default=[20.0, 15.0], help="CNR per clutter angle (dB)")
    ap.add_argument("--cpi", type=int, default=16)
    ap.add_argument("--k", type=lambda s: [int(v) for v in s.split(",")], default=[1, 2, 3, 16],
                    help="transmitted snapshots per CPI")
    ap.add_argument("--pfa", type=floats, default=[0.01, 0.001])
    ap.add_argument("--trials", type=float, default=200.0,
                    help="CPIs per row: this many / Pfa (200: 20 000 CPIs at 0.01)")
    ap.add_argument("--draws", type=lambda s: [int(v) for v in s.split(",")], default=[0],
                    help="x draws (numpy default_rng(2026 + draw))")
    ap.add_argument("--single", action="store_true", help="also the x through a cpi_len 1 filter")
    ap.add_argument("--fixed", action="store_true",
                    help="clutter_model fixed and static clutter gains (phases from the noise rng)")
    a = ap.parse_args()
    zeta2 = [10.0] + list(10 ** (np.asarray(a.cnr) / 10))
    kw = dict(clutter=C.clutter_model.fixed, gains="static") if a.fixed else {}
    for arr in a.arrays.split(","):
        nt, nr = (int(v) for v in arr.split("x"))
        sc = C.radar_scene(nt, nr, a.target, a.clutter, 10.0, a.cnr)
        for d in a.draws:
            g = np.random.default_rng(2026 + d)
            x1 = rc.one_bit_adc(g.standard_normal((1, nt)) + 1j * g.standard_normal((1, nt))) / np.sqrt(2 * nt)
            for pfa in a.pfa:
                T = int(round(a.trials / pfa))
                row = []
                for k in a.k:
                    X = np.tile(x1, (a.cpi, 1))
                    X[k:] = 0
                    s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, a.cpi, X, zeta2, 1.0, T,
                                         np.random.default_rng(3), **kw)
                    row.append("k=%d: %.5f%s" % (k, np.mean(s >= 1), reach(nr, k, pfa)))
                if a.single:
                    s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, 1, x1, zeta2, 1.0, T,
                                         np.random.default_rng(3), **kw)
                    row.append("cpi_len 1: %.5f%s" % (np.mean(s >= 1), reach(nr, 1, pfa)))
                print("%dx%d CNR %s dB%s, draw %d, set %g, %d CPIs (+-%.5f): %s"
                      % (nt, nr, a.cnr, " fixed" if a.fixed else "", d, pfa, T,
                         metrics.binomial_halfwidth(pfa, T), ", ".join(row)), flush=True)


if __name__ == "__main__":
    main()
