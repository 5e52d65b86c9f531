#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""How far the DoA ML estimators end from the true maximum of their likelihood, by region of the
field of view, with the edges over-weighted (docs/doa_mle.md, "Edge of the field of view").

UPA (massive-MIMO ISAC paper eq. (26)-(27)): the full-view search of apps/isac_doa_figures
(`upa_mle_full_view`: coarse pass, the paper's pi/256 grid, the core's 2-D refine) against an
independent numpy maximisation of the same likelihood
    f(theta, phi) = |b^H Y X^H a|^2 / (||b||^2 a^H X X^H a)
that works in u = sin(theta) sin(phi), v = cos(phi) (the only way the vectors depend on the
angles): a dense (u, v) grid over the visible disk, the boundary circle theta = +-90 deg sampled
on its own, and a constrained polish (SLSQP, u^2 + v^2 <= 1) from the best candidates.
Random asymmetric arrays (transmit and receive UPAs of different shapes), random X, SNR the
paper's P_t L |alpha|^2 / sigma^2 with P_t = N_t (white X).

ULA (`doa_mle_core`, known mode, module convention, grid over [-90, 90] + Newton) against a
dense numpy grid in u = sin(theta) plus a bounded polish.

  PYTHONPATH=build/test_modules /usr/bin/python3 bench/doa_upa_edge.py --trials 40

Prints, per region and SNR, how many estimates end more than --tol-db below the reference's
likelihood, the worst shortfall (dB) and the worst angle difference to the reference (deg,
after upa_representative; in (u, v) near the poles).
"""

import argparse
import importlib.machinery
import importlib.util
import math
import os

import numpy as np
from scipy import optimize

from gnuradio import isac
from gnuradio.isac.design import massive_mimo

core = isac.core
HERE = os.path.dirname(os.path.abspath(__file__))


def load_app():
    path = os.path.join(HERE, "..", "apps", "isac_doa_figures")
    loader = importlib.machinery.SourceFileLoader("isac_doa_figures", path)
    app = importlib.util.module_from_spec(importlib.util.spec_from_loader("isac_doa_figures", loader))
    loader.exec_module(app)
    return app


def cn(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)


def ramp(n, w):
    """exp(+j pi (k - (n-1)/2) w) for every w (rows): the centre-referenced, sign +1 side."""
    return np.exp(1j * np.pi * np.outer(np.atleast_1d(w), np.arange(n) - 0.5 * (n - 1)))


def upa_vec(nh, nv, u, v):
    return np.kron(ramp(nh, u)[0], ramp(nv, v)[0])


class UpaLikelihood:
    """f(u, v) of one CPI, written from the model (not from the core)."""

    def __init__(self, Y, X, nth, ntv, nrh, nrv):
        self.s = (nth, ntv, nrh, nrv)
        self.W4 = (Y @ X.conj().T).reshape(nrh, nrv, nth, ntv)
        self.R4 = (X @ X.conj().T).reshape(nth, ntv, nth, ntv)
        self.W = Y @ X.conj().T
        self.R = X @ X.conj().T
        self.nr = nrh * nrv

    def at(self, u, v):
        nth, ntv, nrh, nrv = self.s
        a, b = upa_vec(nth, ntv, u, v), upa_vec(nrh, nrv, u, v)
        g = np.vdot(b, self.W @ a)
        return abs(g) ** 2 / (self.nr * np.vdot(a, self.R @ a).real)

    def grid(self, us, vs):
        """f on the product grid us x vs (rows u, columns v); NaN outside the disk."""
        nth, ntv, nrh, nrv = self.s
        Ah, Bh = ramp(nth, us), ramp(nrh, us)
        Av, Bv = ramp(ntv, vs), ramp(nrv, vs)
        T = np.einsum("vj,ijkl,vl->vik", Bv.conj(), self.W4, Av)
        S = np.einsum("vl,klmn,vn->vkm", Av.conj(), self.R4, Av)  # (v, k, k')
        out = np.empty((us.size, vs.size))
        for j in range(vs.size):
            g = np.einsum("ui,uk,ik->u", Bh.conj(), Ah, T[j])
            d = np.einsum("uk,um,km->u", Ah.conj(), Ah, S[j]).real
            out[:, j] = np.abs(g) ** 2 / (self.nr * d)
        out[np.add.outer(us ** 2, vs ** 2) > 1.0] = np.nan
        return out


def upa_reference(lk, n_grid=401, n_circle=4001, n_start=6):
    """Maximum of f over the visible disk: best (u, v) and f there."""
    us = np.linspace(-1.0, 1.0, n_grid)
    G = lk.grid(us, us)
    cand = []
    flat = np.where(np.isnan(G), -np.inf, G)
    for k in np.argsort(flat, axis=None)[::-1][:200]:
        i, j = np.unravel_index(k, G.shape)
        cand.append((flat[i, j], us[i], us[j]))
    ph = np.linspace(0.0, np.pi, n_circle)
    for sgn in (-1.0, 1.0):  # the boundary theta = +-90 deg: u = +-sin(phi), v = cos(phi)
        for p in ph[::4]:
            cand.append((lk.at(sgn * math.sin(p), math.cos(p)), sgn * math.sin(p), math.cos(p)))
    cand.sort(key=lambda c: -c[0])
    best_f, best_u, best_v = cand[0]
    starts, seen = [], []
    for f, u, v in cand:  # distinct starts (a beamwidth apart in u or v)
        if all(abs(u - su) > 0.05 or abs(v - sv) > 0.05 for su, sv in seen):
            seen.append((u, v))
            starts.append((u, v))
        if len(starts) == n_start:
            break
    scale = best_f
    for u0, v0 in starts:
        r = optimize.minimize(lambda x: -lk.at(x[0], x[1]) / scale, [u0, v0], method="SLSQP",
                              constraints=[{"type": "ineq", "fun": lambda x: 1.0 - x[0] ** 2 - x[1] ** 2}],
                              options=dict(ftol=1e-15, maxiter=200))
        u, v = r.x
        n = math.hypot(u, v)
        if n > 1.0:
            u, v = u / n, v / n
        f = lk.at(u, v)
        if f > best_f:
            best_f, best_u, best_v = f, u, v
    return best_u, best_v, best_f


def uv_of(th, ph):
    t, p = math.radians(th), math.radians(ph)
    return math.sin(t) * math.sin(p), math.cos(p)


def angles_of(u, v):
    ph = math.degrees(math.acos(max(-1.0, min(1.0, v))))
    s = math.sin(math.radians(ph))
    th = math.degrees(math.asin(max(-1.0, min(1.0, u / s)))) if s > 1e-12 else 0.0
    return th, ph


REGIONS = {  # (|theta| range, phi range list) of the drawn targets
    "interior": ((0.0, 80.0), [(10.0, 170.0)]),
    "theta_edge": ((80.0, 90.0), [(10.0, 170.0)]),
    "phi_edge": ((0.0, 80.0), [(0.0, 10.0), (170.0, 180.0)]),
    "corner": ((80.0, 90.0), [(0.0, 10.0), (170.0, 180.0)]),
}


def draw_target(rng, region):
    (t0, t1), prs = REGIONS[region]
    th = rng.uniform(t0, t1) * rng.choice([-1.0, 1.0])
    if region in ("theta_edge", "corner") and rng.random() < 0.5:
        th = math.copysign(rng.uniform(89.0, 90.0), th)  # within 1 deg of the edge
    p0, p1 = prs[rng.integers(len(prs))]
    return th, rng.uniform(p0, p1)


def random_upa_shapes(rng):
    while True:
        s = tuple(int(x) for x in rng.integers(2, 7, size=4))
        if s[0] != s[1] and s[2] != s[3] and (s[0], s[1]) != (s[2], s[3]):
            return s


def upa_scene(rng, shapes, th0, ph0, snr_db, L):
    nth, ntv, nrh, nrv = shapes
    u0, v0 = uv_of(th0, ph0)
    a, b = upa_vec(nth, ntv, u0, v0), upa_vec(nrh, nrv, u0, v0)
    X = cn(rng, nth * ntv, L)
    alpha = math.sqrt(10 ** (snr_db / 10) / (L * nth * ntv)) * np.exp(2j * np.pi * rng.random())
    Y = alpha * np.outer(b, a.conj() @ X) + cn(rng, nrh * nrv, L)
    return Y, X


def run_upa(args, app, rng):
    print("UPA full-view search (apps/isac_doa_figures upa_mle_full_view) vs numpy reference")
    print(f"{'region':>11} {'SNR dB':>6} {'n':>4} {'short>tol':>9} {'worst dB':>10} "
          f"{'worst dang':>10} {'worst duv':>9}")
    rows = []
    for region in REGIONS:
        for snr in args.snr_db:
            n_bad, worst_db, worst_ang, worst_uv = 0, 0.0, 0.0, 0.0
            for _ in range(args.trials):
                shapes = random_upa_shapes(rng)
                th0, ph0 = draw_target(rng, region)
                Y, X = upa_scene(rng, shapes, th0, ph0, snr, args.L)
                lk = UpaLikelihood(Y, X, *shapes)
                r = app.upa_mle_full_view(Y, X, *shapes)
                ur, vr, fr = upa_reference(lk)
                ue, ve = uv_of(r["theta_deg"], r["phi_deg"])
                fe = lk.at(ue, ve)
                loss = 10 * math.log10(fe / fr)
                if loss < -args.tol_db:
                    n_bad += 1
                worst_db = min(worst_db, loss)
                te, pe = massive_mimo.upa_representative(r["theta_deg"], r["phi_deg"])
                tr, pr = angles_of(ur, vr)
                worst_ang = max(worst_ang, abs(float(te) - tr), abs(float(pe) - pr))
                worst_uv = max(worst_uv, math.hypot(ue - ur, ve - vr))
                if args.verbose and loss < -args.tol_db:
                    print(f"    {shapes} target ({th0:.3f}, {ph0:.3f}) est ({r['theta_deg']:.3f}, "
                          f"{r['phi_deg']:.3f}) ref ({tr:.3f}, {pr:.3f}) {loss:.2e} dB")
            rows.append((region, snr, n_bad, worst_db, worst_ang, worst_uv))
            print(f"{region:>11} {snr:6.0f} {args.trials:4d} {n_bad:9d} {worst_db:10.2e} "
                  f"{worst_ang:10.3f} {worst_uv:9.2e}", flush=True)
    return rows


def run_ula(args, rng):
    print("ULA doa_mle_core (known mode, grid 0.1 deg over [-90, 90] + Newton) vs numpy reference")
    print(f"{'region':>11} {'SNR dB':>6} {'n':>4} {'short>tol':>9} {'worst dB':>10} {'worst dang':>10}")
    for region, (t0, t1) in (("interior", (0.0, 80.0)), ("edge", (80.0, 90.0))):
        for snr in args.snr_db:
            n_bad, worst_db, worst_ang = 0, 0.0, 0.0
            for _ in range(args.trials):
                n = int(rng.integers(3, 33))
                L = int(rng.integers(4, 65))
                th0 = rng.uniform(t0, t1) * rng.choice([-1.0, 1.0])
                if t0 >= 80.0 and rng.random() < 0.5:
                    th0 = math.copysign(rng.uniform(89.0, 90.0), th0)
                k = np.arange(n) - 0.5 * (n - 1)
                bvec = lambda th: np.exp(-1j * np.pi * np.outer(np.sin(np.radians(np.atleast_1d(th))), k))
                c = cn(rng, L)
                beta = math.sqrt(10 ** (snr / 10) / (L * n)) * np.exp(2j * np.pi * rng.random())
                Y = beta * np.outer(bvec(th0)[0], c) + cn(rng, n, L)
                z = Y @ c.conj()
                est = core.doa_mle_core(n, -90.0, 90.0, 0.1, 1.0, "known", 0.0, "newton", 0.5, -1,
                                        "center", True)
                r = est.estimate(Y, c)
                f = lambda th: np.abs(bvec(th).conj() @ z) ** 2
                ths = np.degrees(np.arcsin(np.linspace(-1.0, 1.0, 40001)))
                F = f(ths)
                i = int(np.argmax(F))
                best_t, best_f = ths[i], F[i]
                lo, hi = ths[max(i - 1, 0)], ths[min(i + 1, ths.size - 1)]
                o = optimize.minimize_scalar(lambda t: -f(t)[0] / best_f, bounds=(lo, hi), method="bounded",
                                             options=dict(xatol=1e-10))
                if -o.fun * best_f > best_f:
                    best_t, best_f = float(o.x), -o.fun * best_f
                loss = 10 * math.log10(f(r["theta_deg"])[0] / best_f)
                if loss < -args.tol_db:
                    n_bad += 1
                    if args.verbose:
                        print(f"    n={n} target {th0:.3f} est {r['theta_deg']:.4f} ref {best_t:.4f} {loss:.2e} dB")
                worst_db = min(worst_db, loss)
                worst_ang = max(worst_ang, abs(r["theta_deg"] - best_t))
            print(f"{region:>11} {snr:6.0f} {args.trials:4d} {n_bad:9d} {worst_db:10.2e} {worst_ang:10.4f}",
                  flush=True)


def run_cost(args, app, rng):
    """CPU time per full-view estimate on fixed random scenes (compare two builds' runs)."""
    import time
    scenes = []
    for k in range(20):
        shapes = random_upa_shapes(rng)
        th0, ph0 = draw_target(rng, list(REGIONS)[k % 4])
        scenes.append((shapes, *upa_scene(rng, shapes, th0, ph0, 20.0, args.L)))
    t0 = time.process_time()
    for _ in range(args.cost):
        for shapes, Y, X in scenes:
            app.upa_mle_full_view(Y, X, *shapes)
    dt = (time.process_time() - t0) / (args.cost * len(scenes))
    print(f"full-view estimate: {dt * 1e3:.3f} ms CPU per estimate ({args.cost * len(scenes)} estimates)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--trials", type=int, default=40, help="scenes per region and SNR")
    ap.add_argument("--snr-db", type=float, nargs="+", default=[-10.0, 0.0, 10.0, 20.0, 40.0])
    ap.add_argument("--L", type=int, default=16, help="snapshots per CPI (UPA)")
    ap.add_argument("--tol-db", type=float, default=1e-4, help="likelihood shortfall counted as a miss")
    ap.add_argument("--seed", type=int, default=20261207)
    ap.add_argument("--no-ula", action="store_true")
    ap.add_argument("--no-upa", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="print every miss")
    ap.add_argument("--cost", type=int, default=0, help="only time N rounds of 20 full-view estimates")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if args.cost:
        run_cost(args, load_app(), rng)
        return
    if not args.no_upa:
        run_upa(args, load_app(), rng)
    if not args.no_ula:
        run_ula(args, rng)


if __name__ == "__main__":
    main()
