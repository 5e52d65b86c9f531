#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Measured Pfa and Pd of the 1-bit radar detector (isac.one_bit_rx_filter's kernel,
isac.core.rx_filter) when clutter saturates the ADC: threshold "exact" vs "theorem1"
(the paper's eq. 15) vs the oracle threshold (the empirical H0 quantile of |z| for the
same filter). The table in docs/one_bit_rx_filter_measurements.md comes from this
script.

Scene family: N_T = 64, target 10 deg, clutter -50 and 30 deg with equal powers,
sigma_R^2 = 1, x the 1-bit DAC beam towards the target (||x|| = 1). The clutter CNRs
are set so that the per-antenna clutter power CNR_pa = sum_q CNR_q |c_q|^2 / N_R takes
the requested values. Raw echoes (complex Gaussian target, clutter and noise, fresh
per snapshot) are quantised by sgn(Re) + j sgn(Im) and filtered.

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_one_bit_pfa.py \
      --nr 16 64 128 --cnr-pa -30 -20 -10 0 10 --h0 1000000 --h1 100000

Pfa at 1e-4 from T H0 trials has a relative standard error of 1/sqrt(1e-4 T)
(10 % at T = 1e6).
"""

import argparse
import time

import numpy as np

from gnuradio import isac
from gnuradio.isac import rx_calibration as rc

C = isac.core
TARGET, CLUTTER, NT = 10.0, [-50.0, 30.0], 64


def beam(nt, deg):
    g = np.exp(-1j * np.pi * np.arange(nt) * np.sin(np.deg2rad(deg))) / np.sqrt(nt)
    return rc.one_bit_adc(np.conj(g)).astype(np.complex128) / np.sqrt(2 * nt)


def scene_for(nr, cnr_pa_db, snr_db):
    """radar_scene whose clutter gives per-antenna power cnr_pa_db for the beam x."""
    x = beam(NT, TARGET)
    probe = C.radar_scene(NT, nr, TARGET, CLUTTER, 0.0, [0.0, 0.0])
    c = probe.couplings(x)
    cq2 = np.abs(c[1:]) ** 2
    # equal clutter powers p_q = CNR_q |c_q|^2 = N_R CNR_pa / Q
    p = nr * 10 ** (cnr_pa_db / 10) / len(CLUTTER)
    cnr_db = list(10 * np.log10(p / cq2))
    return C.radar_scene(NT, nr, TARGET, CLUTTER, snr_db, cnr_db), x, cnr_db


def echoes(sc, x, powers_db, n, rng, chunk=50000):
    """1-bit ADC output of n snapshots, complex64, in chunks; powers_db: SNR_R (None
    for H0) and the CNRs."""
    c = sc.couplings(x)
    p = np.array([0.0 if v is None else 10 ** (v / 10) for v in powers_db]) * np.abs(c) ** 2
    G = sc.gr.astype(np.complex64)  # (N_R, Q+1)
    nr = G.shape[0]
    for k in range(0, n, chunk):
        b = min(chunk, n - k)
        a = ((rng.standard_normal((b, p.size)) + 1j * rng.standard_normal((b, p.size)))
             * np.sqrt(p / 2)).astype(np.complex64)
        r = a @ G.T
        r += ((rng.standard_normal((b, nr)) + 1j * rng.standard_normal((b, nr)))
              * np.sqrt(0.5)).astype(np.complex64)
        yield rc.one_bit_adc(r)


def run_point(nr, cnr_pa_db, snr_db, n0, n1, seed, pfas=(1e-2, 1e-4)):
    sc, x, cnr_db = scene_for(nr, cnr_pa_db, snr_db)
    rng = np.random.default_rng(seed)
    filt = {(m, pfa): C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, getattr(C.threshold_model, m))
            for m in ("exact", "theorem1") for pfa in pfas}
    res = {"nr": nr, "cnr_pa_db": cnr_pa_db, "cnr_db": cnr_db}
    zabs0 = []
    cnt0 = {k: 0 for k in filt}
    for r in echoes(sc, x, [None] + cnr_db, n0, rng):
        X = np.broadcast_to(x.astype(np.complex64), (r.shape[0], NT))
        for k, f in filt.items():
            z, s, _ = f.process(r, X)
            cnt0[k] += int(np.count_nonzero(s >= 1.0))
        zabs0.append(np.abs(z))
    zabs0 = np.concatenate(zabs0)
    for k, v in cnt0.items():
        res[("pfa",) + k] = v / n0
    # Pd at the first (largest) Pfa: exact, theorem1, oracle (empirical H0 quantile)
    pfa = pfas[0]
    k_or = np.quantile(zabs0, 1 - pfa)
    d1 = {"exact": 0, "theorem1": 0, "oracle": 0}
    for r in echoes(sc, x, [snr_db] + cnr_db, n1, rng):
        X = np.broadcast_to(x.astype(np.complex64), (r.shape[0], NT))
        for m in ("exact", "theorem1"):
            z, s, _ = filt[(m, pfa)].process(r, X)
            d1[m] += int(np.count_nonzero(s >= 1.0))
        d1["oracle"] += int(np.count_nonzero(np.abs(z) >= k_or))
    for m, v in d1.items():
        res[("pd", m)] = v / n1
    # predicted Pd of the exact model (the block's expected_pd)
    res["pd_pred"] = C.predicted_pd(sc, C.threshold_table(sc, pfa), sc.couplings(x))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nr", type=int, nargs="+", default=[16, 64, 128])
    ap.add_argument("--cnr-pa", type=float, nargs="+", default=[-30, -20, -10, 0, 10])
    ap.add_argument("--snr", type=float, default=None,
                    help="SNR_R = zeta_0^2/sigma_R^2 in dB for Pd (default: per N_R, "
                    "so that the oracle Pd is mid-range: 16: 10, 64: 3, 128: 0)")
    ap.add_argument("--h0", type=int, default=200000, help="H0 trials per point")
    ap.add_argument("--h1", type=int, default=20000, help="H1 trials per point")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    print("| N_R | CNR_pa | Pfa set 1e-2: exact / theorem1 | Pfa set 1e-4: exact / theorem1 "
          "| Pd (set 1e-2): exact / theorem1 / oracle | Pd predicted (exact model) | SNR_R |")
    print("|---|---|---|---|---|---|---|")
    for nr in a.nr:
        snr = a.snr if a.snr is not None else {16: 10.0, 64: 3.0, 128: 0.0}.get(nr, 0.0)
        for cp in a.cnr_pa:
            t0 = time.time()
            r = run_point(nr, cp, snr, a.h0, a.h1, a.seed + nr * 1000 + int(cp + 100))
            print(f"| {nr} | {cp:+.0f} dB | {r[('pfa', 'exact', 1e-2)]:.4f} / {r[('pfa', 'theorem1', 1e-2)]:.4f} "
                  f"| {r[('pfa', 'exact', 1e-4)]:.1e} / {r[('pfa', 'theorem1', 1e-4)]:.1e} "
                  f"| {r[('pd', 'exact')]:.3f} / {r[('pd', 'theorem1')]:.3f} / {r[('pd', 'oracle')]:.3f} "
                  f"| {r['pd_pred']:.3f} | {snr:.0f} dB |", flush=True)
            print(f"<!-- {time.time() - t0:.1f} s -->", flush=True)


if __name__ == "__main__":
    main()
