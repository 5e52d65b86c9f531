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

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/fig4a_gap.py --gammas 0,12,15 --snapshots 750
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


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--snr-r-db", type=floats, default=[15.0], help="comma list of SNR_R (dB; default 15, the paper's)")
    ap.add_argument("--gammas", type=floats, default=[12.0], help="comma list of QoS thresholds Gamma (dB; default 12)")
    ap.add_argument("--n-rx", type=floats, default=[128], help="comma list of N_R (default 128)")
    ap.add_argument("--draws", type=int, default=4, help="channel draws per point (default %(default)s)")
    ap.add_argument("--snapshots", type=int, default=250, help="snapshots per draw (default %(default)s)")
    ap.add_argument("--seed", type=int, default=11, help="seed of draw 0 (default %(default)s, isac_figures')")
    a = ap.parse_args()
    if a.draws < 2 or a.snapshots < 2:
        ap.error("--draws and --snapshots must be >= 2")
    figs = util.load_app(os.path.join(HERE, "..", "apps", "isac_figures"))
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
