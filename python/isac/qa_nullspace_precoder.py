#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""nullspace_precoder (SD-ISAC, null-space paper) against numpy and scipy references."""

import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest
from scipy.optimize import minimize

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac


def rayleigh(rng, k, n):
    return (rng.standard_normal((k, n)) + 1j * rng.standard_normal((k, n))) / np.sqrt(2)


def qpsk(rng, n, k):
    return np.exp(1j * (np.pi / 4 + np.pi / 2 * rng.integers(0, 4, (n, k)))).astype(np.complex64)


def steer(n, deg):
    # null-space paper convention written out: a_n = exp(+j pi n sin theta)
    return np.exp(1j * np.pi * np.arange(n) * np.sin(np.deg2rad(deg)))


def csi_msg(H, offset=None):
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(H.size, H.astype(np.complex64).ravel().tolist()))
    d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
    d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
    if offset is not None:
        d = pmt.dict_add(d, pmt.intern("offset"), pmt.from_uint64(offset))
    return d


class qa_nullspace_precoder(gr_unittest.TestCase):

    def setUp(self):
        self.tb = gr.top_block()
        self.rng = np.random.default_rng(2026)

    def tearDown(self):
        self.tb = None

    def make(self, N=12, K=3, sensing="beampattern", L=8, comm="zf", **kw):
        return isac.nullspace_precoder(N, K, 1.0, comm, 10.0, 0.01, sensing,
                                       [-30.0, 20.0], 10.0, L, **kw)

    def run_block(self, blk, s, N, K, b=None):
        src = blocks.vector_source_c(s.ravel().tolist(), False, K)
        snk = blocks.vector_sink_c(N)
        self.tb.connect(src, (blk, 0))
        if b is not None:
            bsrc = blocks.vector_source_c(b.ravel().tolist(), False, N)
            self.tb.connect(bsrc, (blk, 1))
        self.tb.connect(blk, snk)
        self.tb.run()
        return np.array(snk.data(), dtype=np.complex128).reshape(-1, N), snk.tags()

    def test_001_stream_is_Fs_plus_PB(self):
        N, K, L = 12, 3, 8
        H = rayleigh(self.rng, K, N)
        blk = self.make(N, K, L=L)
        blk.set_channel(H)
        self.assertTrue(blk.wait_design(30.0))
        s = qpsk(self.rng, 37, K)
        x, tags = self.run_block(blk, s, N, K)
        d = blk.design()
        PB = d.P @ d.B
        ref = s.astype(np.complex128) @ d.F.T + PB[:, np.arange(37) % L].T
        np.testing.assert_allclose(x, ref, atol=2e-6 * np.abs(ref).max())
        self.assertEqual(len(tags), 1)
        self.assertEqual(pmt.symbol_to_string(tags[0].key), "isac_design")
        self.assertEqual(tags[0].offset, 0)
        self.assertEqual(pmt.to_uint64(tags[0].value), 1)
        self.assertEqual(blk.design_id(), 1)
        # the users see only F s (float32 stream: leakage at single-precision level)
        y = (x - s @ d.F.T) @ H.T
        self.assertLess(np.linalg.norm(y) / np.linalg.norm(x - s @ d.F.T), 1e-6)

    def test_002_no_leakage_and_sinr_invariance_numpy(self):
        for comm in ("zf", "mrt", "minpower"):
            for sensing in ("beampattern", "isl"):
                N, K = 16, 4
                H = rayleigh(self.rng, K, N)
                snr = 3.0 if comm == "mrt" else 10.0
                kw = dict(power=1.0, comm=comm, sinr_db=snr, noise_var=0.01, targets_deg=[-40, 0, 40],
                          beam_width_deg=10, frame_len=16, max_iter=30)
                on = isac.core.nullspace_design(H, sensing=sensing, **kw)
                off = isac.core.nullspace_design(H, sensing="none", **kw)
                self.assertTrue(on.ok, on.message)
                PB = on.P @ on.B
                self.assertLessEqual(np.linalg.norm(H @ PB) / np.linalg.norm(PB), 1e-12)
                self.assertLessEqual(on.leakage, 1e-12)

                def sinr_numpy(d):
                    G = np.abs(H @ d.F) ** 2
                    sens = np.sum(np.abs(H @ d.P @ d.B) ** 2, axis=1) / d.frame_len
                    return np.diag(G) / (G.sum(axis=1) - np.diag(G) + sens + 0.01)
                np.testing.assert_allclose(sinr_numpy(on), sinr_numpy(off), rtol=1e-9)
                np.testing.assert_allclose(sinr_numpy(on), 10 ** (snr / 10), rtol=1e-9)
                self.assertAlmostEqual(on.comm_power + on.sensing_power, 1.0, places=12)

    def test_003_minpower_vs_scipy(self):
        # Independent check without an SDP solver: SLSQP on the nonconvex
        # primal with several starts, on small cases.
        for seed in (1, 2, 3):
            rng = np.random.default_rng(seed)
            K, N, sigma2 = 2, 3, 0.1
            H = rayleigh(rng, K, N)
            gam = np.array([3.0, 6.0])
            r = isac.core.minpower_precoder(H, list(10 * np.log10(gam)), sigma2)
            self.assertTrue(r["feasible"])

            def unpack(v):
                return (v[:N * K] + 1j * v[N * K:]).reshape(N, K)

            def cons(v):
                G = np.abs(H @ unpack(v)) ** 2
                return np.diag(G) - gam * (G.sum(axis=1) - np.diag(G) + sigma2)
            best = np.inf
            for start in range(8):
                v0 = rng.standard_normal(2 * N * K)
                res = minimize(lambda v: np.sum(v ** 2), v0, jac=lambda v: 2 * v, method="SLSQP",
                               constraints=[{"type": "ineq", "fun": cons}],
                               options={"ftol": 1e-14, "maxiter": 2000})
                if res.success and np.all(cons(res.x) > -1e-9):
                    best = min(best, res.fun)
            self.assertTrue(np.isfinite(best))
            self.assertAlmostEqual(r["total_power"] / best, 1.0, delta=1e-5)
            self.assertAlmostEqual(r["total_power"] / r["dual_value"], 1.0, delta=1e-9)
            s = isac.core.sinr(H, r["F"], sigma2)
            np.testing.assert_allclose(s, gam, rtol=1e-9)

    def test_004_csi_port_offset_and_frame_switch(self):
        N, K, L = 10, 2, 8
        H1, H2 = rayleigh(self.rng, K, N), rayleigh(self.rng, K, N)
        blk = self.make(N, K, L=L)
        dbg = blocks.message_debug()
        self.tb.msg_connect(blk, "stats", dbg, "store")
        # post_csi runs the csi port's handler synchronously (test_010 covers the port itself)
        blk.post_csi(csi_msg(H1))
        self.assertTrue(blk.wait_designs(1, 30.0))
        d1 = blk.last_design()
        blk.post_csi(csi_msg(H2, offset=20))
        self.assertTrue(blk.wait_designs(2, 30.0))
        d2 = blk.last_design()
        s = qpsk(self.rng, 40, K).astype(np.complex128)
        x, tags = self.run_block(blk, s, N, K)
        self.assertEqual([(t.offset, pmt.to_uint64(t.value)) for t in tags], [(0, 1), (24, 2)])
        for d, rows in ((d1, range(0, 24)), (d2, range(24, 40))):
            rows = np.array(list(rows))
            ref = s[rows] @ d.F.T + (d.P @ d.B)[:, rows % L].T
            np.testing.assert_allclose(x[rows], ref, atol=2e-6 * np.abs(ref).max())
        np.testing.assert_allclose(d2.H, H2.astype(np.complex64), rtol=0, atol=1e-7)
        self.assertEqual(dbg.num_messages(), 2)
        st = dbg.get_message(1)
        self.assertEqual(pmt.to_uint64(pmt.dict_ref(st, pmt.intern("design_id"), pmt.PMT_NIL)), 2)
        self.assertTrue(pmt.to_bool(pmt.dict_ref(st, pmt.intern("ok"), pmt.PMT_NIL)))
        for key in ("design_time_s", "iterations", "cost", "pslr_db", "isl_db", "split", "leakage"):
            self.assertTrue(pmt.dict_has_key(st, pmt.intern(key)), key)
        self.assertLessEqual(pmt.to_double(pmt.dict_ref(st, pmt.intern("leakage"), pmt.PMT_NIL)), 1e-12)
        self.assertAlmostEqual(pmt.to_double(pmt.dict_ref(st, pmt.intern("split"), pmt.PMT_NIL)),
                               d2.comm_power / 1.0, places=12)

    def test_005_malformed_csi_and_infeasible(self):
        N, K = 8, 2
        blk = self.make(N, K)
        blk.post_csi(pmt.intern("garbage"))
        blk.post_csi(csi_msg(rayleigh(self.rng, K + 1, N)))  # wrong size
        self.assertTrue(blk.wait_design(5.0))
        self.assertEqual(blk.designs_finished(), 0)
        self.assertEqual(blk.design_id(), 0)
        with self.assertRaises(RuntimeError):
            blk.last_design()
        # 60 dB on every user needs more than P_t: reported, no design in use, no output
        blk.set_sinr_db(60.0)
        blk.set_channel(rayleigh(self.rng, K, N))
        self.assertTrue(blk.wait_design(30.0))
        d = blk.last_design()
        self.assertFalse(d.ok)
        self.assertIn("P_t", d.message)
        x, tags = self.run_block(blk, qpsk(self.rng, 10, K), N, K)
        self.assertEqual(len(tags), 0)
        self.assertEqual(len(x), 0)  # held back, then given up when the input ended

    def fresh_design(self, H, power, N, K, L, **kw):
        fresh = self.make(N, K, L=L, **kw)
        fresh.set_power(power)
        fresh.set_channel(H)
        self.assertTrue(fresh.wait_designs(1, 30.0))
        d = fresh.last_design()
        self.assertTrue(d.ok)
        return d

    def assert_same_design(self, got, want, H):
        self.assertTrue(got.ok)
        np.testing.assert_allclose(got.H, H, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got.F, want.F, rtol=0, atol=1e-9 * np.abs(want.F).max())
        self.assertAlmostEqual(got.comm_power, want.comm_power, places=12)

    def h1_kept_after_failing_csi(self, N, K, L):
        """set_channel(H1), then a csi whose ZF design fails (a channel 60 dB
        down needs more than P_t): H1's design stays, the last channel is the csi's"""
        H1 = rayleigh(self.rng, K, N)
        blk = self.make(N, K, L=L)
        blk.set_channel(H1)
        self.assertTrue(blk.wait_designs(1, 30.0))
        blk.post_csi(csi_msg(1e-3 * rayleigh(self.rng, K, N)))
        self.assertTrue(blk.wait_designs(2, 30.0))
        self.assertFalse(blk.last_design().ok)
        return blk, H1

    def assert_stream(self, x, s, d, L):
        rows = np.arange(len(s))
        ref = s @ d.F.T + (d.P @ d.B)[:, rows % L].T
        np.testing.assert_allclose(x, ref, atol=2e-6 * np.abs(ref).max())

    def test_015_restart_redesigns_the_kept_set_channel_design(self):
        # The last channel of a run came from a csi whose design failed, so the
        # set_channel() design stayed in use. A restart drops the csi's channel and keeps that design;
        # the setters then redesign it, as they would have before the restart:
        # the same design as a fresh block's for that channel and power.
        N, K, L = 8, 2, 8
        s = qpsk(self.rng, 4 * L, K)
        blk, H1 = self.h1_kept_after_failing_csi(N, K, L)
        for run in range(2):  # the second run is the restart
            self.tb.disconnect_all()
            x, tags = self.run_block(blk, s, N, K)
            self.assertEqual(len(x), len(s))
            self.assertEqual(blk.design_id(), 1)
        blk.set_power(0.5)
        self.assertTrue(blk.wait_designs(3, 10.0), "no redesign after the restart")
        got = blk.last_design()
        self.assert_same_design(got, self.fresh_design(H1, 0.5, N, K, L), H1)
        self.tb.disconnect_all()
        x, tags = self.run_block(blk, s, N, K)
        self.assertEqual(blk.design_id(), 3)
        self.assert_stream(x, s, got, L)

    def test_016_setter_before_stop_is_not_lost(self):
        # set_power() after a failing csi redesigns the csi's channel, which fails
        # too; the restart drops that channel and keeps H1's design, made with the
        # old power, while the pilots already take the new one. The stop itself
        # must redesign H1 with the new power, with no further setter call.
        N, K, L = 8, 2, 8
        s = qpsk(self.rng, 4 * L, K)
        blk, H1 = self.h1_kept_after_failing_csi(N, K, L)
        blk.set_power(0.5)
        self.assertTrue(blk.wait_designs(3, 30.0))
        self.assertFalse(blk.last_design().ok)
        x, _ = self.run_block(blk, s, N, K)  # its stop() asks for the redesign
        self.assertTrue(blk.wait_designs(4, 10.0), "the setter was lost at the stop")
        got = blk.last_design()
        self.assert_same_design(got, self.fresh_design(H1, 0.5, N, K, L), H1)
        self.tb.disconnect_all()
        x, _ = self.run_block(blk, s, N, K)
        self.assertEqual(blk.design_id(), 4)
        self.assert_stream(x, s, got, L)
        # a restart with unchanged settings makes no new design
        self.tb.disconnect_all()
        self.run_block(blk, s, N, K)
        self.assertFalse(blk.wait_designs(5, 0.3))

    def test_017_setters_redesign_the_last_set_channel_channel(self):
        # set_channel(H2) fails after H1's design is in use, then a csi: after the
        # restart the setters redesign H2 (as they did before the csi), whether or
        # not work() picked the failed design up before the stop.
        N, K, L = 8, 2, 8
        s = qpsk(self.rng, 4 * L, K)
        for picked_up in (False, True):
            H1 = rayleigh(self.rng, K, N)
            H2 = 1e-3 * rayleigh(self.rng, K, N)  # ZF needs more than P_t: fails
            self.tb = gr.top_block()
            blk = self.make(N, K, L=L)
            blk.set_channel(H1)
            self.assertTrue(blk.wait_designs(1, 30.0))
            self.run_block(blk, s, N, K)
            blk.set_channel(H2)
            self.assertTrue(blk.wait_designs(2, 30.0))  # not merged with the csi's
            blk.post_csi(csi_msg(1e-3 * rayleigh(self.rng, K, N)))
            self.assertTrue(blk.wait_designs(3, 30.0))
            if picked_up:
                self.tb.disconnect_all()
                self.run_block(blk, s, N, K)  # work() discards the failed designs
            else:
                blk.stop()  # they are still finished, not picked up
            self.assertEqual(blk.design_id(), 1)
            blk.set_power(0.5)
            self.assertTrue(blk.wait_designs(4, 10.0), "no redesign after the restart")
            self.assertFalse(blk.last_design().ok)
            np.testing.assert_allclose(blk.last_design().H, H2, rtol=0, atol=1e-12)

    def test_018_kept_design_finished_not_picked_up(self):
        # H1's design is finished but no run took it when the stop comes
        N, K, L = 8, 2, 8
        blk, H1 = self.h1_kept_after_failing_csi(N, K, L)
        blk.stop()
        blk.set_power(0.5)
        self.assertTrue(blk.wait_designs(3, 10.0), "no redesign after the restart")
        self.assert_same_design(blk.last_design(), self.fresh_design(H1, 0.5, N, K, L), H1)

    def test_019_kept_design_waiting_for_its_frame(self):
        # H2's design waits for the next frame boundary (item 1024, the input is
        # throttled to 200 items/s) while H1's is in use when the stop comes
        N, K, L = 8, 2, 1024
        H1, H2 = rayleigh(self.rng, K, N), rayleigh(self.rng, K, N)
        blk = self.make(N, K, sensing="none", L=L)
        blk.set_max_noutput_items(16)
        blk.set_channel(H1)
        self.assertTrue(blk.wait_designs(1, 30.0))
        src = blocks.vector_source_c(qpsk(self.rng, 64, K).ravel().tolist(), True, K)
        thr = blocks.throttle(gr.sizeof_gr_complex * K, 200)
        thr.set_max_noutput_items(16)
        snk = blocks.vector_sink_c(N)
        self.tb.connect(src, thr, blk, snk)
        self.tb.start()
        # H1's design must be in use first: a first work() call after H2's
        # design is ready would start the stream on H2 at item 0
        t0 = time.time()
        while blk.nitems_written(0) == 0 and time.time() - t0 < 30:
            time.sleep(0.005)
        blk.set_channel(H2)
        self.assertTrue(blk.wait_designs(2, 30.0))
        time.sleep(0.1)  # work() takes it into its waiting list
        blk.post_csi(csi_msg(1e-3 * rayleigh(self.rng, K, N)))
        self.assertTrue(blk.wait_designs(3, 30.0))
        time.sleep(0.05)
        self.tb.stop()
        self.tb.wait()
        self.assertLess(len(snk.data()) // N, L)
        self.assertEqual([pmt.to_uint64(t.value) for t in snk.tags()
                          if pmt.symbol_to_string(t.key) == "isac_design"], [1])
        blk.set_power(0.5)
        self.assertTrue(blk.wait_designs(4, 10.0), "no redesign after the restart")
        self.assert_same_design(blk.last_design(),
                                self.fresh_design(H2, 0.5, N, K, L, sensing="none"), H2)

    def test_020_kept_design_still_running(self):
        # H1's design runs (ISL, ended by its 1 s work budget at this L) when the
        # csi comes and when the stop comes; a set_power() after the stop
        # redesigns H1, one before it must not be lost
        N, K, L = 8, 2, 256
        kw = dict(sensing="isl", max_iter=100000, max_seconds=1.0)
        for setter_first in (False, True):
            H1 = rayleigh(self.rng, K, N)
            blk = self.make(N, K, L=L, **kw)
            blk.set_channel(H1)
            time.sleep(0.3)  # the design starts
            if setter_first:
                blk.set_power(0.5)
            blk.post_csi(csi_msg(1e-3 * rayleigh(self.rng, K, N)))
            self.assertEqual(blk.designs_finished(), 0)
            blk.stop()
            self.assertTrue(blk.wait_designs(1, 30.0))
            d1 = blk.last_design()
            np.testing.assert_allclose(d1.H, H1, rtol=0, atol=1e-12)  # set_channel's, not the csi's
            if not setter_first:
                blk.set_power(0.5)
            self.assertTrue(blk.wait_designs(2, 30.0), "no redesign after the restart")
            d2 = blk.last_design()
            self.assertTrue(d2.ok)
            np.testing.assert_allclose(d2.H, H1, rtol=0, atol=1e-12)
            self.assertAlmostEqual(np.linalg.norm(d2.B) ** 2 / L / (0.5 - d2.comm_power), 1.0, places=9)

    def test_006_external_projection_and_nonfinite(self):
        N, K = 8, 3
        H = rayleigh(self.rng, K, N)
        blk = self.make(N, K, sensing="external")
        blk.set_channel(H)
        self.assertTrue(blk.wait_design(30.0))
        s = qpsk(self.rng, 20, K)
        b = (self.rng.standard_normal((20, N)) + 1j * self.rng.standard_normal((20, N))).astype(np.complex64)
        s[3, 1] = np.nan
        b[5, 2] = np.inf
        x, _ = self.run_block(blk, s, N, K, b)
        self.assertTrue(np.all(np.isfinite(x)))
        self.assertEqual(blk.nonfinite_count(), 2)
        d = blk.design()
        s0, b0 = np.nan_to_num(s, nan=0, posinf=0), np.nan_to_num(b, nan=0, posinf=0)
        s0[3, 1] = 0
        b0[5, 2] = 0
        ref = s0 @ d.F.T + b0 @ (d.P @ d.P.conj().T).T
        np.testing.assert_allclose(x, ref, atol=1e-5 * np.abs(ref).max())
        self.assertLess(np.linalg.norm((x - s0 @ d.F.T) @ H.T) / np.linalg.norm(x - s0 @ d.F.T), 1e-5)

    def test_007_bad_parameters(self):
        mk = isac.nullspace_precoder
        with self.assertRaises(ValueError):
            mk(4, 4, 1.0, "zf", 10.0, 0.01, "beampattern", [0.0], 10.0, 8)  # n_users >= n_tx
        with self.assertRaises(ValueError):
            mk(8, 2, 1.0, "zf", 10.0, 0.01, "beampattern", [], 10.0, 8)  # empty targets
        with self.assertRaises(ValueError):
            mk(8, 2, float("nan"), "zf", 10.0, 0.01, "none", [], 10.0, 8)
        with self.assertRaises(ValueError):
            mk(8, 2, 1.0, "mmse", 10.0, 0.01, "none", [], 10.0, 8)
        with self.assertRaises(ValueError):
            mk(8, 2, 1.0, "zf", 10.0, 0.01, "beampattern", [95.0], 10.0, 8)
        with self.assertRaises(ValueError):
            mk(8, 2, 1.0, "zf", 10.0, 0.01, "none", [], 10.0, 8, comm_power=2.0)  # P_c > P_t
        with self.assertRaises(ValueError):
            mk(8, 2, 1.0, "zf", 10.0, 0.01, "isl", [], 10.0, 1)
        blk = mk(8, 2, 1.0, "zf", 10.0, 0.01, "beampattern", [0.0], 10.0, 8)
        with self.assertRaises(ValueError):
            blk.set_channel(np.ones((3, 8), dtype=complex))
        with self.assertRaises(ValueError):
            blk.set_channel(np.full((2, 8), np.nan, dtype=complex))
        with self.assertRaises(ValueError):
            blk.set_targets_deg([])

    def test_008_lobes_at_targets_and_pslr(self):
        N, K = 20, 4
        H = rayleigh(self.rng, K, N)
        d = isac.core.nullspace_design(H, 1.0, "zf", 10.0, 0.01, "beampattern", [-30.0, 20.0], 10.0, 32)
        self.assertTrue(d.ok)
        R = d.F @ d.F.conj().T + d.P @ d.B @ d.B.conj().T @ d.P.conj().T / d.frame_len
        grid = np.arange(-90, 90.01, 0.5)
        pat = np.array([np.real(steer(N, t).conj() @ R @ steer(N, t)) for t in grid])
        np.testing.assert_allclose(pat, d.beampattern(list(grid)), rtol=1e-9)
        at = dict(zip(np.round(grid, 1), pat))
        for t in (-30.0, 20.0):  # a sign error in the steering would swap these
            self.assertGreater(at[t], 5 * at[-t])
        side = np.all([np.abs(grid - t) > 7 for t in (-30, 20)], axis=0)
        main = np.any([np.abs(grid - t) <= 5 for t in (-30, 20)], axis=0)
        pslr = 10 * np.log10(pat[side].max() / pat[main].max())
        self.assertAlmostEqual(pslr, d.pslr_db, delta=1e-9)
        self.assertLess(d.pslr_db, -5.0)

    def test_009_beam_count_helper(self):
        c = isac.core
        self.assertEqual([c.sensing_beams(K, "gains_aoa", 1, cancellation=False) for K in range(5)],
                         [2, 1, 0, 0, 0])
        self.assertEqual(c.beam_count_bound(3, 4, True)["total"], 5)
        self.assertEqual(c.sensing_beams(4, "beampattern", 1, 20), 6)
        H = rayleigh(self.rng, 4, 20)
        d = c.nullspace_design(H, 1.0, "zf", 10.0, 0.01, "beampattern", [-40, 0, 40], 10, 32,
                               sensing_beams=-1, max_iter=3)
        full = c.nullspace_design(H, 1.0, "zf", 10.0, 0.01, "beampattern", [-40, 0, 40], 10, 32,
                                  max_iter=3)
        self.assertLessEqual(np.linalg.matrix_rank(d.B, tol=1e-9 * np.linalg.norm(d.B)), 6)
        np.testing.assert_allclose(d.pattern, full.pattern, rtol=1e-9, atol=1e-12)

    def test_010_csi_port_in_running_flowgraph(self):
        # The real message port: the flowgraph runs until the posted channel has
        # been designed (condition wait, no sleep), then stops. Nothing leaves the
        # block before its first design (never a zero frame): whatever was
        # streamed starts with the design's tag at item 0 and is F s + P B.
        N, K, L = 8, 2, 4
        H = rayleigh(self.rng, K, N)
        blk = self.make(N, K, L=L, grid_step_deg=2.0)
        s = qpsk(self.rng, 64, K)
        src = blocks.vector_source_c(s.ravel().tolist(), True, K)
        snk = blocks.vector_sink_c(N)
        self.tb.connect(src, blk, snk)
        self.tb.start()
        blk.to_basic_block()._post(pmt.intern("csi"), csi_msg(H))
        ok = blk.wait_designs(1, 60.0)
        self.tb.stop()
        self.tb.wait()
        self.assertTrue(ok)
        d = blk.last_design()
        np.testing.assert_allclose(d.H, H.astype(np.complex64), rtol=0, atol=1e-7)
        x = np.array(snk.data(), dtype=np.complex128).reshape(-1, N)
        tags = snk.tags()
        start = 0
        if len(x):
            self.assertEqual(tags[0].offset, 0)
            self.assertEqual(pmt.to_uint64(tags[0].value), 1)
        else:
            self.assertEqual(len(tags), 0)  # stopped before the first design was picked up
        n = np.arange(start, len(x))
        if len(n):
            ref = s[n % 64].astype(np.complex128) @ d.F.T + (d.P @ d.B)[:, n % L].T
            np.testing.assert_allclose(x[n], ref, atol=2e-6 * np.abs(ref).max())

    def test_011_rank_deficient_channel_reported(self):
        N, K = 8, 3
        H = rayleigh(self.rng, K, N)
        H[2] = 0.5 * H[0] - 2.0 * H[1]  # numerical rank 2
        blk = self.make(N, K, comm="mrt", comm_power=0.3)
        dbg = blocks.message_debug()
        self.tb.msg_connect(blk, "stats", dbg, "store")
        blk.set_channel(H)
        self.assertTrue(blk.wait_designs(1, 30.0))
        self.run_block(blk, qpsk(self.rng, 16, K), N, K)
        st = dbg.get_message(0)
        self.assertTrue(pmt.to_bool(pmt.dict_ref(st, pmt.intern("rank_deficient"), pmt.PMT_NIL)))
        self.assertEqual(pmt.to_long(pmt.dict_ref(st, pmt.intern("rank"), pmt.PMT_NIL)), 2)
        d = blk.design()
        self.assertEqual(d.P.shape, (N, N - 2))
        self.assertIn("rank-deficient", d.message)
        PB = d.P @ d.B
        self.assertLessEqual(np.linalg.norm(H @ PB) / np.linalg.norm(PB), 1e-12)

    def test_012_known_symbols_mode(self):
        # null-space paper's deterministic form: the design uses the frame's symbols S
        N, K, L = 12, 2, 16
        H = rayleigh(self.rng, K, N)
        S = qpsk(self.rng, L, K).T.astype(np.complex128)
        d = isac.core.nullspace_design(H, 1.0, "zf", 5.0, 0.01, "beampattern", [-20.0, 30.0], 10.0, L,
                                       symbols=S, max_iter=60)
        self.assertTrue(d.ok)
        self.assertTrue(np.all(np.diff(d.cost_history) <= 1e-12 * np.abs(d.cost_history[:-1])))
        X = d.F @ S + d.P @ d.B
        grid = np.arange(-90, 90.01, 1.0)
        A = np.stack([steer(N, t) for t in grid], axis=1)
        ref = np.sum(np.abs(X.conj().T @ A) ** 2, axis=0) / L
        np.testing.assert_allclose(d.beampattern(list(grid)), ref, rtol=1e-9)
        self.assertAlmostEqual(np.linalg.norm(d.B) ** 2, L * d.sensing_power, places=10)
        di = isac.core.nullspace_design(H, 1.0, "zf", 5.0, 0.01, "isl", [], 10.0, L, symbols=S, max_iter=60)
        self.assertTrue(di.ok)
        self.assertTrue(np.all(np.diff(di.cost_history) <= 0))
        Xi = di.F @ S + di.P @ di.B
        self.assertAlmostEqual(isac.core.isl(Xi, L - 1) / di.isl, 1.0, places=9)

    def test_014_work_budget_keeps_last_iterate(self):
        # max_seconds ends MM and RCG early: the last iterate is kept, on the sensing
        # power budget, with its cost history, and the message says where it stopped
        # (at these sizes 0.02 s is a fifth of MM's way to convergence or less)
        rng = np.random.default_rng(0)
        for sensing, method, N, K, L in (("beampattern", "MM", 32, 4, 64), ("isl", "ISL", 16, 2, 16)):
            H = rayleigh(rng, K, N)
            d = isac.core.nullspace_design(H, 10.0, "zf", 5.0, 1.0, sensing, [30.0], 10.0, L,
                                           max_iter=100000, tol=1e-300, max_seconds=0.02)
            self.assertTrue(d.ok)
            self.assertIn("%s stopped at the 0.02 s work budget after %d iterations (not converged). "
                          % (method, d.iterations), d.message)
            self.assertAlmostEqual(np.linalg.norm(d.B) ** 2 / L / (10.0 - d.comm_power), 1.0, places=9)
            if not d.cost_history:  # a loaded machine: the budget ended before the first cost
                self.assertEqual(d.iterations, 0)
                self.assertIn("ISL not evaluated within the work budget", d.message)
                continue
            self.assertEqual(len(d.cost_history), d.iterations + 1)
            self.assertEqual(d.cost, d.cost_history[-1])
            if sensing == "beampattern":
                # no CSI penalty: the objective is L g(B), g recomputed here from the
                # kept F, P, B (symbol-averaged pattern ||F^H a||^2 + ||B^H P^H a||^2 / L,
                # a_n = exp(j pi n sin theta): |.| does not depend on the sign or the
                # reference element) and the rectangular pattern of the null-space paper
                # (P_t M / M_main over the 10-degree beam)
                th = np.asarray(d.grid_deg)
                a = np.exp(1j * np.pi * np.outer(np.arange(N), np.sin(np.radians(th))))
                F, B, P = np.asarray(d.F), np.asarray(d.B), np.asarray(d.P)
                pat = (np.sum(np.abs(F.conj().T @ a) ** 2, axis=0)
                       + np.sum(np.abs(B.conj().T @ (P.conj().T @ a)) ** 2, axis=0) / L)
                main = np.abs(th - 30.0) <= 5.0 + 1e-9
                want = np.where(main, 10.0 * th.size / np.count_nonzero(main), 0.0)
                g = np.sum((np.sqrt(pat) - np.sqrt(want)) ** 2)
                self.assertAlmostEqual(d.cost / (L * g), 1.0, places=9)

    def test_013_closed_loop_with_isac_channel(self):
        # The channel simulator's csi message drives the design; the users'
        # outputs then carry H F s only (no sensing) from the first item on: the
        # precoder holds its input back until the design exists.
        N, K, L = 8, 2, 8
        ch = isac.isac_channel(N, K, 4, "rayleigh", [], [0.0], 10.0, 0, 7, clutter_deg=[],
                               cnr_db=[], cpi_len=1)  # static H, no user noise
        H = np.array(ch.channel()).reshape(K, N)
        blk = self.make(N, K, L=L, grid_step_deg=2.0)
        s = qpsk(self.rng, 1024, K)
        src = blocks.vector_source_c(s.ravel().tolist(), True, K)
        head = blocks.head(gr.sizeof_gr_complex * K, 200000)
        ysnk = blocks.vector_sink_c(K)
        self.tb.connect(src, head, blk, ch)
        self.tb.connect((ch, 0), ysnk)
        self.tb.connect((ch, 1), blocks.null_sink(gr.sizeof_gr_complex * 4))
        self.tb.msg_connect(ch, "csi", blk, "csi")
        self.tb.start()
        ok = blk.wait_designs(1, 60.0)
        self.tb.wait()
        self.assertTrue(ok)
        d = blk.last_design()
        np.testing.assert_allclose(d.H, H, rtol=0, atol=1e-7)
        y = np.array(ysnk.data(), dtype=np.complex128).reshape(-1, K)
        self.assertEqual(len(y), 200000)
        self.assertTrue(np.all(np.any(y != 0, axis=1)))
        n = np.arange(len(y))
        if len(n):
            ref = (s[n % 1024].astype(np.complex128) @ d.F.T) @ H.T
            np.testing.assert_allclose(y[n], ref, atol=1e-5 * np.abs(ref).max())


    def test_014_short_input_waits_for_a_slow_design(self):
        # A finite input that ends at once (it fits in the buffer) used to be
        # dropped 0.5 s after its end even while the first design was running:
        # nothing came out and the design finished later. A running design now
        # extends that grace (bounded by input_end_grace's 60 s).
        N, K, L = 160, 4, 32
        blk = isac.nullspace_precoder(N, K, 1.0, "minpower", 10.0, 0.01, "beampattern", [-41.0, 23.0], 10.0, L,
                                      max_iter=200)
        s = qpsk(self.rng, 5 * L, K)
        src = blocks.vector_source_c(s.ravel().tolist(), False, K)
        snk = blocks.vector_sink_c(N)
        self.tb.connect(src, blk, snk)
        self.tb.msg_connect(isac.los_csi_source(N, [-60.0, -20.0, 10.0, 50.0], 1.0), "csi", blk, "csi")
        t0 = time.monotonic()
        self.tb.run()
        ran = time.monotonic() - t0
        d = blk.last_design()  # finished before the flowgraph ended
        self.assertTrue(d.ok, d.message)
        if d.design_time_s < 0.6:
            self.skipTest("the design took %.2f s, within the 0.5 s grace anyway" % d.design_time_s)
        self.assertGreater(ran, d.design_time_s)
        x = np.array(snk.data(), dtype=np.complex128).reshape(-1, N)
        self.assertEqual(len(x), 5 * L)
        self.assertTrue(np.all(np.any(x != 0, axis=1)))
        # the users see H F s only (the sensing part lies in H's null space)
        H, F = np.asarray(d.H), np.asarray(d.F)
        ref = s.astype(np.complex128) @ (H @ F).T
        np.testing.assert_allclose(x @ H.T, ref, atol=1e-4 * np.abs(ref).max())

if __name__ == '__main__':
    gr_unittest.run(qa_nullspace_precoder)
