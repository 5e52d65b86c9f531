#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design.ci_design / nullspace_design: the streaming precoders'
designs reached from the design API, checked with numpy on random asymmetric
scenes (SINRs from F, H P = 0, safe margins from x and H, beampattern peaks)."""

import inspect
import re

import numpy as np
from gnuradio import gr_unittest

from gnuradio.isac import core, design


def module_steering(n, deg):
    # docs/conventions.md: a_n(theta) = exp(-j pi n sin theta), element 0 the reference
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.radians(deg)))


def los_channel(rng, user_deg, n):
    # user u receives a(theta_u)^T x plus scattering: rows h_u^H
    U = len(user_deg)
    H = np.array([module_steering(n, a) for a in user_deg])
    return H + 0.3 * (rng.standard_normal((U, n)) + 1j * rng.standard_normal((U, n))) / np.sqrt(2)


class qa_design_precoders(gr_unittest.TestCase):

    def test_001_keywords_documented_and_checked(self):
        for fn, core_fn in ((design.ci_design, core.ci_solver.__init__),
                            (design.nullspace_design, core.nullspace_design)):
            names = list(inspect.signature(fn).parameters)
            first = core_fn.__doc__.splitlines()[0]
            core_names = [n for n in names if n + ":" in first]
            # every keyword the core takes is in the signature and the doc, with a meaning
            self.assertGreaterEqual(len(core_names), len(names) - 2)
            for n in names:
                line = [ln for ln in fn.__doc__.splitlines()
                        if ln.startswith("  " + n) and ln[2:].split(" ")[0] == n]
                self.assertEqual(len(line), 1, n)
                i = fn.__doc__.splitlines().index(line[0])
                self.assertGreater(len(fn.__doc__.splitlines()[i + 1].strip()), 10, n)
        self.assertIn("gamma_db [dB] = 5.0", design.ci_design.__doc__)
        self.assertIn("beam_width_deg [deg]", design.nullspace_design.__doc__)
        H = np.ones((2, 4), complex)
        with self.assertRaises(TypeError) as c:
            design.ci_design(H, [1, 1], gama_db=3.0)
        msg = str(c.exception)
        self.assertIn("'gama_db'", msg)
        self.assertIn("gamma_db", msg)
        self.assertNotIn("\n", msg)
        self.assertLess(len(msg), 120)
        with self.assertRaises(TypeError) as c:
            design.nullspace_design(H, 1.0, "zf", 5.0, 0.1, "beampattern", [20.0], 10.0, 16, sinr_dB=3)
        self.assertIn("'sinr_dB'", str(c.exception))
        self.assertIn("sinr_db", str(c.exception))
        with self.assertRaises(TypeError):  # a required argument left out
            design.nullspace_design(H, 1.0, "zf")

    def test_002_nullspace_design_against_numpy(self):
        rng = np.random.default_rng(5102)
        U, N, L, nv = 3, 12, 64, 0.1
        user_deg = np.array([-63.4, 7.9, 51.2]) + rng.uniform(-3, 3, U)
        target = rng.uniform(18.0, 35.0)
        H = los_channel(rng, user_deg, N)
        sinr_db = np.array([4.0, 6.5, 3.0])
        d = design.nullspace_design(H, 1.0, "minpower", list(sinr_db), nv, "beampattern",
                                    [target], 10.0, L)
        self.assertTrue(d.ok, d.message)
        F, P, Xs = np.asarray(d.F), np.asarray(d.P), np.asarray(d.X_sensing)
        G = H @ F
        sig = np.abs(np.diag(G)) ** 2
        sinr = sig / ((np.abs(G) ** 2).sum(1) - sig + nv)
        np.testing.assert_allclose(10 * np.log10(sinr), sinr_db, atol=0.01)
        np.testing.assert_allclose(np.asarray(d.sinr), sinr, rtol=1e-6)  # linear
        self.assertLess(np.abs(H @ P).max(), 1e-10)
        self.assertLess(np.abs(H @ Xs).max(), 1e-10)
        # the returned beampattern is the power radiated toward theta in the module's
        # convention, and it peaks at the (asymmetric) target, not at its mirror
        grid = np.arange(-90, 90.001, 0.1)
        R = F @ F.conj().T + Xs @ Xs.conj().T / L
        A = np.array([module_steering(N, g) for g in grid])
        pat = np.real(np.einsum("gi,ij,gj->g", A, R, A.conj()))
        np.testing.assert_allclose(np.asarray(d.beampattern(list(grid))), pat, rtol=1e-6, atol=1e-12)
        self.assertLess(abs(grid[np.argmax(pat)] - target), 1.5)
        i_t, i_m = np.argmin(abs(grid - target)), np.argmin(abs(grid + target))
        self.assertGreater(pat[i_t], 10 * pat[i_m])
        self.assertAlmostEqual(np.trace(R).real, 1.0, places=6)

    def test_003_ci_design_against_numpy(self):
        rng = np.random.default_rng(5103)
        U, N, M = 3, 12, 8
        nv = 10 ** -0.5
        user_deg = np.array([-58.0, 4.0, 47.0]) + rng.uniform(-3, 3, U)
        target, clutter = rng.uniform(15.0, 30.0), rng.uniform(-50.0, -35.0)
        H = los_channel(rng, user_deg, N)
        s = np.exp(2j * np.pi * rng.integers(0, M, U) / M)
        # (Gamma dB, DAC, beam check): at 5 dB the 1-bit design spends its freedom on the
        # users' margins and its beam need not point at the target
        grid = np.arange(-90, 90.001, 0.1)
        for gamma_db, dac, beam in ((0.0, "1bit", True), (5.0, "1bit", False), (0.0, "inf", True)):
            r = design.ci_design(H, s, psk_order=M, noise_var=nv, gamma_db=gamma_db, n_rx=32, dac=dac,
                                 target_deg=target, clutter_deg=[clutter], cnr_db=[30.0])
            x = np.asarray(r["x"]).ravel()
            z = np.conj(s / abs(s)) * (H @ x)
            alpha = z.real - abs(z.imag) / np.tan(np.pi / M)
            np.testing.assert_allclose(np.asarray(r["margins"]).ravel(), alpha, atol=1e-9)
            lam = np.sqrt(10 ** (gamma_db / 10) * nv)
            self.assertAlmostEqual(r["lambda"], lam, places=9)
            self.assertTrue(r["feasible"])
            self.assertGreaterEqual(alpha.min(), lam - 1e-9)
            if dac == "1bit":
                np.testing.assert_allclose(abs(x) ** 2, 1.0 / N, rtol=1e-9)  # the 1-bit alphabet, E = 1
            else:
                self.assertLessEqual(np.sum(abs(x) ** 2), 1.0 + 1e-9)
            if not beam:
                continue
            # the field toward theta is a(theta)^T x: it peaks at the target, not at its mirror
            pat = np.array([abs(module_steering(N, g) @ x) ** 2 for g in grid])
            f = lambda deg: pat[np.argmin(abs(grid - deg))]  # noqa: E731
            self.assertLess(abs(grid[np.argmax(pat)] - target), 2.0)
            self.assertGreater(f(target), 10 * f(-target))
            self.assertGreater(f(target), 5 * f(clutter))
    def test_004_nonfinite_or_zero_symbol_refused(self):
        # each once snapped to index 0 and designed as feasible without a word
        rng = np.random.default_rng(5104)
        U, N = 3, 10
        H = los_channel(rng, [-37.0, 12.0, 55.0], N)
        good = np.exp(2j * np.pi * rng.integers(0, 8, U) / 8)
        S = core.ci_solver(N, U, n_rx=16, target_deg=21.0, clutter_deg=[-44.0], cnr_db=[20.0])
        S.set_channel(H)
        for i, bad in ((2, np.nan), (0, np.inf), (1, 0.0), (2, complex(1.0, -np.inf))):
            s = good.copy()
            s[i] = bad
            for call in (lambda: core.ci_design(H, s), lambda: design.ci_design(H, s),
                         lambda: S.solve(s)):
                with self.assertRaises(ValueError) as c:
                    call()
                self.assertIn(f"s[{i}] = ", str(c.exception))
                self.assertIn("finite nonzero", str(c.exception))
        self.assertEqual(len(np.asarray(S.solve(good)["x"]).ravel()), N)

    def test_005_messages_name_the_callers_arguments(self):
        rng = np.random.default_rng(5105)
        H = los_channel(rng, [-52.0, 9.0, 33.0], 12)
        with self.assertRaises(ValueError) as c:  # was "sinr = size 2 ... targets"
            design.nullspace_design(H, 1.0, "minpower", [5.0, 5.0], 0.1, "beampattern", [21.0], 10.0, 16)
        self.assertEqual(str(c.exception),
                         "sinr_db = 2 values is out of range; allowed: 1 or n_users = 3 values")
        with self.assertRaises(ValueError) as c:  # was "n_tx = 3 is out of range; ..."
            design.ci_design(H.T, np.ones(12))
        self.assertEqual(str(c.exception), "H = 12 x 3 (n_users x n_tx) is out of range; "
                         "allowed: n_tx >= n_users (H's rows are the users)")
        d = design.nullspace_design(H, 1.0, "minpower", [5.0, 4.0, 3.0], 0.1, "beampattern", [21.0], 10.0, 16)
        np.testing.assert_allclose(d.sinr_db, [5.0, 4.0, 3.0], atol=0.01)
        np.testing.assert_allclose(np.asarray(d.sinr), 10 ** (np.asarray(d.sinr_db) / 10), rtol=1e-12)

        with self.assertRaises(ValueError) as c:  # was "n_users = 12 is out of range; allowed: [1, 2]"
            design.nullspace_design(H.T, 1.0, "zf", 5.0, 0.1, "beampattern", [21.0], 10.0, 16)
        self.assertEqual(str(c.exception), "H = 12 x 3 (n_users x n_tx) is out of range; "
                         "allowed: n_tx > n_users (H's rows are the users)")
        for v, name in ((1e30, "sinr_db[1] = 1e+30"), (-4000.0, "sinr_db[1] = -4000")):
            with self.assertRaises(ValueError) as c:  # was "sinr_db = inf dB ...: finite values"
                design.nullspace_design(H, 1.0, "minpower", [5.0, v, 3.0], 0.1, "beampattern",
                                        [21.0], 10.0, 16)
            self.assertIn(name + " is out of range; allowed: [-200, 200]", str(c.exception))

    def test_006_documented_values_accepted_bounds_refused(self):
        # help() lists the blocks' values and ranges where the core agrees and the core's
        # own where not: every listed option must be accepted, a value just past every
        # listed numeric bound refused (the block's solver "lut" was once listed here)
        rng = np.random.default_rng(5106)
        H = los_channel(rng, [-41.0, 17.0], 6)
        s = np.exp(2j * np.pi * np.array([1, 6]) / 8)
        ns_args = dict(H=H, power=1.0, comm="zf", sinr_db=5.0, noise_var=0.1, sensing="beampattern",
                       targets_deg=[23.0], beam_width_deg=10.0, frame_len=8, max_iter=3)
        calls = {"ci_design": lambda **kw: design.ci_design(H, s, **{"bnb_max_seconds": 0.5, **kw}),
                 "nullspace_design": lambda **kw: design.nullspace_design(**{**ns_args, **kw})}
        bound = re.compile(r"^(each in )?([\[(])(-?[0-9.e+]+), (-?[0-9.e+]+|inf)([\])])")
        listed = past = 0
        for fn, call in calls.items():
            table = dict(getattr(design._core_params, fn))
            table.update(design.precoders._EXTRA[fn])
            for name in inspect.signature(getattr(design, fn)).parameters:
                allowed = table[name][1]
                for opt in re.findall(r'"([a-z0-9]+)"', allowed):
                    call(**{name: opt})
                    listed += 1
                m = bound.match(allowed)
                if not m:
                    continue
                lo, hi = float(m.group(3)), float(m.group(4))
                whole = all(re.fullmatch(r"-?[0-9]+", g) for g in m.group(3, 4))
                step = 1 if whole else 1e-3
                for v in (lo - max(1.0, abs(lo)) * step, hi + max(1.0, abs(hi)) * step):
                    if not np.isfinite(v):
                        continue
                    v = int(v) if whole else v
                    # each in [..]: a list; cnr_db one per default clutter angle (two)
                    kw = {name: [v] * (2 if name == "cnr_db" else 1) if m.group(1) else v}
                    with self.assertRaises(ValueError, msg=f"{fn}({name}={kw[name]}) with allowed {allowed}"):
                        call(**kw)
                    past += 1
        self.assertGreaterEqual(listed, 14)
        self.assertGreaterEqual(past, 20)
        with self.assertRaises(ValueError):
            design.ci_design(H, s, solver="lut")
        # tol: the core's own ranges (ci_solver: >= 0; nullspace: > 0)
        self.assertIn("finite, >= 0", design.ci_design.__doc__)
        design.ci_design(H, s, tol=0.0)
        with self.assertRaises(ValueError):
            design.nullspace_design(**{**ns_args, "tol": 0.0})

    def test_007_sizes_from_h_named(self):
        H = np.ones((2, 4), complex)
        for k in ("n_tx", "n_users"):
            with self.assertRaises(TypeError) as c:  # n_tx once got "did you mean n_rx?"
                design.ci_design(H, [1, 1], **{k: 4})
            self.assertEqual(str(c.exception), "ci_design(): n_tx and n_users come from H's shape "
                             f"(n_users x n_tx); drop {k}")
            with self.assertRaises(TypeError) as c:
                design.nullspace_design(H, 1.0, "zf", 5.0, 0.1, "beampattern", [20.0], 10.0, 16, **{k: 4})
            self.assertIn("come from H's shape", str(c.exception))

    def test_008_signature_parser_never_raises(self):
        # it runs at import of gnuradio.isac.design: a non-literal default is kept as text
        sig = design.precoders._core_signature
        self.assertGreater(len(sig(core.nullspace_design)), 15)
        self.assertGreater(len(sig(core.ci_solver.__init__)), 15)

        def f():
            pass
        f.__doc__ = "f(self: object, a: float = inf, b: int = 3, c: object = <Mode.x: 1>) -> None"
        got = sig(f)
        self.assertEqual([n for n, _ in got], ["a", "b", "c"])
        self.assertEqual(repr(got[0][1]), "inf")
        self.assertEqual(got[1][1], 3)
        f.__doc__ = "f(*args, **kwargs)\nOverloaded function."
        self.assertEqual(sig(f), [])


if __name__ == "__main__":
    gr_unittest.run(qa_design_precoders)
