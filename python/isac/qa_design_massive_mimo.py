#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design.massive_mimo: closed-form rates, UPA CRLBs, SCA power
allocation (the massive-MIMO ISAC paper's Theorems 1-2, Remark 3, Algorithm 1)."""

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio.isac.design import massive_mimo as s1
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac.design import massive_mimo as s1


def remark3_crlb(sc, Xi, rho):
    """Remark 3 (eq. 46-53) written out, independent of the core and of the
    steering-derivative path, with the vertical term of eq. 49/51 corrected
    to sin^2(phi) (the paper prints cos^2(phi), right only at +-45 deg)."""
    th, ph = np.deg2rad(sc.theta_deg), np.deg2rad(sc.phi_deg)
    Nt, Nr = sc.n_tx, sc.n_rx

    def norms(N, nh, nv):
        att = N * (nh ** 2 - 1) * np.pi ** 2 * np.cos(th) ** 2 * np.sin(ph) ** 2 / 12
        app = N * np.pi ** 2 * ((nh ** 2 - 1) * np.sin(th) ** 2 * np.cos(ph) ** 2
                                + (nv ** 2 - 1) * np.sin(ph) ** 2) / 12
        atp = N * (nh ** 2 - 1) * np.pi ** 2 * np.sin(ph) * np.sin(th) * np.cos(ph) * np.cos(th) / 12
        return att, app, atp
    a_tt, a_pp, a_tp = norms(Nt, sc.n_th, sc.n_tv)
    b_tt, b_pp, b_tp = norms(Nr, sc.n_rh, sc.n_rv)
    T_th = Xi * (Nr * a_tt + Nt * b_tt) + rho * Nt ** 2 * b_tt
    T_ph = Xi * (Nr * a_pp + Nt * b_pp) + rho * Nt ** 2 * b_pp
    T_x = Xi * (Nr * a_tp + Nt * b_tp) + rho * Nt ** 2 * b_tp
    ka = 2 * sc.cpi_len / sc.noise_sens * sc.alpha_abs ** 2
    return 1 / (ka * (T_th - T_x ** 2 / T_ph)), 1 / (ka * (T_ph - T_x ** 2 / T_th))


def scene(K=4, n=(6, 6, 3, 3), power=10.0, alpha_abs=0.05, seed=11, phi_deg=45.0):
    beta = s1.drop_users(K, np.random.default_rng(seed))
    return s1.make_scene(*n, beta, power=power, alpha_abs=alpha_abs, phi_deg=phi_deg)


class qa_design_massive_mimo(gr_unittest.TestCase):

    def test_001_closed_form_rates_match_monte_carlo(self):
        # massive-MIMO ISAC paper simulations: Theorem 1 vs simulated use-and-forget rates within 0.1 bit/s/Hz
        # (N_t = 36, K = 4, 1500 channel draws instead of 10 x 100 at N_t = 225)
        sc = scene()
        for bf in ("mrt", "zf"):
            for g, r in (s1.equal_split(sc, bf),
                         (s1.equal_split(sc, bf)[0] * 1.5, 0.2 * sc.power / sc.n_tx)):
                cf = s1.rates(sc, g, r, bf)
                mc = s1.monte_carlo_rates(sc, g, r, bf, n_trials=1500, rng=5)
                np.testing.assert_array_less(np.abs(cf - mc), 0.1)

    def test_002_lemma1_power_and_equal_split(self):
        sc = scene()
        for bf in ("mrt", "zf"):
            g, r = s1.equal_split(sc, bf)
            self.assertAlmostEqual(s1.transmit_power(sc, g, r, bf) / sc.power, 1.0, 12)
            self.assertAlmostEqual(sc.n_tx * r / sc.power, 0.5, 12)

    def test_003_crlb_closed_form(self):
        # core crb_upa (Remark 3) == the formula written out == the SOC
        # coefficients' path, at the paper's phi = 45 deg and away from it
        # (random draws against finite differences: qa_design_draws_massive_mimo)
        for phi in (45.0, 65.0, -30.0):
            self._crlb_closed_form(scene(phi_deg=phi))

    def _crlb_closed_form(self, sc):
        xi_bf, _, _ = s1.coefficients(sc, "zf")
        for g, r in ((s1.equal_split(sc, "zf")), (np.ones(4) * 0.1, 0.0), (np.zeros(4), 0.3)):
            ct, cp = s1.crlb(sc, g, r, "zf")
            rt, rp = remark3_crlb(sc, xi_bf @ g, r)
            ft, fp = s1._crlb_from_fisher(sc, xi_bf @ g, r)
            self.assertAlmostEqual(ct / rt, 1.0, 9)
            self.assertAlmostEqual(cp / rp, 1.0, 9)
            self.assertAlmostEqual(ft / rt, 1.0, 9)
            self.assertAlmostEqual(fp / rp, 1.0, 9)

    def test_004_sca_monotone_feasible_and_better(self):
        sc = scene(K=6, n=(8, 8, 4, 4), alpha_abs=0.02)
        c0 = 1e-3
        for bf in ("mrt", "zf"):
            res = s1.sca_power_allocation(sc, bf, c0, c0, max_iter=10)
            self.assertTrue(np.all(np.diff(res.history) >= 0))
            self.assertLessEqual(res.crlb_theta, c0 * (1 + 1e-6))
            self.assertLessEqual(res.crlb_phi, c0 * (1 + 1e-6))
            self.assertLessEqual(res.power_used, sc.power * (1 + 1e-6))
            self.assertAlmostEqual(res.sum_rate, res.history[-1], 9)
            # EqualCom keeps the comm/sensing split: identical CRLBs (Remark 4)
            ec = s1.equal_comm(sc, bf, res)
            self.assertAlmostEqual(ec.crlb_theta / res.crlb_theta, 1.0, 9)
            self.assertAlmostEqual(ec.crlb_phi / res.crlb_phi, 1.0, 9)
            self.assertGreaterEqual(res.sum_rate, ec.sum_rate - 1e-9)

    def test_005_sca_matches_brute_force_grid(self):
        # K = 2: the K + 1 = 3 power fractions on a 1/150 grid (budget and CRLBs)
        beta = s1.drop_users(2, np.random.default_rng(3))
        c0 = 1e-3
        for alpha in (0.05, 0.03):
            sc = s1.make_scene(4, 4, 3, 3, beta, power=100.0, alpha_abs=alpha)
            for bf in ("mrt", "zf"):
                res = s1.sca_power_allocation(sc, bf, c0, c0, max_iter=30, init="multi")
                xi_bf, lam, zeta = s1.coefficients(sc, bf)
                u = np.linspace(0, 1, 151)
                U1, U2, UR = [x.ravel() for x in np.meshgrid(u, u, u, indexing="ij")]
                m = U1 + U2 + UR <= 1 + 1e-12
                U1, U2, UR = U1[m], U2[m], UR[m]
                N, P = sc.n_tx, sc.power
                G = np.stack([P * U1 / (N * xi_bf[0]), P * U2 / (N * xi_bf[1])], 1)
                rho = P * UR / N
                y = N * beta[None, :] * rho[:, None] + N * G @ zeta.T + sc.noise_comm
                R = sc.tau_bar * np.log2(1 + lam[None, :] * G / y).sum(1)
                ct, cp = remark3_crlb(sc, G @ xi_bf, rho)
                best = R[(ct <= c0) & (cp <= c0)].max()
                self.assertLess(abs(res.sum_rate - best) / best, 0.01, (alpha, bf))

    def test_006_mmse_variances(self):
        beta = np.array([1.0, 0.5, 0.1])
        xi, eps = s1.mmse_variances(beta, 3, 10.0, 1.0)
        np.testing.assert_allclose(xi, 30 * beta ** 2 / (30 * beta + 1))
        np.testing.assert_allclose(xi + eps, beta)
        # pilot reuse (tau_p = 2 < K = 3): users 0 and 2 share a pilot
        xi2, _ = s1.mmse_variances(beta, 2, 10.0, 1.0)
        self.assertAlmostEqual(xi2[0], 20 * 1.0 / (20 * 1.1 + 1))
        self.assertAlmostEqual(xi2[1], xi[1] * 0 + 20 * 0.25 / (20 * 0.5 + 1))

    def test_008_fig3_fig5_trends(self):
        # Fig. 3: the p0 start is above the p0 = 1/2 start and SCA converges in a
        # few iterations; Fig. 5: Proposed >= EqualCom >= EqualC&S (ZF), all
        # rising with SNR
        beta = s1.drop_users(6, np.random.default_rng(2024))
        c0 = 10 ** -3.5
        sc = s1.make_scene(8, 8, 5, 5, beta, power=10.0, alpha_abs=0.1)
        for bf in ("mrt", "zf"):
            a = s1.sca_power_allocation(sc, bf, c0, c0, max_iter=15, init="p0")
            b = s1.sca_power_allocation(sc, bf, c0, c0, max_iter=15, init="half")
            self.assertGreater(a.history[0], b.history[0])
            # within 1 % of the 15-iteration value after 10 iterations
            self.assertGreater(a.history[10], 0.99 * a.history[-1])
        prev = None
        for snr in (0.0, 10.0, 20.0):
            sc = s1.make_scene(8, 8, 5, 5, beta, power=10 ** (snr / 10), alpha_abs=0.1)
            p = s1.sca_power_allocation(sc, "zf", c0, c0, max_iter=15, init="multi")
            ec = s1.equal_comm(sc, "zf", p).sum_rate
            es = s1.rates(sc, *s1.equal_split(sc, "zf"), "zf").sum()
            self.assertGreaterEqual(p.sum_rate, ec - 1e-9)
            self.assertGreater(ec, es)
            if prev is not None:
                self.assertGreater(p.sum_rate, prev)
            prev = p.sum_rate

    def test_007_bad_input(self):
        sc = scene()
        with self.assertRaises(ValueError):
            s1.rates(sc, np.ones(3), 0.1, "zf")            # wrong length
        with self.assertRaises(ValueError):
            s1.rates(sc, np.ones(4), -0.1, "zf")
        with self.assertRaises(ValueError):
            s1.rates(sc, np.ones(4), 0.1, "rzf")
        with self.assertRaises(ValueError):
            s1.make_scene(2, 2, 2, 2, np.ones(5), 1.0)       # K >= N_t
        with self.assertRaises(ValueError):
            s1.make_scene(4, 4, 2, 2, np.array([1.0, -1.0]), 1.0)
        with self.assertRaises(ValueError):
            s1.sca_power_allocation(sc, "zf", 1e-30, 1e-30)  # infeasible CRLB
        with self.assertRaises(ValueError):
            s1.sca_power_allocation(sc, "zf", 1e-3, 0.0)

    def test_008_upa_representative(self):
        # (theta, phi) and upa_representative(theta, phi) give the same UPA
        # vector (numpy, element phases pi (m sin(th) sin(ph) + n cos(ph)) about
        # the centre), the representative lies in theta [-90, 90], phi [0, 180],
        # and the UPA MLE on those grids reports it for a scene with phi < 0
        from gnuradio.isac import core

        def upa(nh, nv, th, ph):
            t, p = np.radians(th), np.radians(ph)
            m, n = np.arange(nh) - (nh - 1) / 2, np.arange(nv) - (nv - 1) / 2
            return np.kron(np.exp(1j * np.pi * m * np.sin(t) * np.sin(p)), np.exp(1j * np.pi * n * np.cos(p)))

        rng = np.random.default_rng(8)
        th, ph = rng.uniform(-180, 180, 200), rng.uniform(-90, 90, 200)
        rt, rp = s1.upa_representative(th, ph)
        self.assertTrue(np.all((np.abs(rt) <= 90) & (rp >= 0) & (rp <= 180)))
        moved = 0
        for a, b, c, d in zip(th, ph, rt, rp):
            np.testing.assert_allclose(upa(5, 4, c, d), upa(5, 4, a, b), atol=1e-9)
            moved += abs(c - a) > 1 or abs(d - b) > 1
        self.assertGreater(moved, 100)  # phi < 0 or |theta| > 90: another pair
        np.testing.assert_allclose(core.upa_steering(5, 4, 131.7, -38.2, sign=1, ref="center"),
                                   upa(5, 4, 131.7, -38.2), atol=1e-9)
        self.assertEqual(s1.upa_representative(37.0, 0.0), (0.0, 0.0))
        th0, ph0 = -146.3, -52.9  # what make_scene accepts
        a = core.upa_steering(5, 5, th0, ph0, sign=1, ref="center")
        X = (rng.standard_normal((25, 30)) + 1j * rng.standard_normal((25, 30))) / np.sqrt(2)
        E = (rng.standard_normal((25, 30)) + 1j * rng.standard_normal((25, 30))) / np.sqrt(2)
        Y = (0.5 + 0.5j) * np.outer(a, a.conj() @ X) + 0.01 * E
        r = core.doa_mle_upa_known(Y, X, 5, 5, 5, 5, np.linspace(-90, 90, 257), np.linspace(0.7, 179.3, 256))
        want = s1.upa_representative(th0, ph0)
        self.assertAlmostEqual(r["theta_deg"], want[0], delta=0.01)
        self.assertAlmostEqual(r["phi_deg"], want[1], delta=0.01)


if __name__ == "__main__":
    gr_unittest.run(qa_design_massive_mimo)
