#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""What a 1-bit detector with few samples per decision can do at a set Pfa
(docs/one_bit_rx_filter_measurements.md, "Settings a 1-bit statistic cannot serve").

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
cross: per cell one random scene, H0 and H1 CPIs through the kernel, the CPI statistic
      of main's model (the distortion cross terms' inputs cleared from the terms) and
      with the cross terms, on the same draws: Pfa with binomial errors, Pd, and the
      oracle Pd of each statistic at its own empirical threshold.
repeat: as cross, on CPIs of a few repeating or nearly equal x (two 1-bit x
      alternating, x alternating with itself with one entry negated, 16 x equal
      but for their scale) in one scene (target 12 deg, clutter -37/51 deg).
cells: per (N_R x L, CNR) --draws random scenes as in scenes: Pfa over the set one
      (1-sigma binomial), E|Z|^2 over the model's CPI variance V (no tail shape), the
      factor on kappa^2 / V that would hold the set Pfa ((1 - Pfa) quantile of
      |Z|^2 / V over -ln Pfa) and the model's mean tail shape S.
mixture: the scenes of cells, candidate CPI thresholds from the law of the common
      clutter draw (a scale mixture of the sign noise; the conditional Gaussian with
      its erf mean), solved per CPI (mixture's docstring).
mixing: one scene of cells (--draws picks it): the conditional-Gaussian
      decomposition of its H0 CPI statistic. Given the common clutter draw gamma each
      sign has the mean erf(m) and variance 1 - erf(m)^2 (m the noiseless echo over
      sigma); Z | gamma is then the sum of the snapshots' erf means plus Gaussian sign
      noise. Pfa at the block's per-CPI kappa of (a) that model, (b) the same with the
      sign-noise variance fixed at its mean over gamma per (x, antenna), (c) the mean
      replaced by its linear part scaled to the same power, (d) both.

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
                # *: flagged by the block for this scene's strongest clutter (pfa_coarse)
                flag = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa, float(10 * np.log10(max(cn)))).coarse
                cells.append("%5.2f (%5.2f)%s " % (np.mean(st >= 1.0) / pfa, np.quantile(st ** 2, 1 - pfa),
                                                   "*" if flag else " "))
            print("N_R %d x L %2d  CNR %4.0f dB  Pfa %s: %s"
                  % (nr, L, cnr, "/".join("%g" % p for p in args.pfa), " ".join(cells)), flush=True)
    print("(-: rejected by pfa_reach; coarse: flagged whatever the scene; *: measured, and flagged for the "
          "scene's strongest clutter)")


def cell_draws(rng, nr, L, cnr, trials, n_tx):
    """A random scene of --part scenes with its table of 16 x, x indices and 1-bit H0 echoes."""
    sc, cn = random_scene(rng, nr, cnr, n_tx)
    tab = rand_x(rng, (16,), n_tx)
    idx = rng.integers(0, 16, trials * L)
    x = tab[idx].astype(np.complex64)
    r = rc.simulate_echo(sc, x, [0.0] + list(cn), 1.0, rng, target=False, cpi_len=L)
    return sc, cn, tab, idx, x, rc.one_bit_adc(r)


def cpi_stats(sc, pfa, L, r1, x):
    """The block's CPI statistic, the same without the tail shape (S = 1), and Z."""
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
    z, _, s, terms = f.process(r1, x, True)
    terms = np.asarray(terms)
    Z, st = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, s)
    t1 = terms.copy()
    t1[:, 0] = t1[:, 0].real  # no tail excess: shape 1
    _, st1 = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, t1, s)
    return np.asarray(st), np.asarray(st1), np.asarray(Z), f


def cells(args, rng):
    print("mixed-x CPIs on random asymmetric scenes (as --part scenes), N_T %d, %d CPIs a scene; per scene and "
          "Pfa: Pfa/set +-1 sigma, E|Z|^2/V, the factor on kappa^2/V that holds the set Pfa, the model's mean shape S"
          % (args.n_tx, args.trials))
    for nr, L in [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]:
        for cnr in args.cnr:
            for d in range(args.draws):
                sc, cn, _, _, x, r1 = cell_draws(rng, nr, L, cnr, args.trials, args.n_tx)
                out = []
                for pfa in args.pfa:
                    st, st1, _, _ = cpi_stats(sc, pfa, L, r1, x)
                    y = st1 ** 2 * -np.log(pfa)  # |Z|^2 / V
                    p = np.mean(st >= 1.0)
                    out.append("set %g: %.2f+-%.2f  E|Z|^2/V %.3f  needed %.3f  S %.3f"
                               % (pfa, p / pfa, np.sqrt(p * (1 - p) / st.size) / pfa, y.mean(),
                                  np.quantile(y, 1 - pfa) / -np.log(pfa), np.mean((st1 / st) ** 2)))
                print("N_R %d x L %2d  CNR %s dB  scene %d: %s" % (nr, L, "/".join("%.1f" % v for v in 10 * np.log10(cn)),
                                                            d, "   ".join(out)), flush=True)


def filters(sc, pfa, L, tab):
    """The kernel's filters u (rows) for the table's x: z = u^H r on unit vectors gives conj(u)."""
    nr = np.asarray(sc.gr).shape[0]
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
    U = np.empty((len(tab), nr), complex)
    for j in range(len(tab)):
        zz, _, _ = f.process(np.eye(nr, dtype=np.complex64), np.tile(tab[j].astype(np.complex64), (nr, 1)))
        U[j] = np.conj(np.asarray(zz))
    return U


def bisect_k2(tail, lo, hi, pfa, steps=14):
    """Per CPI the k2 in [lo, hi] (log-bisection) with tail(k2) = pfa; tail decreasing."""
    lo, hi = np.log(lo), np.log(hi)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        big = tail(np.exp(mid)) > pfa
        lo, hi = np.where(big, mid, lo), np.where(big, hi, mid)
    return np.exp(0.5 * (lo + hi))


def quad_nodes(Q, order):
    """Deterministic nodes over Q Swerling-I patches' standardised amplitudes xi_q ~ CN(0, 1):
    per patch Gauss-Laguerre in |xi_q|^2 (order[0] nodes, weight e^-t) times equispaced
    phases, the first patch's order[1] in [0, pi/2) (the statistic's |.| is invariant under
    r -> j r, as conditional_tail's nodes) and the others' 4 order[1] over the circle
    (the same spacing). Returns xi (K, Q) and weights w (K,), summing to 1."""
    t, wt = np.polynomial.laguerre.laggauss(order[0])
    xi, w = np.ones((1, 0), complex), np.ones(1)
    for q in range(Q):
        nph = order[1] * (1 if q == 0 else 4)
        ph = (0.5 * np.pi if q == 0 else 2 * np.pi) * (np.arange(nph) + 0.5) / nph
        a = (np.sqrt(t)[:, None] * np.exp(1j * ph)[None]).ravel()
        wa = np.repeat(wt, nph) / nph
        xi = np.concatenate([np.repeat(xi, a.size, 0), np.tile(a, xi.shape[0])[:, None]], 1)
        w = np.repeat(w, a.size) * np.tile(wa, w.size)
    return xi, w


def bisect_mix(V, s2, w, nl, pfa, chunk=2000):
    """mix's kappa^2 per CPI: sum_k w_k exp(-k2 / (V - E s2 + s2_k)) = pfa, E s2 the
    w-weighted mean; chunked over the CPIs (s2 is CPIs x nodes)."""
    out = np.empty(V.size)
    for a in range(0, V.size, chunk):
        v, s = V[a:a + chunk], s2[a:a + chunk]
        sig = np.maximum((v - s @ w)[:, None] + s, 1e-12)
        out[a:a + chunk] = bisect_k2(lambda k: np.exp(-k[:, None] / sig) @ w, 0.5 * v * nl, 3 * v * nl, pfa)
    return out


def mixture(args, rng):
    """Candidate CPI thresholds from the law of the common clutter draw gamma (the
    fix the strong-clutter section of docs/one_bit_rx_filter_measurements.md asks for),
    on the
    scenes of --part cells (same seed, same draws): per CPI the sign-noise variance
    s2(gamma) = sum_l sum_n |u_l,n|^2 (2 - erf(Re m)^2 - erf(Im m)^2) and the erf
    mean mu(gamma) = sum_l u_l^H erf(m_l) at --nodes fixed standard-normal draws of
    gamma (per x of the table, then summed over the CPI's x), and
      mix:   Z | gamma ~ CN(0, V - E s2 + s2(gamma)), V the block's CPI variance
             (the sign noise a scale mixture, the rest held);
      condG: Z | gamma ~ mu(gamma) + CN(0, s2(gamma)) (noncentral tail),
    each threshold solved per CPI: Pfa over the set one at the block's kappa, at
    each candidate's, and the candidate's mean kappa^2 / (-ln Pfa V).
    --quad LxP,...: instead, mix only, at quad_nodes' deterministic orders (L Laguerre
    nodes, P phases of the first patch), one column per order; --cpis N: the first N
    CPIs of each scene only (the mean kappa^2 column's convergence in the order)."""
    from scipy.special import erf
    from scipy.stats import ncx2
    quads = [tuple(int(v) for v in o.split("x")) for o in args.quad.split(",")] if args.quad else []
    print("candidate CPI thresholds over the common clutter draw (%s), N_T %d, %d CPIs a scene; "
          "Pfa / set (4 sigma) at the block's kappa -> %s [mean kappa^2/(-ln Pfa V)]"
          % ("quadrature orders " + args.quad if quads else "%d nodes" % args.nodes, args.n_tx, args.trials,
             " -> ".join("mix %s" % o for o in args.quad.split(",")) if quads else "mix -> condG"))
    for nr, L in [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]:
        for cnr in args.cnr:
            for d in range(args.draws):
                sc, cn, tab, idx, x, r1 = cell_draws(rng, nr, L, cnr, args.trials, args.n_tx)
                T, Q = args.trials, len(cn)
                if quads:
                    sets = [quad_nodes(Q, o) for o in quads]
                else:
                    qr = np.random.default_rng(1234)  # the nodes: the same for every scene
                    xi = (qr.standard_normal((args.nodes, Q)) + 1j * qr.standard_normal((args.nodes, Q))) \
                        / np.sqrt(2)
                    sets = [(xi, np.full(args.nodes, 1.0 / args.nodes))]
                c = (tab @ np.asarray(sc.gt))[:, 1:]
                counts = np.zeros((T, len(tab)))
                np.add.at(counts, (np.repeat(np.arange(T), L), idx), 1.0)
                out = []
                for pfa in args.pfa:
                    U = filters(sc, pfa, L, tab)
                    st, st1, Z, _ = cpi_stats(sc, pfa, L, r1, x)
                    nl, z2 = -np.log(pfa), np.abs(Z) ** 2
                    with np.errstate(invalid="ignore", divide="ignore"):
                        V = np.where(st1 > 0, z2 / (st1 ** 2 * nl), np.nan)
                    ok = np.isfinite(V)
                    if args.cpis:  # the first CPIs only: the thresholds' convergence in the order
                        ok[args.cpis:] = False
                    V, z2, st = V[ok], z2[ok], st[ok]
                    band = 4 * np.sqrt(pfa * (1 - pfa) / st.size) / pfa
                    cols = ["set %g: %.2f (%.2f)" % (pfa, np.mean(st >= 1) / pfa, band)]
                    for xi, w in sets:
                        m = (xi[None] * np.sqrt(cn) * c[:, None, :]) @ np.asarray(sc.gr)[:, 1:].T  # x, node, antenna
                        s2 = np.maximum(counts[ok] @ (np.abs(U[:, None, :]) ** 2
                                                      * (2 - erf(m.real) ** 2 - erf(m.imag) ** 2)).sum(2), 1e-12)
                        k_mix = bisect_mix(V, s2, w, nl, pfa)
                        cols.append("%.2f [%.3f]" % (np.mean(z2 >= k_mix) / pfa, np.mean(k_mix / (V * nl))))
                        if not quads:
                            mu2 = np.abs(counts[ok] @ (np.conj(U[:, None, :]) * (erf(m.real) + 1j * erf(m.imag)))
                                         .sum(2)) ** 2
                            k_cg = bisect_k2(lambda k: ncx2.sf(2 * k[:, None] / s2, 2, 2 * mu2 / s2).mean(1),
                                             0.5 * V * nl, 3 * V * nl, pfa)
                            cols.append("%.2f [%.3f]" % (np.mean(z2 >= k_cg) / pfa, np.mean(k_cg / (V * nl))))
                    out.append(" -> ".join(cols))
                print("N_R %d x L %2d  CNR %s dB  scene %d: %s"
                      % (nr, L, "/".join("%.1f" % v for v in 10 * np.log10(cn)), d, "   ".join(out)), flush=True)


def mixing(args, rng):
    from scipy.special import erf
    nr, L = [int(v) for v in args.sizes.split(",")[0].split("x")]
    cnr, pfa, T = args.cnr[0], args.pfa[0], args.trials
    for _ in range(args.draws):  # the scenes of --part cells with the same seed, the last one kept
        sc, cn, tab, idx, x, _ = cell_draws(rng, nr, L, cnr, T, args.n_tx)
    Q = len(cn)
    U = filters(sc, pfa, L, tab)
    gam = (rng.standard_normal((T, Q)) + 1j * rng.standard_normal((T, Q))) * np.sqrt(cn / 2)
    c = (tab @ np.asarray(sc.gt))[:, 1:]
    m = (np.repeat(gam, L, 0) * c[idx]) @ np.asarray(sc.gr)[:, 1:].T  # noiseless echo over sigma
    r1 = rc.one_bit_adc(m + (rng.standard_normal(m.shape) + 1j * rng.standard_normal(m.shape)) * np.sqrt(0.5))
    st, _, Zk, _ = cpi_stats(sc, pfa, L, r1, x)
    kap = np.abs(Zk) / st
    Uc = np.conj(U[idx])
    va, vb = 1 - erf(m.real) ** 2, 1 - erf(m.imag) ** 2
    mu = (Uc * (erf(m.real) + 1j * erf(m.imag))).sum(1).reshape(T, L).sum(1)

    def noise(va, vb):
        n = rng.standard_normal(va.shape) * np.sqrt(va) + 1j * rng.standard_normal(vb.shape) * np.sqrt(vb)
        return (Uc * n).sum(1).reshape(T, L).sum(1)

    def fixed(v):  # the mean over gamma per (x, antenna)
        out = np.empty_like(v)
        for j in range(16):
            out[idx == j] = v[idx == j].mean(0)
        return out
    d = 1 + (np.abs(c[idx]) ** 2 @ cn) / nr
    mlin = (Uc * (2 / np.sqrt(np.pi * d))[:, None] * m).sum(1).reshape(T, L).sum(1)
    mlin *= np.sqrt(np.mean(np.abs(mu) ** 2) / np.mean(np.abs(mlin) ** 2))
    s2 = (np.abs(Uc) ** 2 * (va + vb)).sum(1).reshape(T, L).sum(1)
    print("N_R %d x L %d, CNR %s dB (scene %d of --part cells), set %g, %d CPIs: Pfa / set at the block's kappa "
          "(1 sigma %.2f); the clutter mean's share of E|Z|^2 %.3f, the sign-noise variance's spread over gamma "
          "(sd / mean) %.2f" % (nr, L, "/".join("%.1f" % v for v in 10 * np.log10(cn)), args.draws - 1, pfa, T,
                                np.sqrt(pfa / T) / pfa, np.mean(np.abs(mu) ** 2) / np.mean(np.abs(Zk) ** 2),
                                s2.std() / s2.mean()))
    print("  1-bit Monte-Carlo through the kernel   %.2f" % (np.mean(st >= 1) / pfa))
    for name, Z in (("(a) conditional Gaussian", mu + noise(va, vb)),
                    ("(b) sign-noise variance fixed", mu + noise(fixed(va), fixed(vb))),
                    ("(c) clutter mean linear", mlin + noise(va, vb)),
                    ("(d) both", mlin + noise(fixed(va), fixed(vb)))):
        print("  %-36s %.2f  (E|Z|^2 / the kernel's %.3f)"
              % (name, np.mean(np.abs(Z) >= kap) / pfa, np.mean(np.abs(Z) ** 2) / np.mean(np.abs(Zk) ** 2)))


def main_model_terms(terms, Q):
    """The CPI terms with the distortion cross terms' inputs cleared: the CPI
    variance of the model before arcsine_cross (linear leakage only), same draws."""
    t = np.array(terms, copy=True)
    t[:, Q + 2:] = 0.0  # d = 0: terms without the cross terms' inputs
    return t


def cross(args, rng):
    print("cross terms of a mixed-x CPI: random asymmetric scenes (as --part scenes), N_T %d, Swerling-I "
          "clutter, %d H0 and %d H1 CPIs a cell (target SNR_R %g dB); Pfa over the set one with 1-sigma "
          "binomial errors and Pd, main's model (linear leakage only) -> with the cross terms; "
          "oracle: Pd at each statistic's own empirical H0 (1 - Pfa) quantile"
          % (args.n_tx, args.trials, args.h1, args.snr))
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    for nr, L in sizes:
        for cnr in args.cnr:
            sc, cn = random_scene(rng, nr, cnr, args.n_tx)
            if args.table > 0:
                tab = rand_x(rng, (args.table,), args.n_tx)
                x0 = tab[rng.integers(0, args.table, args.trials * L)].astype(np.complex64)
                x1 = tab[rng.integers(0, args.table, args.h1 * L)].astype(np.complex64)
            else:  # a fresh random 1-bit x every snapshot (4^N_T values)
                x0 = rand_x(rng, (args.trials * L,), args.n_tx).astype(np.complex64)
                x1 = rand_x(rng, (args.h1 * L,), args.n_tx).astype(np.complex64)
            z2 = [10 ** (args.snr / 10)] + list(cn)
            r0 = rc.one_bit_adc(rc.simulate_echo(sc, x0, z2, 1.0, rng, target=False, cpi_len=L))
            r1 = rc.one_bit_adc(rc.simulate_echo(sc, x1, z2, 1.0, rng, target=True, cpi_len=L))
            for pfa in args.pfa:
                reach = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa)
                if not reach.reachable or reach.coarse:
                    continue
                a, b = before_after(sc, pfa, L, ((r0, x0), (r1, x1)))
                print("N_R %2d x L %2d  CNR %3.0f dB  set %-6g  Pfa/set %5.2f+-%.2f -> %5.2f+-%.2f   "
                      "Pd %.3f -> %.3f   oracle Pd %.3f -> %.3f"
                      % (nr, L, cnr, pfa, a[0], a[1], b[0], b[1], a[2], b[2], a[3], b[3]), flush=True)


def before_after(sc, pfa, L, draws):
    """Per statistic (the model without the cross terms, then with them) of the H0
    and H1 draws ((r, x) pairs): Pfa over the set one, its 1-sigma binomial error
    over the set one, Pd, and the oracle Pd at the statistic's own H0 quantile."""
    Q = np.asarray(sc.gr).shape[1] - 1
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
    out = []
    for r, x in draws:
        z, _, s, terms = f.process(r, x, True)
        terms = np.asarray(terms)
        out.append([np.asarray(C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, t, s)[1])
                    for t in (main_model_terms(terms, Q), terms)])
    cells = []
    for h0, h1 in zip(*out):
        p = np.mean(h0 >= 1.0)
        k = np.quantile(h0, 1 - pfa)
        cells.append((p / pfa, np.sqrt(p * (1 - p) / h0.size) / pfa, np.mean(h1 >= 1.0), np.mean(h1 > k)))
    return cells


def repeat(args, rng):
    """CPIs of a few repeating or nearly equal x on one scene (target 12 deg, clutter
    -37 and 51 deg at the first two --cnr values): two 1-bit x alternating (per
    draw), an x alternating with itself with one entry negated, and 16 x equal but
    for a scale 1 + 1e-4 l."""
    cnr = (list(args.cnr) + [15.0])[:2]
    print("repeating x: N_T %d, target 12 deg, clutter -37/51 deg at %g/%g dB, %d H0 and %d H1 CPIs "
          "(SNR_R %g dB); Pfa over the set one +-1 sigma, Pd, oracle Pd: without -> with the cross terms"
          % (args.n_tx, cnr[0], cnr[1], args.trials, args.h1, args.snr))
    for nr, L in [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]:
        sc = C.radar_scene(args.n_tx, nr, 12.0, [-37.0, 51.0], 10.0, cnr)
        z2 = [10 ** (args.snr / 10)] + list(10 ** (np.asarray(cnr) / 10))
        cases = []
        for d in range(args.draws):
            cases.append(("2 x alternating, draw %d" % d, np.tile(rand_x(rng, (2,), args.n_tx), (L // 2, 1))))
        x1 = rand_x(rng, (1,), args.n_tx)
        x2 = x1.copy()
        x2[0, 0] *= -1
        cases.append(("x, x with x[0] negated", np.vstack([x1, x2] * (L // 2))))
        cases.append(("16 x, x (1 + 1e-4 l)", x1 * (1 + 1e-4 * np.arange(L))[:, None]))
        for name, X in cases:
            x0 = np.tile(X, (args.trials, 1)).astype(np.complex64)
            xh = np.tile(X, (args.h1, 1)).astype(np.complex64)
            r0 = rc.one_bit_adc(rc.simulate_echo(sc, x0, z2, 1.0, rng, target=False, cpi_len=L))
            r1 = rc.one_bit_adc(rc.simulate_echo(sc, xh, z2, 1.0, rng, target=True, cpi_len=L))
            for pfa in args.pfa:
                a, b = before_after(sc, pfa, L, ((r0, x0), (r1, xh)))
                print("N_R %2d x L %2d  %-24s set %-6g  Pfa/set %5.2f+-%.2f -> %5.2f+-%.2f   "
                      "Pd %.3f -> %.3f   oracle Pd %.3f -> %.3f"
                      % (nr, L, name, pfa, a[0], a[1], b[0], b[1], a[2], b[2], a[3], b[3]), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", default="enum,mc")
    ap.add_argument("--n-tx", type=int, default=8)
    ap.add_argument("--draws", type=int, default=5,
                    help="x per enumeration row; x pairs (--part repeat); scenes a cell (--part cells); "
                         "the scene's number + 1 (--part mixing)")
    ap.add_argument("--max-enum", type=int, default=7, help="largest N_R enumerated (4^N_R patterns)")
    ap.add_argument("--pfa", type=lambda s: [float(v) for v in s.split(",")], default=[0.1, 0.01, 0.001])
    ap.add_argument("--cnr", type=lambda s: [float(v) for v in s.split(",")], default=[-30.0, 10.0])
    ap.add_argument("--sizes", default="7x1,8x1,1x2,1x4,1x8,1x16,2x2,2x4,2x8,4x2,4x4,4x16",
                    help="N_RxL of the Monte-Carlo rows")
    ap.add_argument("--trials", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--h1", type=int, default=5000, help="H1 CPIs a cell (--part cross)")
    ap.add_argument("--snr", type=float, default=-5.0, help="target SNR_R in dB (--part cross)")
    ap.add_argument("--table", type=int, default=16,
                    help="x drawn from a table of this many 1-bit x; 0: a fresh one every snapshot "
                         "(--part cross; more than cpi_integrator.cross_max_x distinct x a CPI: "
                         "no cross terms)")
    ap.add_argument("--nodes", type=int, default=64,
                    help="draws of the common clutter amplitudes a candidate threshold averages over "
                         "(--part mixture)")
    ap.add_argument("--quad", default="",
                    help="LxP,...: mixture's mix threshold at deterministic quadrature orders (L Gauss-Laguerre "
                         "nodes per patch, P phases of the first patch) instead of --nodes random draws")
    ap.add_argument("--cpis", type=int, default=0,
                    help="evaluate mixture's thresholds on the first CPIs of each scene only (0: all; the draws "
                         "stay --trials')")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    if "enum" in args.part:
        enum(args, rng)
    if "mc" in args.part:
        mc(args, rng)
    if "scenes" in args.part:
        scenes(args, rng)
    if "cross" in args.part:
        cross(args, rng)
    if "repeat" in args.part:
        repeat(args, rng)
    if "cells" in args.part:
        cells(args, rng)
    if "mixing" in args.part:
        mixing(args, rng)
    if "mixture" in args.part:
        mixture(args, rng)


if __name__ == "__main__":
    main()
