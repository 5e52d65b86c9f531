#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Detection probability of the CI precoder's designs with radar_metric "theorem1"
and "exact" at a fixed TRUE false-alarm rate, in lit-clutter scenes.

Scenes: random target and two clutter angles (seeded; no +-theta pairs, clutter
>= 15 deg from the target), clutter CNR 30 dB, N_T = 32, U = 4 users, 8-PSK, SNR_C =
Gamma = 5 dB, Rayleigh users, real-time solver. Per scene and design (one channel
and symbol vector each), a Monte-Carlo of the 1-bit radar receiver of the block:
echo r = sum_q a_q g_R(theta_q) + n, a_q ~ CN(0, zeta_q^2 |c_q|^2) (target only
under H1), n ~ CN(0, I), r~ = sgn(Re r) + j sgn(Im r), z = v^H r~ with the block's
filter v = M^-1 g_R(theta_0). The threshold on |z|^2 is the empirical H0 quantile
of that design (an oracle threshold: the true Pfa is the set one for both
metrics), so Pd compares the designs, not the thresholds.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_radar_metric_pd.py \\
        [--n-rx 16,64] [--scenes 4] [--designs 6] [--trials 20000] [--pfa 1e-2]

docs/ci_precoder_measurements.md ("Radar objective: Theorem 1 or exact") holds the latest
table.
"""
import argparse

import numpy as np
from gnuradio.isac import core

N_T, U, M = 32, 4, 8
CNR_DB = 30.0


def draw_scene(rng):
    while True:
        t = rng.uniform(-60, 60)
        c = rng.uniform(-80, 80, 2)
        if (np.all(np.abs(c - t) > 15) and np.all(np.abs(c + t) > 5)
                and abs(c[0] - c[1]) > 10 and abs(c[0] + c[1]) > 5):
            return float(t), [float(v) for v in c]


def detection(scene, x, snr_db, trials, pfa, rng):
    G = np.asarray(scene.gr)
    n_r = G.shape[0]
    c = np.asarray(scene.gt).T @ x
    p = np.r_[10 ** (snr_db / 10), [10 ** (CNR_DB / 10)] * (len(c) - 1)] * np.abs(c) ** 2
    Mq = np.eye(n_r) + (G[:, 1:] * (2 / np.pi * p[1:])) @ G[:, 1:].conj().T
    v = np.linalg.solve(Mq, G[:, 0])

    def stat(with_target):
        pp = p.copy()
        if not with_target:
            pp[0] = 0.0
        a = (rng.standard_normal((trials, len(pp))) + 1j * rng.standard_normal((trials, len(pp))))
        a *= np.sqrt(pp / 2)
        r = a @ G.T + (rng.standard_normal((trials, n_r)) + 1j * rng.standard_normal((trials, n_r))) / np.sqrt(2)
        rq = np.sign(r.real) + 1j * np.sign(r.imag)
        return np.abs(rq @ v.conj()) ** 2

    kappa2 = np.quantile(stat(False), 1 - pfa)
    cpa = 10 * np.log10(np.sum(p[1:]) / n_r)
    return np.mean(stat(True) > kappa2), cpa


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n-rx", default="16,64")
    ap.add_argument("--scenes", type=int, default=4)
    ap.add_argument("--designs", type=int, default=6)
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--pfa", type=float, default=1e-2)
    ap.add_argument("--snr-r-db", type=float, default=15.0)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    print(f"Pfa {a.pfa:g} (empirical H0 quantile per design), {a.trials} trials per "
          f"hypothesis, SNR_R {a.snr_r_db:g} dB, CNR {CNR_DB:g} dB, N_T {N_T}, U {U}")
    print("| N_R | target, clutter (deg) | CNR_pa theorem1 / exact (dB) | exact deflection "
          "theorem1 / exact | Pd theorem1 | Pd exact |")
    print("|---|---|---|---|---|---|")
    tot = {16: [], 64: []}
    for n_r in [int(v) for v in a.n_rx.split(",")]:
        for _ in range(a.scenes):
            t, cl = draw_scene(rng)
            scene = core.radar_scene(N_T, n_r, t, cl, a.snr_r_db, [CNR_DB] * 2)
            st = core.arcsine_stats(scene)
            S = {m: core.ci_solver(N_T, U, n_rx=n_r, target_deg=t, clutter_deg=cl,
                                   snr_r_db=a.snr_r_db, cnr_db=[CNR_DB] * 2, psk_order=M,
                                   gamma_db=5.0, noise_var=10 ** -0.5, radar_metric=m)
                 for m in ("theorem1", "exact")}
            res = {m: [] for m in S}
            for _ in range(a.designs):
                H = (rng.standard_normal((U, N_T)) + 1j * rng.standard_normal((U, N_T))) / np.sqrt(2)
                k = [int(v) for v in rng.integers(0, M, U)]
                for m, s in S.items():
                    s.set_channel(H)
                    r = s.solve_indices(k)
                    x = np.asarray(r["x"])
                    pd, cpa = detection(scene, x, a.snr_r_db, a.trials, a.pfa, rng)
                    res[m].append((pd, cpa, core.exact_deflection_x(scene, st, x)[0]))
            m1, m2 = (np.mean(res[m], axis=0) for m in ("theorem1", "exact"))
            tot.setdefault(n_r, []).append((m1[0], m2[0]))
            print(f"| {n_r} | {t:.1f}, {cl[0]:.1f}/{cl[1]:.1f} | {m1[1]:.1f} / {m2[1]:.1f} | "
                  f"{m1[2]:.3f} / {m2[2]:.3f} | {m1[0]:.3f} | {m2[0]:.3f} |", flush=True)
    for n_r, v in tot.items():
        if v:
            v = np.array(v)
            print(f"| {n_r} | mean | | | {v[:, 0].mean():.3f} | {v[:, 1].mean():.3f} |")
    print(f"(Pd standard error per row <= {np.sqrt(0.25 / (a.trials * a.designs)):.4f})")


if __name__ == "__main__":
    main()
