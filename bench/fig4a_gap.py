#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Where the 1-bit ISAC paper's Fig. 4a gap (Monte-Carlo QSCNR - Theorem 1's eq. 17) comes from.

Runs apps/isac_figures' Fig. 4a chain (QoS design, N_T = 128, the paper's radar scene) per
(SNR_R, Gamma, N_R) over --draws channel draws and splits the gap:
  exact - theory: what the estimator converges to with unlimited trials (the arcsine-law 1-bit
                  model on the streamed x, the app's exact_estimator) minus eq. 17: Theorem 1's
                  linearisation error, which no trial count removes;
  MC - exact:     the finite-snapshot estimate around that limit (noise of --snapshots per draw).
It also prints the mean target coupling |g_T(theta_0)^T x|^2 of the streamed x and the
per-antenna target SNR SNR_R |c_0|^2 / N_R that sets the linearisation error.
Values: mean +- 95 % t half-width over the draws (seeds util.draw_seeds(--seed, --draws)).

--decompose splits exact - theory itself, in numpy from the arcsine law on the streamed x (not
the module's arcsine_stats), by switching the exact model's departures from Theorem 1 on one
at a time (R = I + P_c + P_t: noise, clutter, target; u the Theorem-1 filter):
  theory      C = (4/pi) R + (2 - 4/pi) I                (Theorem 1: Bussgang gain of d = 1)
  clutter     C = (4/pi) (P_c - diag P_c + P_t) / d_0 + 2 I  (the clutter's per-antenna power
              d_0 = 1 + sum CNR |c_q|^2 / N_R lowers the 1-bit gain and leaves the diagonal,
              which a 1-bit output holds at 2; closed form -10 log10(1 + (1 - 2/pi)(d_0 - 1))
              for a filter that nulls the clutter)
  diagonal    C = (4/pi) offdiag(P_c + P_t) / d_0 + 2 I  (the target's own per-antenna power is
              not in the statistic either: the N_R diagonal terms of the N_R^2, closed form
              10 log10(1 - ||u||^2 / (N_R |u^H g_0|^2)) = 10 log10(1 - 1/N_R) for u = g_0, at
              any SNR_R)
  target gain C = (4/pi) offdiag(R) / d_h + 2 I          (the Bussgang linear model: H1's
              target power lowers the gain too, from 1/d_0 to 1/d_1, d_1 = d_0 + SNR_R |c_0|^2 / N_R,
              ~ -10 log10(1 + SNR_R |c_0|^2 / (N_R d_0)), the bracket; it also compresses the
              clutter's off-diagonal terms by d_0/d_1, which for a clutter-nulling filter adds
              ~ +10 log10(1 + (d_0 - 1)/(d_0 (N_R - 1))) at any SNR_R, 0.002 dB at N_R = 128)
  arcsine     C = (4/pi) (asin Re rho + j asin Im rho)   (the exact model; its higher-order terms)
--cnr-db -300 switches the clutter off (theory and models alike).

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/fig4a_gap.py --gammas 0,12,15 --snapshots 750
  PYTHONPATH=build/test_modules /usr/bin/python3 bench/fig4a_gap.py --decompose --snr-r-db=-10,0,5,10,15 \
      --n-rx 16,32,64,128,256 --draws 8 --snapshots 100
"""
import argparse
import contextlib
import io
import os
import time

import numpy as np

from gnuradio.isac import util
from gnuradio.isac.util import lin2db as db

HERE = os.path.dirname(os.path.abspath(__file__))


def floats(s):
    return [float(v) for v in s.split(",") if v]


def steer(n, deg):
    # independent of gnuradio.isac.conventions.steering on purpose: the bench checks the module's
    # exact model against its own numpy one, so it must not share the module's convention code;
    # the paper's eq. 3: unit-norm, element 0 the reference
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(deg))) / np.sqrt(n)


def model_steps(figs, xs, nr, snr_db, cnr_db):
    """The estimator sum_x E_1 / sum_x E_0 - 1 (E_h = u^H C_h u / v, v Theorem 1's variance, as
    the app's exact_estimator) under the five covariance models of the module docstring, in dB."""
    angles = [figs.RADAR_TARGET] + list(figs.RADAR_CLUTTER)
    snr, cnr = 10 ** (snr_db / 10), [10 ** (cnr_db / 10)] * len(figs.RADAR_CLUTTER)
    g = [steer(nr, th) for th in angles]
    eye = np.eye(nr)
    off = lambda m: m - np.diag(np.diag(m))
    acc = np.zeros((5, 2))
    for x in xs:
        c2 = [abs(steer(x.size, th) @ x) ** 2 for th in angles]
        pc = sum(cnr[q - 1] * c2[q] * np.outer(g[q], g[q].conj()) for q in range(1, len(g)))
        u = np.linalg.solve(eye + 2 / np.pi * pc, g[0])
        v = 2 * np.linalg.norm(u) ** 2 + 4 / np.pi * np.real(u.conj() @ pc @ u)
        d0 = 1 + np.real(np.trace(pc)) / nr
        for h, pt in enumerate((snr * c2[0] * np.outer(g[0], g[0].conj()), np.zeros((nr, nr)))):
            R = eye + pc + pt
            d = np.real(R[0, 0])
            rho = R / d
            cs = (4 / np.pi * R + (2 - 4 / np.pi) * eye,
                  4 / np.pi * (off(pc) + pt) / d0 + 2 * eye,
                  4 / np.pi * off(pc + pt) / d0 + 2 * eye,
                  4 / np.pi * off(R) / d + 2 * eye,
                  4 / np.pi * (np.arcsin(np.clip(rho.real, -1, 1)) + 1j * np.arcsin(np.clip(rho.imag, -1, 1))))
            for k, c in enumerate(cs):
                acc[k, h] += np.real(u.conj() @ c @ u) / v
    return db(acc[:, 0] / acc[:, 1] - 1)


def decompose(a, figs):
    """exact - theory split into the steps of the module docstring, per (N_R, SNR_R), with their
    closed forms; the x are designed once per N_R (the QoS design does not depend on SNR_R)."""
    nt = figs.FIG4A["n_tx"]
    print("exact - theory split (dB): N_T = %d, CNR %g dB per patch, %d draws x %d snapshots; mean +- 95 %% t "
          "half-width; closed forms in brackets" % (nt, a.cnr_db, a.draws, a.snapshots))
    print("%5s %6s %7s %17s %17s %17s %8s %15s %15s %8s %8s"
          % ("N_R", "SNR_R", "theory", "clutter", "diagonal", "target gain", "arcsine", "exact - theory",
             "app's ex - th", "SNR/ant", "CNR/ant"))
    for nr in (int(v) for v in a.n_rx):
        draws = []
        for seed in util.draw_seeds(a.seed, a.draws):
            with contextlib.redirect_stdout(io.StringIO()):
                r = figs.one_bit_run(nt, nr, 4, 8, 5.0, a.gammas[0], a.snapshots, seed, keep_stats=False, h0=False)
            draws.append(r)
        for snr in a.snr_r_db:
            per = []
            for r in draws:
                xs = r["x"].astype(complex)
                m = model_steps(figs, xs, nr, snr, a.cnr_db)
                c2 = np.mean([[abs(steer(nt, th) @ x) ** 2 for th in [figs.RADAR_TARGET] + list(figs.RADAR_CLUTTER)]
                              for x in xs], axis=0)
                cnr_ant = 10 ** (a.cnr_db / 10) * np.sum(c2[1:]) / nr
                snr_ant = 10 ** (snr / 10) * c2[0] / nr
                app = np.nan
                if a.cnr_db == figs.RADAR_CNR[0]:
                    # the app's own exact model (the module's arcsine_stats) on the same x
                    scene = figs.isac.core.radar_scene(nt, nr, figs.RADAR_TARGET, figs.RADAR_CLUTTER, snr,
                                                       figs.RADAR_CNR)
                    powers = [10 ** (snr / 10)] + [10 ** (c / 10) for c in figs.RADAR_CNR]
                    app = db(figs.exact_estimator(scene, powers, r["x"])) - m[0]
                per.append((m[0], m[1] - m[0], m[2] - m[1], m[3] - m[2], m[4] - m[3], m[4] - m[0], app,
                            -db(1 + (1 - 2 / np.pi) * cnr_ant), db(1 - 1 / nr), -db(1 + snr_ant / (1 + cnr_ant)),
                            db(snr_ant), db(cnr_ant) if cnr_ant > 0 else np.nan))
            m, _sd, ci = util.channel_spread(np.array(per, dtype=float))
            print("%5d %6.1f %7.2f %17s %17s %17s %8s %15s %15s %8.1f %8.1f"
                  % (nr, snr, m[0], "%+.3f [%+.3f]" % (m[1], m[7]), "%+.3f [%+.3f]" % (m[2], m[8]),
                     "%+.3f [%+.3f]" % (m[3], m[9]), "%+.3f" % m[4], "%+.3f +- %.3f" % (m[5], ci[5]),
                     "%+.3f" % m[6], m[10], m[11]))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snr-r-db", type=floats, default=[15.0], help="comma list of SNR_R (dB; default 15, the paper's)")
    ap.add_argument("--gammas", type=floats, default=[12.0], help="comma list of QoS thresholds Gamma (dB; default 12)")
    ap.add_argument("--n-rx", type=floats, default=[128], help="comma list of N_R (default 128)")
    ap.add_argument("--draws", type=int, default=4, help="channel draws per point (default %(default)s)")
    ap.add_argument("--snapshots", type=int, default=250, help="snapshots per draw (default %(default)s)")
    ap.add_argument("--seed", type=int, default=11, help="seed of draw 0 (default %(default)s, isac_figures')")
    ap.add_argument("--decompose", action="store_true", help="split exact - theory into its parts (docstring; "
                    "uses the first of --gammas)")
    ap.add_argument("--cnr-db", type=float, default=30.0, help="CNR per clutter patch of --decompose's models "
                    "(dB; default 30, the app's; -300 switches the clutter off; the design keeps the app's)")
    a = ap.parse_args()
    if a.draws < 2 or a.snapshots < 2:
        ap.error("--draws and --snapshots must be >= 2")
    figs = util.load_app(os.path.join(HERE, "..", "apps", "isac_figures"))
    if a.decompose:
        return decompose(a, figs)
    nt = figs.FIG4A["n_tx"]
    print("N_T = %d, %d draws x %d snapshots per point; mean +- 95 %% t half-width over the draws" % (nt, a.draws, a.snapshots))
    print("%6s %6s %5s %8s %15s %15s %15s %15s %8s %9s %7s" % ("SNR_R", "Gamma", "N_R", "theory", "MC - theory",
                                                               "exact - theory", "MC - exact", "SCNR MC - th",
                                                               "|c0|^2", "SNR/ant", "infeas"))
    for snr in a.snr_r_db:
        for gamma in a.gammas:
            for nr in (int(v) for v in a.n_rx):
                t0, per = time.time(), []
                for seed in util.draw_seeds(a.seed, a.draws):
                    with contextlib.redirect_stdout(io.StringIO()):
                        r = figs.one_bit_run(nt, nr, 4, 8, 5.0, gamma, a.snapshots, seed, snr_r_db=snr)
                    st = r["st"]
                    q_mc = db(np.mean(st["h1_1bit"] ** 2) / np.mean(st["h0_1bit"] ** 2) - 1)
                    s_mc = db(np.mean(st["h1_inf"] ** 2) / np.mean(st["h0_inf"] ** 2) - 1)
                    q_th = db(float(np.mean(figs.theory_metric(r["scene"], r["x"], "1bit"))))
                    s_th = db(float(np.mean(figs.theory_metric(r["scene"], r["x"], "inf"))))
                    q_ex = db(figs.exact_estimator(r["scene"], r["powers"], r["x"]))
                    c0 = np.mean([abs(r["scene"].couplings(x.astype(complex))[0]) ** 2 for x in r["x"]])
                    per.append((q_th, q_mc - q_th, q_ex - q_th, q_mc - q_ex, s_mc - s_th, c0, r["infeasible"]))
                m, _sd, ci = util.channel_spread(np.array(per, dtype=float))
                cell = lambda k: "%+6.2f +- %4.2f" % (m[k], ci[k])
                print("%6.1f %6.1f %5d %8.2f %15s %15s %15s %15s %8.3f %9.1f %7d   (%.0f s)"
                      % (snr, gamma, nr, m[0], cell(1), cell(2), cell(3), cell(4), m[5], snr + db(m[5]) - db(nr),
                         int(sum(p[6] for p in per)), time.time() - t0))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
