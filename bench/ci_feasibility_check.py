#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The feasibility search's infeasibility proofs (isac.core.ilp_qos_feasibility, the
branch and bound the real-time preset runs when its max-min start finds no point)
checked by HiGHS (scipy.optimize.milp) on the scenario family: every snapshot it
proves infeasible must be infeasible for HiGHS too, with the rows loosened by 10^-5
relative (a proof must not depend on a tolerance). Snapshots it leaves undecided
within the node budget are solved the same way and counted. Exits 1 on a false
proof. N_T = 16, 20 draws x 16 symbol vectors: ~1 min.

    PYTHONPATH=build/test_modules /usr/bin/python3 bench/ci_feasibility_check.py
"""

import argparse
import sys
import time

import numpy as np
import ci_family as fam
from gnuradio import isac


def highs_feasible(At, lam, c, time_limit):
    """True/False (HiGHS found a point / proved none), None (time limit). The rows
    are loosened by 10^-5 relative, more than fam._milp's 10^-7 tightening."""
    xt, status, _ = fam._milp(np.zeros(At.shape[1]), At, lam * (1 - 1e-5), c, time_limit)
    if xt is not None:
        return True
    if status == 2:
        return False
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-tx", type=int, default=16)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--vectors", type=int, default=16)
    ap.add_argument("--nodes", type=int, default=2000, help="the preset's node budget")
    ap.add_argument("--time-limit", type=float, default=20.0, help="s per HiGHS ILP")
    a = ap.parse_args()
    rng = np.random.default_rng(20261205)
    counts = dict(lp_infeasible=0, found=0, proven=0, undecided=0)
    undecided_highs = dict(feasible=0, infeasible=0, unknown=0)
    false_proofs = 0
    t0 = time.time()
    for i in range(a.draws):
        inst = fam.draw(a.n_tx, i)
        for _ in range(a.vectors):
            inst["k"] = [int(v) for v in rng.integers(0, inst["psk_order"], inst["n_users"])]
            At, lam, c = fam.constraints(inst)
            f = isac.core.ilp_qos_feasibility(At, lam, c, a.nodes)
            if f["feasible"]:
                counts["found"] += 1
                assert fam.feasible(At, lam, np.asarray(f["xt"]))
                continue
            if not f["lp_bound"] >= 0:
                counts["lp_infeasible"] += 1
                continue
            h = highs_feasible(At, lam, c, a.time_limit)
            if f["optimal"]:
                counts["proven"] += 1
                if h is not False:
                    false_proofs += 1
                    print(f"draw {i} k {inst['k']}: proven infeasible, HiGHS says {h}")
            else:
                counts["undecided"] += 1
                undecided_highs[{True: "feasible", False: "infeasible",
                                 None: "unknown"}[h]] += 1
    print(f"N_T = {a.n_tx}, {a.draws} draws x {a.vectors} vectors, {a.nodes} nodes: {counts}")
    print(f"  proofs HiGHS contradicts: {false_proofs} of {counts['proven']}")
    print(f"  undecided, by HiGHS: {undecided_highs}  ({time.time() - t0:.0f} s)")
    return 1 if false_proofs else 0


if __name__ == "__main__":
    sys.exit(main())
