#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What a 1-bit detector with few samples per decision can do at a set Pfa
(docs/one_bit_rx_filter.md, "Settings a 1-bit statistic cannot serve").

enum: every one of the 4^N_R sign patterns of one snapshot, equally likely on
      noise-only echoes (clutter at -60 dB), through the kernel (isac.core.rx_filter,
      exact threshold) for random 1-bit x: the number of distinct |z|, the achievable
      Pfa nearest the set one (any threshold) and the Pfa the block's kappa gives.
mc:   H0 Monte-Carlo of mixed-x CPIs (x from a table of 16 1-bit vectors, Swerling-I
      clutter redrawn per CPI) through the kernel and isac.core.cpi_statistics: the
      measured Pfa at small N_R x L, where the bound holds but the tail model may not.
scenes: the same over random asymmetric scenes (target in [-60, 60] deg, two clutter
      patches at least 8 deg from it and each other, 3 deg from each other's mirror image, CNRs within
      +-3 dB of the row's, a fresh table of 16 x per cell): the measured Pfa over the
      set one per (N_R, L, CNR, Pfa), the settings pfa_reach rejects or flags coarse
      skipped; also the factor on kappa^2 that would give the set Pfa (the
      (1 - Pfa) quantile of stat^2).

isac.core.radar_scene takes degrees and dB (as the block).

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/one_bit_pfa_reach.py
"""
import argparse

import numpy as np
from gnuradio import isac
from gnuradio.isac import rx_calibration as rc

C = isac.core


def rand_x(rng, shape, n_tx):
    return (rng.choice([-1.0, 1.0], shape + (n_tx,)) + 1j * rng.choice([-1.0, 1.0], shape + (n_tx,))) \
        / np.sqrt(2 * n_tx)


def enum(args, rng):
    q = np.array([1 + 1j, -1 + 1j, -1 - 1j, 1 - 1j])
    print("enumeration: N_T %d, target 10 deg, clutter -50/30 deg at -60 dB, %d x per row, exact threshold"
          % (args.n_tx, args.draws))
    print("N_R  set Pfa  distinct|z|  best achievable  block")
    for nr in range(1, args.max_enum + 1):
        sc = C.radar_scene(args.n_tx, nr, 10.0, [-50.0, 30.0], 10.0, [-60.0] * 2)
        P = q[np.indices((4,) * nr).reshape(nr, -1).T].astype(np.complex64)
        for pfa in args.pfa:
            f = C.rx_filter(sc, C.adc_model.one_bit, pfa)
            d, best, blk = [], [], []
            for x in rand_x(rng, (args.draws,), args.n_tx):
                z, st, _ = f.process(P, np.tile(x, (len(P), 1)).astype(np.complex64))
                a = np.abs(np.asarray(z))
                lv = np.unique(np.round(a / a.max(), 5))
                ex = np.array([np.mean(a / a.max() >= v - 5e-6) for v in lv])
                d.append(lv.size)
                best.append(ex[np.argmin(np.abs(np.log(ex / pfa)))])
                blk.append(np.mean(np.asarray(st) >= 1.0))
            print("%3d  %7g  %5d-%-5d  %.4f-%.4f  %.4f-%.4f"
                  % (nr, pfa, min(d), max(d), min(best), max(best), min(blk), max(blk)), flush=True)


def mc(args, rng):
    print("Monte-Carlo: N_T %d, target 23 deg, Swerling-I clutter -47/31 deg, mixed-x CPIs from a table of 16, "
          "%d decisions a cell" % (args.n_tx, args.trials))
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    for cnr in args.cnr:
        for nr, L in sizes:
            sc = C.radar_scene(args.n_tx, nr, 23.0, [-47.0, 31.0], 10.0, [cnr] * 2)
            cells = []
            for pfa in args.pfa:
                reach = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa)
                if not reach.reachable:
                    cells.append("  -   ")
                    continue
                f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
                tab = rand_x(rng, (16,), args.n_tx)
                x = tab[rng.integers(0, 16, args.trials * L)]
                r = rc.simulate_echo(sc, x, [0.0] + [10 ** (cnr / 10)] * 2, 1.0, rng, target=False, cpi_len=L)
                r1 = (np.sign(r.real) + 1j * np.sign(r.imag)).astype(np.complex64)
                z, st, s, terms = f.process(r1, x.astype(np.complex64), True)
                if L > 1:
                    _, st = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, s)
                cells.append("%.4f%s" % (np.mean(np.asarray(st) >= 1.0), "c" if reach.coarse else " "))
            print("CNR %5.0f dB  N_R %d x L %2d: Pfa at %s: %s"
                  % (cnr, nr, L, "/".join("%g" % p for p in args.pfa), " ".join(cells)), flush=True)
    print("(c: pfa_coarse; -: rejected)")


def random_scene(rng, nr, cnr_db, n_tx):
    tgt = rng.uniform(-60, 60)
    while True:
        clut = rng.uniform(-80, 80, 2)
        # asymmetric: never a +-theta pair, nor a patch on the target
        if min(abs(clut - tgt)) >= 8 and abs(clut[0] - clut[1]) >= 8 and abs(clut[0] + clut[1]) >= 3:
            break
    cnr = cnr_db + rng.uniform(-3, 3, 2)
    return C.radar_scene(n_tx, nr, tgt, list(clut), 10.0, list(cnr)), 10 ** (cnr / 10)


def scenes(args, rng):
    print("random asymmetric scenes: N_T %d, Swerling-I clutter, mixed-x CPIs from a table of 16 per cell, "
          "%d decisions a cell; measured Pfa / set Pfa (factor on kappa^2 that would hold it)"
          % (args.n_tx, args.trials))
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    for nr, L in sizes:
        for cnr in args.cnr:
            cells = []
            for pfa in args.pfa:
                reach = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa)
                if not reach.reachable or reach.coarse:
                    cells.append("%-15s" % ("-" if not reach.reachable else "coarse"))
                    continue
                sc, cn = random_scene(rng, nr, cnr, args.n_tx)
                f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
                tab = rand_x(rng, (16,), args.n_tx)
                x = tab[rng.integers(0, 16, args.trials * L)].astype(np.complex64)
                r = rc.simulate_echo(sc, x, [0.0] + list(cn), 1.0, rng, target=False, cpi_len=L)
                z, st, s, terms = f.process(rc.one_bit_adc(r), x, True)
                if L > 1:
                    _, st = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, s)
                st = np.asarray(st)
                cells.append("%5.2f (%5.2f)  " % (np.mean(st >= 1.0) / pfa, np.quantile(st ** 2, 1 - pfa)))
            print("N_R %d x L %2d  CNR %4.0f dB  Pfa %s: %s"
                  % (nr, L, cnr, "/".join("%g" % p for p in args.pfa), " ".join(cells)), flush=True)
    print("(-: rejected by pfa_reach; coarse: flagged)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="enum,mc")
    ap.add_argument("--n-tx", type=int, default=8)
    ap.add_argument("--draws", type=int, default=5, help="x per enumeration row")
    ap.add_argument("--max-enum", type=int, default=7, help="largest N_R enumerated (4^N_R patterns)")
    ap.add_argument("--pfa", type=lambda s: [float(v) for v in s.split(",")], default=[0.1, 0.01, 0.001])
    ap.add_argument("--cnr", type=lambda s: [float(v) for v in s.split(",")], default=[-30.0, 10.0])
    ap.add_argument("--sizes", default="7x1,8x1,1x2,1x4,1x8,1x16,2x2,2x4,2x8,4x2,4x4,4x16",
                    help="N_RxL of the Monte-Carlo rows")
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if "enum" in args.part:
        enum(args, rng)
    if "mc" in args.part:
        mc(args, rng)
    if "scenes" in args.part:
        scenes(args, rng)


if __name__ == "__main__":
    main()
