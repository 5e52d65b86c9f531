#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Measured H0 Pfa of the 1-bit detector's coherent CPI (isac.core.rx_filter +
cpi_integrator through isac.core.cpi_statistics, the kernel of one_bit_rx_filter)
against the set Pfa, with the exact threshold.

Scenes:
  ota     the OTA examples' radar scene (N_T = N_R = 4, target 23 deg, clutter -47/31
          deg at CNR 10 dB), x drawn from the 256 1-bit vectors or a table of 16.
  random  random asymmetric scenes: N_T 4-16, N_R 8-32, 0-3 clutter patches at
          random angles, CNR 0-20 dB, x random 1-bit vectors.
CPIs: "mixed" (a new x per snapshot, from a pool of `pool` vectors: a 1-bit DAC
table repeats x inside a CPI), "same" (one x for the whole CPI).
Clutter gains: "rayleigh" (CN(0, zeta^2) drawn per CPI: Swerling I, the model's
assumption), "const" (|gamma| = zeta, a uniform phase drawn per CPI) or "static"
(|gamma| = zeta, one phase draw for all the row's CPIs: a room, and the emulator of
apps/isac_ota_emulated; the row then reports one room's Pfa).
--model: the clutter law the detector's threshold assumes (clutter_model of
one_bit_rx_filter): swerling1, fixed, or match (swerling1 for "rayleigh" rows, fixed
for "const" and "static" rows); a comma list runs each.
--weights: the CPI sum's weights (cpi_weights of one_bit_rx_filter): equal,
inverse_variance; a comma list runs each.
--ota-table SEED: the OTA scene's x come from the app's CI lookup table (16 QPSK pairs)
designed for the emulator's channel of that seed, as in the app's genie loopback.

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/bench_one_bit_cpi_pfa.py \\
      --scenes ota,random:8 --cpi 1,4,16 --kind mixed,same --gains rayleigh,const \\
      --pfa 0.01 --trials 20000

Each row: the measured Pfa with its 4-sigma binomial half width, and the measured
(1 - Pfa) quantile of the statistic (1.0 when the threshold is exact).
"""

import argparse
import math

import numpy as np

from gnuradio import isac
from gnuradio.isac import rx_calibration as rc
from gnuradio.isac.metrics import binomial_halfwidth

C = isac.core


def one_bit_vectors(nt, n, rng):
    return rc.one_bit_adc(rng.standard_normal((n, nt)) + 1j * rng.standard_normal((n, nt))).astype(
        np.complex128) / np.sqrt(2 * nt)


def ota_scene():
    return C.radar_scene(4, 4, 23.0, [-47.0, 31.0], 15.0, [10.0, 10.0]), [-47.0, 31.0], [10.0, 10.0]


def random_scene(rng):
    nt = int(rng.integers(4, 17))
    nr = int(rng.integers(8, 33))
    q = int(rng.integers(0, 4))
    tgt = float(rng.uniform(-60, 60))
    clut = []
    while len(clut) < q:
        a = float(rng.uniform(-70, 70))
        if abs(a - tgt) > 8 and all(abs(a - b) > 8 for b in clut):
            clut.append(a)
    cnr = [float(rng.uniform(0, 20)) for _ in clut]
    return C.radar_scene(nt, nr, tgt, clut, 10.0, cnr), clut, cnr


def ota_table(seed):
    """The app's 16 lookup-table designs for the emulator's channel of `seed`."""
    import os
    import sys
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import ota_table_sensitivity as ots
    app = ots.load_app()
    sc = ots.scene_of(app)
    return np.array([x for _, x, _ in ots.table(sc, ots.true_channel(sc, seed), "table", "theorem1")])


def h0_echo(sc, cnr_db, X, L, gains, rng):
    """1-bit H0 echoes of the snapshots X (n x N_T), clutter gains per CPI of L."""
    n = X.shape[0]
    zeta2 = 10 ** (np.asarray(cnr_db, float) / 10)
    Q = zeta2.size
    nr = sc.gr.shape[0]
    noise = (rng.standard_normal((n, nr)) + 1j * rng.standard_normal((n, nr))) * math.sqrt(0.5)
    if Q == 0:
        return rc.one_bit_adc(noise)
    ncpi = n // L
    if gains == "static":
        g = np.repeat(np.exp(2j * np.pi * h0_echo.phases[None, :Q]) * np.sqrt(zeta2), ncpi, axis=0)
    elif gains == "rayleigh":
        g = (rng.standard_normal((ncpi, Q)) + 1j * rng.standard_normal((ncpi, Q))) * np.sqrt(zeta2 / 2)
    else:
        g = np.exp(2j * np.pi * rng.uniform(size=(ncpi, Q))) * np.sqrt(zeta2)
    g = np.repeat(g, L, axis=0)
    c = X @ sc.gt[:, 1:]  # (n, Q)
    return rc.one_bit_adc((g * c) @ sc.gr[:, 1:].T + noise)


def measure(sc, cnr_db, pool, L, kind, gains, pfa, trials, rng, chunk=20000, model="swerling1",
            weights="equal"):
    """H0 CPI statistics of `trials` CPIs; x drawn from pool (per snapshot for mixed,
    per CPI for same). Also returns the CPIs' mean clutter-leakage share of the model
    variance (its coherent linear term over the total)."""
    h0_echo.phases = rng.uniform(size=8)  # the room of a "static" row
    Q = len(cnr_db)
    cn = 10 ** (np.asarray(cnr_db, float) / 10)
    share = []
    if model == "match":
        model = "swerling1" if gains == "rayleigh" else "fixed"
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                    C.parse_clutter_model("model", model))
    out = []
    done = 0
    while done < trials:
        t = min(chunk, trials - done)
        if kind == "mixed":
            idx = rng.integers(0, len(pool), t * L)
        else:
            idx = np.repeat(rng.integers(0, len(pool), t), L)
        X = pool[idx]
        r = h0_echo(sc, cnr_db, X, L, gains, rng)
        z, s, st, terms = f.process(r, X.astype(np.complex64), True)
        if Q:
            tq = terms[:, 1:Q + 1].reshape(-1, L, Q)
            coh = 4 / np.pi * (np.abs(tq.sum(1)) ** 2 * cn).sum(1)
            share.append(coh / (terms[:, 0].real.reshape(-1, L).sum(1) + coh))
        if L == 1:
            out.append(s)
        else:
            out.append(C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, st,
                                        C.threshold_model.exact, getattr(C.cpi_weights, weights))[1])
        done += t
    return np.concatenate(out), float(np.mean(np.concatenate(share))) if share else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenes", default="ota,random:6")
    ap.add_argument("--cpi", default="1,4,16")
    ap.add_argument("--kind", default="mixed,same")
    ap.add_argument("--gains", default="rayleigh,const")
    ap.add_argument("--pfa", default="0.01")
    ap.add_argument("--model", default="swerling1", help="threshold's clutter law(s): swerling1, fixed, match")
    ap.add_argument("--weights", default="equal", help="CPI sum weights: equal, inverse_variance (comma list)")
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--pool", type=int, default=16, help="distinct x per scene (a DAC table)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ota-table", type=int, default=None, metavar="SEED",
                    help="OTA scene: x from the app's lookup table for this emulator seed")
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    scenes = []
    for s in a.scenes.split(","):
        if s == "ota":
            scenes.append(("ota",) + ota_scene())
        else:
            n = int(s.split(":")[1]) if ":" in s else 1
            for i in range(n):
                scenes.append(("random %d" % i,) + random_scene(rng))
    print("| scene | N_T | N_R | clutter (deg / CNR dB) | CPI | x | gains | model | weights | set Pfa | measured Pfa (+-4 sd) | "
          "(1-Pfa) quantile | leakage share |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    nbad = 0
    for name, sc, clut, cnr_db in scenes:
        nt, nr = sc.gt.shape[0], sc.gr.shape[0]
        pool = one_bit_vectors(nt, a.pool, rng)
        if name == "ota" and a.ota_table is not None:
            pool = ota_table(a.ota_table)
        cl = " ".join("%.0f/%.1f" % (t, c) for t, c in zip(clut, cnr_db)) or "-"
        for L in [int(v) for v in a.cpi.split(",")]:
            for kind in a.kind.split(","):
                if L == 1 and kind == "same":
                    continue
                for gains in a.gains.split(","):
                    for model in a.model.split(","):
                        for wt in a.weights.split(",") if L > 1 else ["equal"]:
                            for pfa in [float(v) for v in a.pfa.split(",")]:
                                s, share = measure(sc, cnr_db, pool, L, kind, gains, pfa, a.trials, rng,
                                                   model=model, weights=wt)
                                pf = float(np.mean(s >= 1.0))
                                hw = binomial_halfwidth(pfa, len(s))
                                bad = abs(pf - pfa) > hw
                                nbad += bad
                                print("| %s | %d | %d | %s | %d | %s | %s | %s | %s | %g | %.4f (%s%.4f) | %.3f | %.2f |"
                                      % (name, nt, nr, cl, L, kind if L > 1 else "-", gains, model, wt, pfa, pf,
                                         "**" if bad else "", hw, np.quantile(s, 1 - pfa), share), flush=True)
    print("rows outside 4 sd: %d" % nbad)


if __name__ == "__main__":
    main()
