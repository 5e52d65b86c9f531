#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Closed forms and designs of gnuradio.isac.design.bistatic ("CRB-Rate
Tradeoff for Bistatic ISAC with Gaussian Information and Deterministic Sensing
Signals") and gnuradio.isac.design.energy ("Massive MIMO-ISAC System With
1-Bit ADCs/DACs", eq. 38) at >= 20 random draws against independent
references: a Slepian-Bangs FIM whose derivatives are finite differences of
the model, a full-dimension cvxopt SDP, scipy SLSQP, Monte Carlo with
tolerances from the trial count, and per-component sums.

DoA angles are drawn away from broadside and +-45 deg; CRBs do not depend on
the steering phase reference or sign, so the reference builds b(theta) with
the core's default ULA convention whatever the design code uses.
"""

import numpy as np
from scipy.optimize import minimize
from gnuradio import gr_unittest

try:
    from gnuradio.isac import core
    from gnuradio.isac.design import energy, bistatic as s4
    from gnuradio.isac.design._sdp import HermitianSDP
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac import core
    from gnuradio.isac.design import energy, bistatic as s4
    from gnuradio.isac.design._sdp import HermitianSDP

N_DRAWS = 24
DEG = np.pi / 180.0


def report(name, err, what="max rel. error"):
    print(f"\n[design draws] {name}: {what} {err:.3g}", flush=True)


def rel(a, b):
    return abs(a - b) / abs(b)


def draw_angle(rng, lo, hi):
    while True:
        x = rng.uniform(lo, hi)
        if abs(x) > 4 and abs(abs(x) - 45) > 4 and abs(x) < 86:
            return x


def draw_scene(rng, n_tx_max=8):
    n_tx = int(rng.integers(2, n_tx_max + 1))
    n_rx = int(rng.integers(2, 17))
    h = (rng.standard_normal(n_tx) + 1j * rng.standard_normal(n_tx)) / np.sqrt(2)
    s2c, s2s = 10 ** rng.uniform(-1, 1), 10 ** rng.uniform(-1, 1)
    P = 10 ** rng.uniform(-0.5, 1)
    # sensing SNR per unit p between -15 and +10 dB
    beta = np.sqrt(10 ** rng.uniform(-1.5, 1) * s2s / (n_rx * P * n_tx))
    return s4.make_scene(n_tx, n_rx, draw_angle(rng, -80, 80), draw_angle(rng, -80, 80), h, P,
                         s2c, s2s, beta, int(rng.integers(1, 65)))


def fd_crb(sc, p_det, p_gauss, L=None):
    """CRB(theta) in rad^2 of y_t ~ CN(beta b c_t, |beta|^2 p_G b b^H + s2 I),
    (1/L) sum |c_t|^2 = p_D, from the Slepian-Bangs FIM over (theta, |beta|,
    arg beta) (arg dropped when p_D = 0) with every derivative a central
    difference of the model's mean and covariance."""
    L = sc.cpi_len if L is None else L
    n = sc.n_rx

    def b(t):
        return np.asarray(core.ula_steering(n, t / DEG))

    def mean(e):
        return e[1] * np.exp(1j * e[2]) * b(e[0])

    def cov(e):
        v = b(e[0])
        return e[1] ** 2 * p_gauss * np.outer(v, v.conj()) + sc.noise_sens * np.eye(n)
    e0 = np.array([sc.doa_deg * DEG, sc.beta_abs, 0.4])
    npar = 3 if p_det > 0 else 2
    steps = [1e-6, 1e-6 * sc.beta_abs, 1e-6]
    dm, dR = [], []
    for i in range(npar):
        ep, em = e0.copy(), e0.copy()
        ep[i] += steps[i]
        em[i] -= steps[i]
        dm.append((mean(ep) - mean(em)) / (2 * steps[i]))
        dR.append((cov(ep) - cov(em)) / (2 * steps[i]))
    Ri = np.linalg.inv(cov(e0))
    F = np.array([[2 * L * p_det * np.real(dm[i].conj() @ Ri @ dm[j]) +
                   L * np.real(np.trace(Ri @ dR[i] @ Ri @ dR[j]))
                   for j in range(npar)] for i in range(npar)])
    return np.linalg.inv(F)[0, 0]


class qa_design_draws_bistatic_energy(gr_unittest.TestCase):

    def test_001_crbs_and_benchmarks_vs_fd_fim(self):
        # crb (CRB_D, CRB_G, CRB_mix), crb_vs_power (MRT to the DoD),
        # time_switching (CRB_D over t L snapshots) and power_splitting (built
        # as explicit covariances) against the finite-difference FIM
        rng = np.random.default_rng(401)
        err = dict.fromkeys(("crb", "crb_vs_power", "time_switching CRB",
                             "power_splitting CRB", "power_splitting SINR",
                             "time_switching rate"), 0.0)
        for i in range(N_DRAWS):
            sc = draw_scene(rng)
            pd, pg = 10 ** rng.uniform(-1, 1.5, 2) * sc.power * sc.n_tx / 4
            if i % 3 == 1:
                pd = 0.0
            if i % 3 == 2:
                pg = 0.0
            err["crb"] = max(err["crb"], rel(s4.crb(sc, pd, pg), fd_crb(sc, pd, pg)))
            P = 10 ** rng.uniform(-1, 1, 2)
            cg, cd = s4.crb_vs_power(sc, P)
            for k, Pk in enumerate(P):
                err["crb_vs_power"] = max(err["crb_vs_power"],
                                          rel(cg[k], fd_crb(sc, 0.0, Pk * sc.n_tx)),
                                          rel(cd[k], fd_crb(sc, Pk * sc.n_tx, 0.0)))
            t = np.sort(rng.uniform(0.05, 0.95, 2))
            ts = s4.time_switching(sc, t)
            ps = s4.power_splitting(sc, t)
            a, h, P0, n = sc.a, sc.h, sc.power, sc.n_tx
            for k, tk in enumerate(t):
                ref = fd_crb(sc, P0 * np.vdot(a, a).real, 0.0, L=tk * sc.cpi_len)
                err["time_switching CRB"] = max(err["time_switching CRB"], rel(ts.crb[k], ref))
                err["time_switching rate"] = max(
                    err["time_switching rate"],
                    rel(ts.rate[k], (1 - tk) * np.log2(1 + P0 * np.vdot(h, h).real /
                                                       sc.noise_comm)))
                R_D = tk * P0 * np.outer(a, a.conj()) / np.vdot(a, a).real
                R_G = (1 - tk) * P0 * np.outer(h, h.conj()) / np.vdot(h, h).real
                sinr = np.real(h.conj() @ R_G @ h) / (np.real(h.conj() @ R_D @ h) + sc.noise_comm)
                err["power_splitting SINR"] = max(err["power_splitting SINR"],
                                                  rel(ps.rate[k], np.log2(1 + sinr)))
                ref = fd_crb(sc, np.real(a.conj() @ R_D @ a), np.real(a.conj() @ R_G @ a))
                err["power_splitting CRB"] = max(err["power_splitting CRB"], rel(ps.crb[k], ref))
        for k, e in err.items():
            report(f"bistatic {k} vs FD FIM / explicit covariances", e)
            self.assertLess(e, 1e-6, k)

    def test_002_mix_gain_is_the_crb_objective(self):
        # the SCA objective p_D + f(p_G), f = k p^2/(1 + k p): CRB_mix (p_D +
        # f(p_G)) is constant (the objective is exactly 1/CRB up to a factor);
        # f' against finite differences; the linearisation is a lower bound
        rng = np.random.default_rng(402)
        e_const = e_slope = 0.0
        for _ in range(N_DRAWS):
            sc = draw_scene(rng)
            k = sc.k_sens
            p = 10 ** rng.uniform(-2, 1.5, (8, 2)) * sc.power * sc.n_tx / 4
            prod = [s4.crb(sc, pd, pg) * (pd + s4._mix_gain(pg, k)) for pd, pg in p]
            e_const = max(e_const, (max(prod) - min(prod)) / min(prod))
            for p0 in p[:, 1]:
                h = 1e-6 * p0
                fd = (s4._mix_gain(p0 + h, k) - s4._mix_gain(p0 - h, k)) / (2 * h)
                e_slope = max(e_slope, rel(s4._mix_gain_slope(p0, k), fd))
                q = p0 * 10 ** rng.uniform(-2, 2, 50)
                lin = s4._mix_gain(p0, k) + s4._mix_gain_slope(p0, k) * (q - p0)
                self.assertTrue(np.all(lin <= s4._mix_gain(q, k) * (1 + 1e-12) + 1e-300))
        report("bistatic CRB_mix x (p_D + f(p_G)) spread", e_const)
        report("bistatic f'(p_G) of the SCA linearisation vs FD", e_slope)
        self.assertLess(e_const, 1e-12)
        self.assertLess(e_slope, 1e-6)

    def test_003_gaussian_closed_form_vs_full_sdp(self):
        # Prop. 1 (rank one in span{a, h}) against max a^H R a s.t. SNR, power
        # solved as a full n_tx x n_tx cvxopt SDP (no structure assumed)
        rng = np.random.default_rng(403)
        err = 0.0
        for i in range(N_DRAWS):
            sc = draw_scene(rng, n_tx_max=5)
            snr = rng.uniform(0.02, 0.98) * sc.snr_max
            d = s4.gaussian_snr_design(sc, snr)
            dk = s4.known_realisation_design(sc, snr)
            a, h = sc.a, sc.h
            sdp = HermitianSDP([sc.n_tx])
            sdp.c = -sdp.functional(0, np.outer(a, a.conj()) / np.vdot(a, a).real)
            sdp.add_le(-sdp.functional(0, np.outer(h, h.conj()) / np.vdot(h, h).real),
                       -snr / sc.snr_max)
            sdp.add_le(sdp.functional(0, np.eye(sc.n_tx)), 1.0)
            (R,), _ = sdp.solve()
            p_ref = np.real(a.conj() @ R @ a) * sc.power
            err = max(err, rel(d.p_gauss, p_ref))
            self.assertGreaterEqual(d.sinr, snr * (1 - 1e-9))
            self.assertLessEqual(d.power_used, sc.power * (1 + 1e-9))
            # known realisations: the same covariance, all of it deterministic
            self.assertLess(rel(dk.crb, fd_crb(sc, dk.p_gauss + dk.p_det, 0.0)), 1e-6)
            self.assertLess(rel(d.crb, fd_crb(sc, 0.0, d.p_gauss)), 1e-6)
        report("bistatic Gaussian-only closed form (Prop. 1) vs full cvxopt SDP", err)
        self.assertLess(err, 1e-6)

    def test_004_superposition_and_boundary_vs_slsqp(self):
        # the SCA superposition design (through crb_rate_boundary) against an
        # independent SLSQP over R_G = U G U^H, R_D = U D U^H (2 x 2 Cholesky
        # factors in span{a, h}) from several random starts. Objective
        # J = p_D + f(p_G), which is const/CRB_mix (test_002).
        rng = np.random.default_rng(404)
        worst = best_gain = 0.0
        for i in range(20):
            sc = draw_scene(rng, n_tx_max=6)
            rates = np.array([rng.uniform(0.05, 0.95)]) * sc.rate_max
            bnd = s4.crb_rate_boundary(sc, rates=rates)
            U = np.linalg.svd(np.column_stack([sc.a, sc.h]), full_matrices=False)[0]
            P, k = sc.power, sc.k_sens
            au, hu = U.conj().T @ sc.a, U.conj().T @ sc.h
            jscale = P * np.vdot(sc.a, sc.a).real           # J of all power on a

            def mats(x):
                Lg = np.array([[x[0], 0], [x[1] + 1j * x[2], x[3]]])
                Ld = np.array([[x[4], 0], [x[5] + 1j * x[6], x[7]]])
                return P * (Lg @ Lg.conj().T), P * (Ld @ Ld.conj().T)

            def quad(v, X):
                return np.real(v.conj() @ X @ v)

            def J(x):
                G, D = mats(x)
                return quad(au, D) + s4._mix_gain(quad(au, G), k)

            def power_left(x):
                G, D = mats(x)
                return 1 - np.trace(G + D).real / P

            for r, des in zip(rates, bnd.designs):
                g = 2.0 ** r - 1

                def sinr_margin(x, g=g):
                    G, D = mats(x)
                    return (quad(hu, G) - g * (quad(hu, D) + sc.noise_comm)) / sc.noise_comm

                cons = [{"type": "ineq", "fun": power_left}, {"type": "ineq", "fun": sinr_margin}]
                best = -np.inf
                for _ in range(3):
                    out = minimize(lambda x: -J(x) / jscale, rng.standard_normal(8) * 0.4,
                                   constraints=cons, method="SLSQP",
                                   options={"ftol": 1e-13, "maxiter": 200})
                    if power_left(out.x) >= -1e-9 and sinr_margin(out.x) >= -1e-7 * max(g, 1):
                        best = max(best, J(out.x))
                self.assertTrue(np.isfinite(best))
                j_sca = des.p_det + s4._mix_gain(des.p_gauss, k)
                self.assertAlmostEqual(s4.crb(sc, des.p_det, des.p_gauss) / des.crb, 1.0, 12)
                self.assertGreaterEqual(des.sinr, g * (1 - 1e-6))
                self.assertLessEqual(des.power_used, P * (1 + 1e-6))
                worst = max(worst, best / j_sca - 1)
                best_gain = max(best_gain, 1 - best / j_sca)
        report("bistatic SLSQP objective above the SCA design (20 scenes)",
               max(worst, 0.0), "max rel. excess")
        print(f"[design draws] bistatic SCA objective above SLSQP's by up to "
              f"{100 * best_gain:.3f} %")
        self.assertLess(worst, 1e-5)

    def test_005_factorisation_and_transmit(self):
        # (1/L) S_D S_D^H = R_D and W_G W_G^H = R_G exactly; transmit() blocks
        # reproduce a^H R a within 5 standard errors of the sample mean
        rng = np.random.default_rng(405)
        err = z = 0.0
        T = 4000
        for i in range(N_DRAWS):
            n = int(rng.integers(2, 9))
            L = int(rng.integers(n, 40))
            Xg = (rng.standard_normal((n, 2)) + 1j * rng.standard_normal((n, 2)))
            Xd = (rng.standard_normal((n, n)) + 1j * rng.standard_normal((n, n)))
            R_G, R_D = Xg @ Xg.conj().T, Xd @ Xd.conj().T * rng.uniform(0.1, 2)
            a = np.asarray(core.ula_steering(n, draw_angle(rng, -80, 80)))
            des = s4.CovarianceDesign(R_G, R_D, np.real(a.conj() @ R_G @ a),
                                      np.real(a.conj() @ R_D @ a), 0.0, 0.0, 0.0, 0.0, "mixed")
            w = s4.factorize(des, a, L)
            err = max(err, np.linalg.norm(w.S_D @ w.S_D.conj().T / L - R_D) / np.linalg.norm(R_D),
                      np.linalg.norm(w.W_G @ w.W_G.conj().T - R_G) / np.linalg.norm(R_G))
            X = w.transmit(T, rng=int(rng.integers(1 << 30)))
            q = np.abs(a.conj() @ X) ** 2
            ref = np.real(a.conj() @ (R_G + R_D) @ a)
            self.assertLess(abs(q.mean() - ref), 5 * q.std() / np.sqrt(T))
            z = max(z, abs(q.mean() - ref) / (q.std() / np.sqrt(T)))
        report("bistatic factorize: covariances rebuilt", err)
        report(f"bistatic Waveform.transmit a^H R a ({T} snapshots)", z, "within standard errors:")
        self.assertLess(err, 1e-12)

    def test_006_energy_model_vs_component_inventory(self):
        # eq. 38 in its physical reading: every transmit chain has an RF chain,
        # an LNA and two DACs, every receive chain the same with two ADCs, plus
        # two baseband processors; converter power FOM f_s 2^B
        rng = np.random.default_rng(406)
        err = 0.0
        for _ in range(N_DRAWS):
            p = energy.EnergyParams(*(10 ** rng.uniform(-3, -0.5, 3)),
                                    fom=10 ** rng.uniform(-15, -12), f_s=10 ** rng.uniform(7, 10))
            nt, nr = int(rng.integers(1, 300)), int(rng.integers(1, 300))
            bd, ba = int(rng.integers(1, 13)), int(rng.integers(1, 13))
            chains = ([p.e_rf + p.e_lna + 2 * p.fom * p.f_s * 2.0 ** bd] * nt +
                      [p.e_rf + p.e_lna + 2 * p.fom * p.f_s * 2.0 ** ba] * nr)
            ref = sum(chains) + 2 * p.e_bb
            err = max(err, rel(energy.total_power(nt, nr, bd, ba, p), ref),
                      rel(energy.converter_power(bd, p), p.fom * p.f_s * 2.0 ** bd))
            scnr = 10 ** rng.uniform(-1, 3)
            err = max(err, rel(energy.ree(scnr, nt, nr, bd, ba, p), scnr / ref))
        report("energy total_power / converter_power / ree vs component inventory", err)
        self.assertLess(err, 1e-12)
        # the reading matters when N_T != N_R: 1-bit DAC, "infinite" ADC
        self.assertAlmostEqual(energy.total_power(16, 128, 1, energy.INF_BITS), 140.144, 9)
        # eq. 38 as printed: ... + 2 N_T E_ADC + 2 N_R E_DAC
        e_adc, e_dac = energy.converter_power(energy.INF_BITS), energy.converter_power(1)
        printed = 144 * 0.06 + 2 * 0.2 + 2 * 16 * e_adc + 2 * 128 * e_dac
        self.assertAlmostEqual(printed, 25.68, 9)

    def test_007_mrt_scnr_vs_dense_model(self):
        # SCNR (ideal ADC) and QSCNR (1-bit ADC, 2/pi weights) of the MRT
        # snapshot against a dense re-implementation of the 1-bit ISAC paper radar model
        # (unit-norm first-element steering exp(-j pi n sin theta)/sqrt(N),
        # couplings c_q = g_T(theta_q)^T x, MVDR s^H M^-1 s with M inverted
        # directly) and the 1-bit DAC as sqrt(E/2N)(sgn Re + j sgn Im)
        rng = np.random.default_rng(407)
        err = 0.0
        for i in range(N_DRAWS):
            nt, nr = int(rng.integers(2, 65)), int(rng.integers(2, 65))
            th0 = draw_angle(rng, -80, 80)
            clutter = [draw_angle(rng, -85, 85) for _ in range(int(rng.integers(0, 4)))]
            snr, cnr = rng.uniform(-10, 20), rng.uniform(-10, 35)
            E = 10 ** rng.uniform(-1, 1)
            dac, adc = int(rng.integers(1, 3)), (1, energy.INF_BITS)[i % 2]

            def g(n, t):
                return np.exp(-1j * np.pi * np.arange(n) * np.sin(t * DEG)) / np.sqrt(n)
            x = np.sqrt(E) * g(nt, th0).conj()
            if dac == 1:
                amp = np.sqrt(E / (2 * nt))
                x = amp * (np.where(x.real < 0, -1, 1) + 1j * np.where(x.imag < 0, -1, 1))
            scale = 2 / np.pi if adc == 1 else 1.0
            M = np.eye(nr, dtype=complex)
            for t in clutter:
                cq = g(nt, t) @ x
                M += scale * 10 ** (cnr / 10) * abs(cq) ** 2 * np.outer(g(nr, t), g(nr, t).conj())
            c0 = g(nt, th0) @ x
            g0 = g(nr, th0)
            ref = scale * 10 ** (snr / 10) * abs(c0) ** 2 * np.real(g0.conj() @ np.linalg.solve(M, g0))
            got = energy.mrt_scnr(nt, nr, dac, adc, target_deg=th0, clutter_deg=clutter,
                                  snr_r_db=snr, cnr_db=cnr, power=E)
            err = max(err, rel(got, ref))
        report("energy mrt_scnr vs a dense SCNR/QSCNR model", err)
        self.assertLess(err, 1e-9)


if __name__ == "__main__":
    gr_unittest.run(qa_design_draws_bistatic_energy)
