#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Closed forms and designs of gnuradio.isac.design.beam_count ("How Many
Simultaneous Beamformers are Needed for ISAC?") and nullspace ("Spatial-Division
ISAC via Null-Space Superimposition", SDR baseline) at >= 20 random draws
against independent references: exact integer search, numerical rank,
scipy null spaces, direct per-user sums, the core's duality fixed point, and
cvxopt SDRs whose true beam count is known.
"""

import math

import numpy as np
import scipy.linalg
from gnuradio import gr_unittest

try:
    from gnuradio.isac import core
    from gnuradio.isac.design import beam_count as s2, nullspace as s3
    from gnuradio.isac.design._sdp import HermitianSDP, psd_clip
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac import core
    from gnuradio.isac.design import beam_count as s2, nullspace as s3
    from gnuradio.isac.design._sdp import HermitianSDP, psd_clip

N_DRAWS = 24


def report(name, err, what="max rel. error"):
    print(f"\n[design draws] {name}: {what} {err:.3g}", flush=True)


def crandn(rng, *shape):
    return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)) / np.sqrt(2)


def floor_sqrt(v):
    """Largest m with m^2 <= v by exact integer search (no floating point)."""
    m = 0
    step = 1 << (v.bit_length() // 2 + 1)
    while step:
        if (m + step) ** 2 <= v:
            m += step
        step >>= 1
    return m


def hermitian_basis(n):
    """n^2 Hermitian matrices spanning all Hermitian n x n matrices (over R)."""
    out = []
    for i in range(n):
        for j in range(i, n):
            E = np.zeros((n, n), complex)
            if i == j:
                E[i, i] = 1
                out.append(E)
            else:
                E[i, j] = E[j, i] = 1
                out.append(E)
                F = np.zeros((n, n), complex)
                F[i, j], F[j, i] = 1j, -1j
                out.append(F)
    return out


class qa_design_draws_beam_count_nullspace(gr_unittest.TestCase):

    def test_001_bounds_vs_exact_integer_search(self):
        # sum bound K + min(floor(sqrt d), N_t), hypotenuse bound
        # min(floor(sqrt(K^2 + d)), max(K, N_t)), sensing only min(floor(sqrt d), N_t),
        # including values next to perfect squares where a float sqrt rounds up
        rng = np.random.default_rng(201)
        for i in range(60):
            K = int(rng.integers(0, 40))
            if i % 3 == 0:
                m = int(rng.integers(1, 10 ** 6))
                d = m * m - int(rng.integers(0, 2))     # m^2 or m^2 - 1
            else:
                d = int(rng.integers(0, 5000))
            n_tx = None if i % 4 == 0 else int(rng.integers(max(K, 1), K + 80))
            b = s2.beam_count_bounds(K, d=d, n_tx=n_tx)
            cap = 10 ** 9 if n_tx is None else n_tx
            self.assertEqual(b.sensing_only, min(floor_sqrt(d), cap), (K, d, n_tx))
            self.assertEqual(b.sum_bound, K + min(floor_sqrt(d), cap), (K, d, n_tx))
            self.assertEqual(b.hypotenuse_bound,
                             min(floor_sqrt(K * K + d), max(K, cap)), (K, d, n_tx))
            # Corollary 1: no extra beam when d <= 2K (or no room beside the users)
            self.assertEqual(b.extra_beams_needed, d > 2 * K and cap > K, (K, d, n_tx))
        # the case: K = 3 users, channel estimation with N_t = 4 antennas
        self.assertEqual(s2.beam_count_bounds(3, "channel", n_tx=4).hypotenuse_bound, 4)

    def test_002_array_caps_are_attained_brute_force(self):
        # d = N^2 (channel estimation: every entry of R is a metric) fixes the
        # covariance, so its rank is the beam count: without cancellation the
        # total R has rank N (the hypotenuse bound capped at N_t, not
        # floor(sqrt(K^2 + N^2)) > N); with cancellation R_sens keeps rank N
        # (the sum bound caps the sensing beams at N_t, not N_t - K)
        rng = np.random.default_rng(202)
        for i in range(N_DRAWS):
            N = int(rng.integers(2, 6))
            K = int(rng.integers(1, N))
            H = crandn(rng, K, N)
            Wc = crandn(rng, N, K)
            X = crandn(rng, N, N)
            A = hermitian_basis(N)
            b = s2.beam_count_bounds(K, "channel", n_tx=N)
            self.assertEqual(len(A), s2.quadratic_terms("channel", n_tx=N))
            Rs = s2.orthogonal_sensing(H, X @ X.conj().T)
            out = s2.reduce_rank(H, Wc, Rs, A, False)
            R = Wc @ Wc.conj().T + Rs
            self.assertEqual(out.n_beams, np.linalg.matrix_rank(R, 1e-9 * np.trace(R).real))
            self.assertLessEqual(out.n_beams, b.hypotenuse_bound)
            self.assertEqual(b.hypotenuse_bound, N)
            out = s2.reduce_rank(H, Wc, X @ X.conj().T, A, True)
            self.assertEqual(out.n_beams, K + N)
            self.assertLessEqual(out.n_beams, b.sum_bound)

    def test_003_beampattern_and_channel_counts_by_numerical_rank(self):
        # d = number of linearly independent real functionals R -> tr(A R):
        # beampattern |a(theta)^H ...|: span of a(theta) a(theta)^H over theta
        # has real dimension 2 N - 1 (Hermitian Toeplitz); channel: N^2
        rng = np.random.default_rng(203)
        for _ in range(N_DRAWS):
            N = int(rng.integers(2, 13))
            th = rng.uniform(-90, 90, 4 * N)
            rows = []
            for t in th:
                a = np.asarray(core.ula_steering(N, float(t)))
                M = np.outer(a, a.conj())
                rows.append(np.concatenate([M.real.ravel(), M.imag.ravel()]))
            r = np.linalg.matrix_rank(np.array(rows), 1e-8 * N)
            self.assertEqual(s2.quadratic_terms("beampattern", n_tx=N), r)
            self.assertEqual(s2.quadratic_terms("channel", n_tx=N),
                             np.linalg.matrix_rank(np.array(
                                 [np.concatenate([E.real.ravel(), E.imag.ravel()])
                                  for E in hermitian_basis(N)])))

    def test_004_reduce_rank_counts_only_beams_with_power(self):
        # a sensing covariance with m in {0, 1, 2} true beams plus solver noise
        # (a full-rank PSD part of 1e-10 of the total power) and d metrics with
        # floor(sqrt(d)) > m: with cancellation the count is K + m (a threshold
        # relative to R_sens's own largest eigenvalue gave K + floor(sqrt(d))
        # for m = 0); the metrics keep their values
        rng = np.random.default_rng(204)
        worst = 0.0
        for i in range(N_DRAWS):
            N = int(rng.integers(4, 9))
            m = i % 3
            # something must carry the power (K + m >= 1): a design that is all
            # "noise" is just a small design
            K = int(rng.integers(0 if m else 1, 3))
            H = crandn(rng, K, N)
            Wc = crandn(rng, N, K) * 3
            V = crandn(rng, N, m) * rng.uniform(0.1, 2, m)
            X = crandn(rng, N, N)
            noise = X @ X.conj().T
            total = np.linalg.norm(Wc) ** 2 + np.linalg.norm(V) ** 2 + 1.0
            Rs = V @ V.conj().T + 1e-10 * total * noise / np.trace(noise).real
            canc = bool(i % 2) or K == 0
            if not canc:
                Rs = s2.orthogonal_sensing(H, Rs)
            d = int(rng.integers(max(m, 1) ** 2 + 1 + 2 * m, 17))
            A = []
            for _ in range(d):
                Y = crandn(rng, N, N)
                A.append(Y + Y.conj().T)
            out = s2.reduce_rank(H, Wc, Rs, A, canc)
            self.assertLess(m, math.isqrt(d))
            if canc:
                self.assertEqual(out.n_beams, K + m, (i, N, K, m, d))
            else:
                # without cancellation the user beams may absorb sensing beams
                # (hypotenuse bound); the noise never adds one
                m_proj = np.linalg.matrix_rank(Rs, 1e-6 * total)
                self.assertLessEqual(out.n_beams, min(K + m_proj, out.bound), (i, N, K, m, d))
                if m_proj == 0:
                    self.assertEqual(out.n_beams, K)
            R0 = Wc @ Wc.conj().T + Rs
            R1 = out.W_comm @ out.W_comm.conj().T + out.W_sens @ out.W_sens.conj().T
            m0 = np.array([np.trace(a @ R0).real for a in A])
            m1 = np.array([np.trace(a @ R1).real for a in A])
            worst = max(worst, np.max(np.abs(m1 - m0)) / np.max(np.abs(m0)))
        report("beam_count reduce_rank metric values (noise dropped, 1e-10 of power)", worst)
        self.assertLess(worst, 1e-8)

    def test_005_reduce_rank_on_an_sdr_that_needs_no_sensing_beam(self):
        # cvxopt SDR of a min-power ISAC design with cancelling users and a
        # sensing constraint a^H R a >= c the users' beams already meet: the
        # optimum has R_sens = 0, the solver returns ~1e-11 of noise in it. The
        # reduced design has exactly K beams (a threshold relative to R_sens's
        # own largest eigenvalue reported K + floor(sqrt(d)))
        rng = np.random.default_rng(205)
        for i in range(4):
            N, K = int(rng.integers(4, 7)), int(rng.integers(1, 3))
            H = crandn(rng, K, N)
            th = rng.uniform(-70, 70)
            a = np.asarray(core.ula_steering(N, th))
            ad = np.asarray(core.ula_steering_derivative(N, th))
            gam = 10 ** rng.uniform(0, 1)
            sdp = HermitianSDP([N] * (K + 1))
            sdp.c = sum(sdp.functional(j, np.eye(N)) for j in range(K + 1))
            for k in range(K):
                hh = np.outer(H[k].conj(), H[k])
                sdp.add_le(-sdp.functional(k, hh) / gam +
                           sum(sdp.functional(j, hh) for j in range(K) if j != k), -1.0)
            sdp.add_le(-sum(sdp.functional(j, np.outer(a, a.conj())) for j in range(K + 1)),
                       -1e-3)
            mats, status = sdp.solve()
            T = [psd_clip(x) for x in mats]
            W = np.column_stack([np.linalg.eigh(T[k])[1][:, -1] *
                                 np.sqrt(np.linalg.eigh(T[k])[0][-1]) for k in range(K)])
            P = np.outer(a, ad.conj())
            A = [np.outer(a, a.conj()), np.outer(ad, ad.conj()), P + P.conj().T,
                 1j * (P - P.conj().T)]
            tot = sum(np.trace(t).real for t in T)
            self.assertLess(np.trace(T[K]).real, 1e-8 * tot)   # the optimum: no sensing power
            out = s2.reduce_rank(H, W, T[K], A, True)
            self.assertEqual(out.n_beams, K)

    def test_006_orthogonal_sensing_vs_scipy_null_space(self):
        rng = np.random.default_rng(206)
        err = 0.0
        for _ in range(N_DRAWS):
            N = int(rng.integers(2, 10))
            K = int(rng.integers(1, N))
            H = crandn(rng, K, N)
            X = crandn(rng, N, N)
            R = X @ X.conj().T
            Z = scipy.linalg.null_space(H)
            ref = Z @ (Z.conj().T @ R @ Z) @ Z.conj().T
            got = s2.orthogonal_sensing(H, R)
            err = max(err, np.linalg.norm(got - ref) / np.linalg.norm(ref))
        report("beam_count orthogonal_sensing vs scipy null space", err)
        self.assertLess(err, 1e-10)

    def test_007_sinr_formulas_vs_direct_sums(self):
        # beam_count.sinrs and nullspace.achieved_sinr against per-user loops; the
        # sensing interference h^H R_s h against a Monte Carlo over sensing
        # symbols (tolerance from the trial count)
        rng = np.random.default_rng(207)
        err = 0.0
        T = 4000
        for _ in range(N_DRAWS):
            N = int(rng.integers(2, 8))
            K = int(rng.integers(1, N + 1))
            H, F = crandn(rng, K, N), crandn(rng, N, K)
            X = crandn(rng, N, 2)
            Rs = X @ X.conj().T
            s2n = 10 ** rng.uniform(-1, 1)
            ref, ref_nc = np.zeros(K), np.zeros(K)
            for k in range(K):
                sig = abs(np.vdot(H[k].conj(), F[:, k])) ** 2
                intf = sum(abs(np.vdot(H[k].conj(), F[:, j])) ** 2 for j in range(K) if j != k)
                # sensing interference by simulation: x_s = X s, s ~ CN(0, I)
                xs = X @ crandn(rng, 2, T)
                z = np.abs(H[k] @ xs) ** 2
                ps = np.real(H[k] @ Rs @ H[k].conj())
                self.assertLess(abs(z.mean() - ps), 5 * z.std() / np.sqrt(T))
                ref[k] = sig / (intf + s2n)
                ref_nc[k] = sig / (intf + ps + s2n)
            err = max(err, np.max(np.abs(s2.sinrs(H, F, Rs, s2n, True) - ref) / ref),
                      np.max(np.abs(s2.sinrs(H, F, Rs, s2n, False) - ref_nc) / ref_nc),
                      np.max(np.abs(s3.achieved_sinr(H, F, s2n) - ref) / ref))
        report("beam_count sinrs / nullspace achieved_sinr vs direct sums", err)
        self.assertLess(err, 1e-12)

    def test_008_sdr_min_power_vs_duality_and_single_user(self):
        # the cvxopt SDR against the core's uplink-downlink duality fixed point
        # (a different algorithm), and against Gamma sigma^2/||h||^2 for K = 1
        rng = np.random.default_rng(208)
        err = err1 = 0.0
        for i in range(N_DRAWS):
            N = int(rng.integers(2, 7))
            K = 1 if i % 4 == 0 else int(rng.integers(1, N + 1))
            H = crandn(rng, K, N)
            gam = 10 ** rng.uniform(-0.5, 1, K)
            s2n = 10 ** rng.uniform(-1, 0.5)
            if K == 1:
                res = s3.sdr_min_power(H, gam, s2n)
                ref = gam[0] * s2n / np.linalg.norm(H) ** 2
                err1 = max(err1, abs(res.total_power - ref) / ref)
                continue
            try:
                cmp = s3.compare_minpower(H, gam, s2n)
            except ValueError:
                continue      # infeasible targets for this channel draw
            err = max(err, cmp.rel_diff)
            self.assertTrue(np.all(cmp.sdr.sinr >= gam * (1 - 1e-6)))
        report("nullspace SDR min power vs the core's duality fixed point", err)
        report("nullspace SDR min power vs Gamma sigma^2/||h||^2 (K = 1)", err1)
        self.assertLess(err, 1e-6)
        self.assertLess(err1, 1e-6)


if __name__ == "__main__":
    gr_unittest.run(qa_design_draws_beam_count_nullspace)
