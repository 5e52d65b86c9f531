#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""CPU time of the transmit calibration's core (core.tx_phase_estimator, n_tx = 4,
n_avg = 16 384): the lag search over n_avg + max_lag snapshots, the first gains-phase
estimate and the next one (the same estimator, as a continuous calibration runs), against
the air time of the same snapshots at 1 MS/s (docs/ota_measurements.md "The transmit calibration's
cost").

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/tx_phase_cost.py [max_lag ...]
"""
import argparse
import time

import numpy as np
from gnuradio import isac


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("max_lag", type=int, nargs="*", default=[1024, 4608],
                    help="lag searches to time (snapshots; default 1024 4608)")
    lags = ap.parse_args().max_lag
    C = isac.core
    rng = np.random.default_rng(1)
    nt, n, lag = 4, 16384, 20
    ph = np.exp(1j * np.array([0.0, 0.3, -0.5, 1.0]))
    for max_lag in lags:
        N = n + max_lag + 64
        x = ((np.sign(rng.standard_normal((N, nt))) + 1j * np.sign(rng.standard_normal((N, nt)))) * 0.35
             ).astype(np.complex64)
        y = np.zeros(N, np.complex64)
        y[lag:] = x[:-lag] @ ph
        y += (0.1 * (rng.standard_normal(N) + 1j * rng.standard_normal(N))).astype(np.complex64)
        e = C.tx_phase_estimator(nt, 0.0, 0.5, max_lag, n, 32)
        t0 = time.process_time()
        e.process(x, y)
        t1 = time.process_time()
        e.set_lag(lag)
        t2 = time.process_time()
        done = e.process(x[:n], y[:n])
        t3 = time.process_time()
        valid = e.result().valid
        done_next = e.process(x[:n], y[:n])
        t4 = time.process_time()
        print("max_lag %5d: lag search %6.1f ms, gains phase %6.1f ms, next %6.1f ms "
              "(estimates %s %s, valid %s %s); air time %.1f ms"
              % (max_lag, 1e3 * (t1 - t0), 1e3 * (t3 - t2), 1e3 * (t4 - t3), done, done_next,
                 valid, e.result().valid, n / 1e3))


if __name__ == "__main__":
    main()
