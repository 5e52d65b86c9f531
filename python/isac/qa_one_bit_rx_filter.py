#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""one_bit_rx_filter against a dense numpy reference (M built and solved
explicitly, steering from the closed form of the steering conventions of docs/conventions.md) and against the 1-bit ISAC paper
theory with Monte-Carlo tolerances derived from the trial counts."""

import io
import itertools
import threading
import time
import types

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio import isac
from gnuradio.isac import rx_calibration as rc
from gnuradio.isac.metrics import binomial_halfwidth
from gnuradio.isac.util import assert_same

C = isac.core


def steer(n, deg):
    """1-bit ISAC paper g(theta) (the steering conventions of docs/conventions.md), unit norm, first-element reference."""
    return np.exp(-1j * np.pi * np.arange(n) * np.sin(np.deg2rad(deg))) / np.sqrt(n)


def dense_reference(r, x, target, clutter, cnr_db, adc, pfa, noise_var):
    """z = u^H r and |z|/kappa per snapshot with an explicit N_R x N_R M (1-bit ISAC paper eq. (13)-(16), eq. (24)-(25))."""
    nr, nt = r.shape[1], x.shape[1]
    cnr = 10 ** (np.asarray(cnr_db, float) / 10)
    w = (2 / np.pi) * cnr if adc == "1bit" else cnr
    g0r, g0t = steer(nr, target), steer(nt, target)
    gr_ = [steer(nr, t) for t in clutter]
    gt_ = [steer(nt, t) for t in clutter]
    z, s = [], []
    for rl, xl in zip(r.astype(complex), x.astype(complex)):
        c0 = g0t @ xl
        cq = [g @ xl for g in gt_]
        M = np.eye(nr, dtype=complex)
        for wq, c, g in zip(w, cq, gr_):
            M += wq * abs(c) ** 2 * np.outer(g, g.conj())
        v = np.linalg.solve(M, g0r)
        u = v / (np.conj(c0) * (g0r.conj() @ v))
        zl = u.conj() @ rl
        clut = sum(cn * abs(c) ** 2 * abs(u.conj() @ g) ** 2 for cn, c, g in zip(cnr, cq, gr_))
        var = 2 * np.linalg.norm(u) ** 2 + 4 / np.pi * clut if adc == "1bit" else \
            noise_var * (np.linalg.norm(u) ** 2 + clut)
        z.append(zl)
        s.append(abs(zl) / np.sqrt(-var * np.log(pfa)))
    return np.array(z), np.array(s)


def weak_table(nt, target, rng, n_strong=12, n_weak=4):
    """A 1-bit DAC lookup table with a few weak entries: the n_strong 1-bit vectors (of
    4000 drawn) that light the target most and n_weak with |c_0|^2 of a few 1e-3
    (docs/ota_measurements.md, random scenes: a CPI's Pd follows its most weakly lit snapshot)."""
    cand = ((rng.integers(0, 2, (4000, nt)) * 2 - 1) + 1j * (rng.integers(0, 2, (4000, nt)) * 2 - 1)) / np.sqrt(2 * nt)
    o = np.argsort(np.abs(cand @ steer(nt, target)) ** 2)
    return np.concatenate([cand[o[-n_strong:]], cand[o[40:40 + 40 * n_weak:40]]])


def weighted_cpi_reference(tab, target, clutter, snr_db, cnr_db, adc, pfa, L, T, rng, weights):
    """Pd of the coherent CPI detector Z = sum_l w_l z_l, |Z|^2 >= -V ln Pfa, in numpy
    alone (dense u_l per table row as dense_reference, Theorem 1's variance with the
    weights carried by the filters w_l u_l: V = k_n sum w_l^2 ||u_l||^2 + sum_q w'_q
    |sum_l w_l c_ql u_l^H g_q|^2), on T CPIs of L vectors drawn from tab, Swerling-I
    target and clutter per CPI, sigma_R^2 = 1. weights: "equal" or "inverse_variance"
    (w_l = 1/V_l, the snapshot's own variance)."""
    nr, nt = 16, tab.shape[1]
    cnr = 10 ** (np.asarray(cnr_db, float) / 10)
    wq = (2 / np.pi) * cnr if adc == "1bit" else cnr
    g0r, g0t = steer(nr, target), steer(nt, target)
    grq = np.array([steer(nr, t) for t in clutter])
    gtq = np.array([steer(nt, t) for t in clutter])
    us, n2, lk = [], [], []
    for x in tab:
        c0, cq = g0t @ x, gtq @ x
        M = np.eye(nr, dtype=complex)
        for w_, c, g in zip(wq, cq, grq):
            M += w_ * abs(c) ** 2 * np.outer(g, g.conj())
        v = np.linalg.solve(M, g0r)
        u = v / (np.conj(c0) * (g0r.conj() @ v))
        us.append(u)
        n2.append(np.linalg.norm(u) ** 2)
        lk.append(cq * (grq.conj() @ u).conj())  # c_q u^H g_q
    us, n2, lk = np.array(us), np.array(n2), np.array(lk)
    kn, kq = (2.0, 4 / np.pi * cnr) if adc == "1bit" else (1.0, cnr)
    Vl = kn * n2 + (kq * np.abs(lk) ** 2).sum(1)
    wl = 1 / Vl if weights == "inverse_variance" else np.ones(len(tab))
    idx = rng.integers(0, len(tab), (T, L))
    zeta2 = np.concatenate([[10 ** (snr_db / 10)], cnr])
    gam = (rng.standard_normal((T, zeta2.size)) + 1j * rng.standard_normal((T, zeta2.size))) * np.sqrt(zeta2 / 2)
    c = np.concatenate([(tab @ g0t)[:, None], tab @ gtq.T], axis=1)[idx]  # (T, L, Q+1)
    G = np.concatenate([g0r[None], grq])  # (Q+1, nr)
    r = np.einsum("tlq,tq,qn->tln", c, gam, G)
    r += (rng.standard_normal(r.shape) + 1j * rng.standard_normal(r.shape)) / np.sqrt(2)
    if adc == "1bit":
        r = np.where(r.real < 0, -1.0, 1.0) + 1j * np.where(r.imag < 0, -1.0, 1.0)
    z = np.einsum("tln,tln->tl", us[idx].conj(), r)
    w = wl[idx]
    Z = (w * z).sum(1)
    V = kn * (w ** 2 * n2[idx]).sum(1) + (kq * np.abs((w[:, :, None] * lk[idx]).sum(1)) ** 2).sum(1)
    return float(np.mean(np.abs(Z) ** 2 >= -V * np.log(pfa)))



def random_scene_cpi_pfa(rng, nr, L, cnr, T, pfa):
    """A random asymmetric scene (no +-theta pair, no patch on the target; N_T 8, CNRs
    cnr +- 3 dB) and the measured Pfa of T mixed-x CPIs of L (a table of 16 random
    1-bit x, Swerling-I clutter) through the kernel and cpi_statistics at the set pfa:
    (target, clutter angles, CNRs in dB, Pfa)."""
    tgt = rng.uniform(-60, 60)
    while True:
        clut = rng.uniform(-80, 80, 2)
        if min(abs(clut - tgt)) >= 8 and abs(clut[0] - clut[1]) >= 8 and abs(clut[0] + clut[1]) >= 3:
            break
    cnr_db = cnr + rng.uniform(-3, 3, 2)
    # radar_scene takes degrees and dB
    sc = C.radar_scene(8, nr, tgt, list(clut), 10.0, list(cnr_db))
    tab = (rng.choice([-1.0, 1.0], (16, 8)) + 1j * rng.choice([-1.0, 1.0], (16, 8))) / 4.0
    x = tab[rng.integers(0, 16, T * L)].astype(np.complex64)
    r = rc.simulate_echo(sc, x, [0.0] + list(10 ** (cnr_db / 10)), 1.0, rng, target=False, cpi_len=L)
    f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L)
    z, _, status, terms = f.process(rc.one_bit_adc(r), x, True)
    _, st = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, status)
    return tgt, clut, cnr_db, float(np.mean(np.asarray(st) >= 1.0))


def headless_stand_in(det, radar_cpi, pfa):
    """What summary.print_ota_headless reads of a headless OTA flowgraph: the meter
    under test; the other rows' blocks (their own counts) count nothing here."""
    none = types.SimpleNamespace(valid_estimates=lambda: 0, delay=lambda: 0.0, estimates=lambda: 0,
                                 posts=lambda: 0)
    return types.SimpleNamespace(n_users=0, det=det, radar_cpi=radar_cpi, pfa=pfa, loop_est=none,
                                 cal_est=none, txcal_est=none, feedback=none)


def cpi_ends_ref(n, starts, L):
    """The CPI ends of n items whose CPIs start at 0 and at each item of starts:
    s + m L - 1 (m >= 1) before the next start (a partial CPI is dropped)."""
    bounds = sorted(set([0] + [int(s) for s in starts])) + [n]
    return np.array([e for a, b in zip(bounds, bounds[1:]) for e in range(a + L - 1, b, L)], dtype=int)


def cpi_decimated_ref(st, ends, L):
    """cpi_decimator's output by brute force: of each group of L items, the CPI
    end in it, else its last item."""
    out = []
    for g in range(len(st) // L):
        inside = [e for e in ends if g * L <= e < (g + 1) * L]
        assert len(inside) <= 1
        out.append(st[inside[0] if inside else (g + 1) * L - 1])
    return np.array(out, dtype=np.float32)


class qa_one_bit_rx_filter(gr_unittest.TestCase):

    def setUp(self):
        self.tb = gr.top_block()
        self.rng = np.random.default_rng(2026)

    def tearDown(self):
        self.tb = None

    def run_block(self, blk, r, x, r_tags=(), adc_block=None):
        """r (and x) through blk on a new top block; adc_block (e.g. the 1-bit
        quantizer) between r and blk."""
        self.tb = gr.top_block()
        return self.run_block_keep(blk, r, x, r_tags, adc_block=adc_block)

    def cn(self, *shape):
        return self.rng.standard_normal(shape) + 1j * self.rng.standard_normal(shape)

    def test_001_matches_dense_reference_and_tags(self):
        nt, nr, n = 12, 10, 300
        target, clutter, cnr_db = 10.0, [-50.0, 30.0], [30.0, 25.0]
        for adc, pfa, nv in (("1bit", 0.2, 1.0), ("inf", 0.05, 0.5)):
            x = self.cn(n, nt)
            r = self.cn(n, nr)
            if adc == "1bit":
                r = rc.one_bit_adc(r)
            blk = isac.one_bit_rx_filter(nt, nr, target, clutter, 15.0, cnr_db, nv, pfa, adc, 1, 1.0, "theorem1")
            z, s, t0, t1 = self.run_block(blk, r, x)
            zr, sr = dense_reference(r, x, target, clutter, cnr_db, adc, pfa, nv)
            scale = np.abs(zr) + np.sqrt(np.mean(np.abs(zr) ** 2))
            np.testing.assert_array_less(np.abs(z - zr), 1e-4 * scale, err_msg=adc)
            np.testing.assert_allclose(s, sr, rtol=1e-4, atol=1e-5, err_msg=adc)
            det = np.flatnonzero(s >= 1)
            self.assertGreater(len(det), 10)
            self.assertLess(len(det), n - 10)
            for tags in (t0, t1):
                tagged = sorted(t.offset for t in tags if pmt.symbol_to_string(t.key) == "isac_detect")
                assert_same(tagged, det.tolist())
            val = {t.offset: pmt.to_double(t.value) for t in t1}
            for k in det[:5]:
                self.assertAlmostEqual(val[k], s[k], places=5)
            self.assertEqual(blk.detection_count(), len(det))

    def test_001b_tags_follow_their_stream(self):
        # out0 (z) carries the echo's tags (in0), out1 (stat) the transmit
        # vectors' tags (in1) except the precoder's isac_infeasible flags, each
        # once, at their item and with their value, over many work() calls;
        # isac_detect goes on both
        nt, nr, n = 6, 5, 700
        x = self.cn(n, nt)
        r = rc.one_bit_adc(self.cn(n, nr))

        def tag(offset, key):
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern(key), pmt.from_long(offset)
            return t
        r_tags = [tag(3, "echo_align"), tag(17, "echo_align"), tag(650, "isac_infeasible")]
        x_tags = [tag(5, "isac_frame"), tag(5, "isac_epoch"), tag(29, "isac_frame"), tag(29, "isac_mute"),
                  tag(441, "isac_frame")]
        x_tags += [tag(k, "isac_infeasible") for k in (0, 5, 77, 300, 699)]
        blk = isac.one_bit_rx_filter(nt, nr, 10.0, [-50.0], 15.0, [20.0], 1.0, 0.1, "1bit", 1, 1.0, "theorem1")
        blk.set_max_noutput_items(64)
        self.tb = gr.top_block()
        _, s, z_tags, s_tags = self.run_block_keep(blk, r, x, r_tags, x_tags)

        def keyed(tags):
            return sorted((t.offset, pmt.symbol_to_string(t.key), pmt.to_long(t.value)) for t in tags
                          if pmt.symbol_to_string(t.key) != "isac_detect")
        assert_same(keyed(z_tags), [(3, "echo_align", 3), (17, "echo_align", 17),
                                            (650, "isac_infeasible", 650)])
        assert_same(keyed(s_tags), [(5, "isac_epoch", 5), (5, "isac_frame", 5), (29, "isac_frame", 29),
                                            (29, "isac_mute", 29), (441, "isac_frame", 441)])
        det = np.flatnonzero(s >= 1).tolist()
        self.assertGreater(len(det), 0)
        for tags in (z_tags, s_tags):
            assert_same(sorted(t.offset for t in tags if pmt.symbol_to_string(t.key) == "isac_detect"), det)
            self.assertEqual({pmt.symbol_to_string(t.srcid) for t in tags
                              if pmt.symbol_to_string(t.key) == "isac_detect"}, {blk.alias()})
        # tag_detections = False: the same statistic and stream tags, no isac_detect
        blk2 = isac.one_bit_rx_filter(nt, nr, 10.0, [-50.0], 15.0, [20.0], 1.0, 0.1, "1bit", 1, 1.0, "theorem1",
                                      False)
        self.assertFalse(blk2.tag_detections())
        self.assertTrue(blk.tag_detections())
        blk2.set_max_noutput_items(64)
        self.tb = gr.top_block()
        _, s2, z_tags2, s_tags2 = self.run_block_keep(blk2, r, x, r_tags, x_tags)
        np.testing.assert_array_equal(s2, s)
        self.assertEqual(blk2.detection_count(), len(det))
        assert_same(keyed(z_tags2), keyed(z_tags))
        assert_same(keyed(s_tags2), keyed(s_tags))
        self.assertFalse([t for t in z_tags2 + s_tags2 if pmt.symbol_to_string(t.key) == "isac_detect"])

    def test_002_degenerate_and_nan(self):
        nt, nr = 16, 12
        blk = isac.one_bit_rx_filter(nt, nr, 0.0, [30.0], 10.0, [20.0], 1.0, 0.01, "1bit", 1, 1.0, "theorem1")
        dbg = blocks.message_debug()
        x = self.cn(8, nt)
        r = rc.one_bit_adc(self.cn(8, nr))
        x[1] = np.array([1, -1] * (nt // 2))      # sums to zero: orthogonal to broadside, c_0 = 0
        x[2] = 0                                  # x = 0
        r[3, 4] = complex(np.nan, 1.0)            # NaN sample in r
        x[4, 0] = complex(np.inf, 0.0)            # Inf sample in x
        r[5, :] = np.nan
        self.tb = gr.top_block()
        self.tb.msg_connect(blk, "stats", dbg, "store")
        z, s, _, _ = self.run_block_keep(blk, r, x)
        zr, sr = dense_reference(r[[0, 6, 7]], x[[0, 6, 7]], 0.0, [30.0], [20.0], "1bit", 0.01, 1.0)
        np.testing.assert_allclose(z[[0, 6, 7]], zr, rtol=1e-4)
        np.testing.assert_allclose(s[[0, 6, 7]], sr, rtol=1e-4)
        for k in (1, 2, 3, 4, 5):
            self.assertEqual(z[k], 0)
            self.assertEqual(s[k], -1 if k == 2 else 0)  # x = 0: no decision
        self.assertTrue(np.all(np.isfinite(z)) and np.all(np.isfinite(s)))
        self.assertEqual(blk.degenerate_count(), 2)
        self.assertEqual(blk.nan_count(), 3)
        last = dbg.get_message(dbg.num_messages() - 1)
        get = lambda k: pmt.to_uint64(pmt.dict_ref(last, pmt.intern(k), pmt.PMT_NIL))
        self.assertEqual((get("degenerate_count"), get("nan_count"), get("items")), (2, 3, 8))

    def run_block_keep(self, blk, r, x, r_tags=(), x_tags=(), adc_block=None):
        """run_block on the current top block (keeps its message connections)."""
        nr, nt = r.shape[1], x.shape[1]
        s0 = blocks.vector_source_c(r.astype(np.complex64).ravel(), False, nr, list(r_tags))
        s1 = blocks.vector_source_c(x.astype(np.complex64).ravel(), False, nt, list(x_tags))
        k0, k1 = blocks.vector_sink_c(), blocks.vector_sink_f()
        if adc_block is not None:
            self.tb.connect(s0, adc_block)
            s0 = adc_block
        self.tb.connect(s0, (blk, 0))
        self.tb.connect(s1, (blk, 1))
        self.tb.connect((blk, 0), k0)
        self.tb.connect((blk, 1), k1)
        self.tb.run()
        return np.array(k0.data()), np.array(k1.data()), k0.tags(), k1.tags()

    def test_003_cpi_sum_threshold_and_cpi_tag(self):
        nt, nr, L, n = 8, 10, 4, 22
        target, clutter, cnr_db, pfa = -20.0, [40.0], [20.0], 0.05
        x = self.cn(n, nt)
        r = rc.one_bit_adc(self.cn(n, nr))
        # an isac_cpi tag at item 6 restarts the CPI there: CPIs [0,4), [6,10), ..., [18,22)
        tag = gr.tag_t()
        tag.offset, tag.key, tag.value = 6, pmt.intern("isac_cpi"), pmt.PMT_T
        blk = isac.one_bit_rx_filter(nt, nr, target, clutter, 10.0, cnr_db, 1.0, pfa, "1bit", L, 1.0, "theorem1")
        z, s, _, t1 = self.run_block(blk, r, x, [tag])
        zr, _ = dense_reference(r, x, target, clutter, cnr_db, "1bit", pfa, 1.0)
        np.testing.assert_allclose(z, zr, rtol=1e-4)
        ends = [3, 9, 13, 17, 21]
        self.assertTrue(np.all(s[np.setdiff1d(np.arange(n), ends)] == 0))
        # brute-force H0 variance of the sum: 2 sum||u||^2 + (4/pi) zeta^2 |sum c_1 u^H g_1|^2
        g0r, g0t, g1r, g1t = steer(nr, target), steer(nt, target), steer(nr, 40.0), steer(nt, 40.0)
        cnr = 10 ** 2.0
        for e in ends:
            idx = range(e - L + 1, e + 1)
            Z, n2, a = 0, 0, 0
            for l in idx:
                c0, c1 = g0t @ x[l], g1t @ x[l]
                M = np.eye(nr) + (2 / np.pi) * cnr * abs(c1) ** 2 * np.outer(g1r, g1r.conj())
                v = np.linalg.solve(M, g0r)
                u = v / (np.conj(c0) * (g0r.conj() @ v))
                Z += u.conj() @ r[l]
                n2 += np.linalg.norm(u) ** 2
                a += c1 * (u.conj() @ g1r)
            V = 2 * n2 + 4 / np.pi * cnr * abs(a) ** 2
            self.assertAlmostEqual(s[e], abs(Z) / np.sqrt(-V * np.log(pfa)), delta=1e-4 * s[e] + 1e-6)
        det = sorted(t.offset for t in t1 if pmt.symbol_to_string(t.key) == "isac_detect")
        assert_same(det, [e for e in ends if s[e] >= 1])

    def test_004_set_message_and_setters(self):
        nt, nr, n = 8, 8, 40
        blk = isac.one_bit_rx_filter(nt, nr, 0.0, [30.0], 10.0, [20.0], 1.0, 0.01, "1bit", 1, 1.0, "theorem1")
        good = pmt.make_dict()
        good = pmt.dict_add(good, pmt.intern("target_deg"), pmt.from_double(-15.0))
        good = pmt.dict_add(good, pmt.intern("clutter_deg"), pmt.init_f64vector(2, [45.0, -60.0]))
        good = pmt.dict_add(good, pmt.intern("cnr_db"), pmt.from_double(25.0))
        good = pmt.dict_add(good, pmt.intern("pfa"), pmt.from_double(0.1))
        bads = [pmt.intern("not a dict"),
                pmt.dict_add(pmt.make_dict(), pmt.intern("pfa"), pmt.intern("abc")),
                pmt.dict_add(pmt.make_dict(), pmt.intern("pfa"), pmt.from_double(1.5)),
                pmt.dict_add(pmt.make_dict(), pmt.intern("target_deg"), pmt.from_double(float("nan"))),
                pmt.dict_add(pmt.make_dict(), pmt.intern("cnr_db"), pmt.init_f64vector(3, [1.0, 2.0, 3.0])),
                pmt.dict_add(pmt.make_dict(), pmt.intern("unknown"), pmt.from_double(1.0))]
        # messages posted before start are handled before the first work() call
        for m in [good] + bads:
            blk._post(pmt.intern("set"), m)
        x, r = self.cn(n, nt), rc.one_bit_adc(self.cn(n, nr))
        z, s, _, _ = self.run_block(blk, r, x)
        self.assertEqual(blk.target_deg(), -15.0)
        self.assertEqual(list(blk.clutter_deg()), [45.0, -60.0])
        self.assertEqual(list(blk.cnr_db()), [25.0])
        self.assertEqual(blk.pfa(), 0.1)
        zr, sr = dense_reference(r, x, -15.0, [45.0, -60.0], [25.0, 25.0], "1bit", 0.1, 1.0)
        np.testing.assert_allclose(z, zr, rtol=1e-4)
        np.testing.assert_allclose(s, sr, rtol=1e-4)
        # setters, including a rejected one that keeps the last good state
        blk.set_clutter([20.0], [10.0])
        blk.set_snr_r_db(3.0)
        blk.set_radar_noise_var(2.0)
        blk.set_threshold_scale(2.0)
        with self.assertRaises(ValueError):
            blk.set_pfa(0.0)
        with self.assertRaises(ValueError):
            blk.set_clutter_deg([1.0, 2.0, 3.0, 4.0])  # 4 angles, 1 cnr: broadcast is fine
            blk.set_cnr_db([1.0, 2.0])                 # 2 cnrs for 4 angles: rejected
        self.assertEqual(list(blk.cnr_db()), [10.0])
        blk.set_clutter([20.0], [10.0])
        self.assertEqual(blk.pfa(), 0.1)
        z, s, _, _ = self.run_block(blk, r, x)
        zr, sr = dense_reference(r, x, -15.0, [20.0], [10.0], "1bit", 0.1, 1.0)
        np.testing.assert_allclose(s, sr / 2.0, rtol=1e-4)
        # expected_metric is radar_scene's QSCNR
        sc = C.radar_scene(nt, nr, -15.0, [20.0], 3.0, [10.0])
        x0 = x[0].astype(np.complex64)
        self.assertAlmostEqual(blk.expected_metric(list(x0)), sc.metric(x0.astype(complex)), places=9)

    def test_004b_setters_during_run(self):
        # set_pfa from another thread while the flowgraph runs: every snapshot is
        # computed with one whole configuration (stat matches Pfa 1e-2 or 1e-1 exactly).
        # The run lasts until n snapshots have been computed after the setter
        # thread's first flips, so both values meet running work() calls however
        # the threads are scheduled (a fixed-length run could end before a loaded
        # machine started the thread).
        nt, nr, n = 16, 16, 60000
        x = self.cn(256, nt)
        r = rc.one_bit_adc(self.cn(256, nr))
        blk = isac.one_bit_rx_filter(nt, nr, 10.0, [-50.0, 30.0], 10.0, [30.0], 1.0, 1e-2, "1bit", 1, 1.0,
                                     "theorem1")
        self.tb = gr.top_block()
        s0 = blocks.vector_source_c(r.astype(np.complex64).ravel(), True, nr)
        s1 = blocks.vector_source_c(x.astype(np.complex64).ravel(), True, nt)
        k1 = blocks.vector_sink_f()
        self.tb.connect(s0, (blk, 0))
        self.tb.connect(s1, (blk, 1))
        self.tb.connect((blk, 0), blocks.null_sink(gr.sizeof_gr_complex))
        self.tb.connect((blk, 1), k1)
        stop = threading.Event()
        flipping = threading.Event()

        def flip():
            k = 0
            while not stop.is_set():
                blk.set_pfa(1e-1 if k % 2 else 1e-2)
                k += 1
                if k == 4:
                    flipping.set()
        t = threading.Thread(target=flip)
        self.tb.start()
        t.start()
        self.assertTrue(flipping.wait(60))
        first = blk.nitems_written(1)
        deadline = time.monotonic() + 120
        # the sink's count, not the block's: stop() can end the sink's thread before
        # it reads what the block last wrote
        while k1.nitems_read(0) < first + n and time.monotonic() < deadline:
            time.sleep(0.01)
        stop.set()
        t.join()
        self.tb.stop()
        self.tb.wait()
        s = np.array(k1.data())
        self.assertGreaterEqual(len(s), first + n)
        _, ref = dense_reference(r, x, 10.0, [-50.0, 30.0], [30.0, 30.0], "1bit", 1e-2, 1.0)
        ref = np.tile(ref, len(s) // 256 + 1)[:len(s)]
        ref_b = ref * np.sqrt(np.log(1e-2) / np.log(1e-1))
        ok_a = np.isclose(s, ref, rtol=1e-4)
        ok_b = np.isclose(s, ref_b, rtol=1e-4)
        self.assertTrue(np.all(ok_a | ok_b))
        self.assertGreater(np.sum(ok_b[first:] & ~ok_a[first:]), 0)  # the setter took effect during the run

    def test_005_bad_parameters_raise(self):
        ok = dict(n_tx=4, n_rx=8, target_deg=0.0, clutter_deg=[30.0], snr_r_db=10.0,
                  cnr_db=[20.0], radar_noise_var=1.0, pfa=0.01, adc="1bit")
        isac.one_bit_rx_filter(**ok)  # the baseline itself is valid
        for key, val in (("n_tx", 0), ("n_rx", -1), ("target_deg", 91.0),
                         ("target_deg", float("nan")), ("clutter_deg", [200.0]),
                         ("snr_r_db", float("inf")), ("cnr_db", [1.0, 2.0]),
                         ("cnr_db", [float("nan")]), ("radar_noise_var", 0.0),
                         ("pfa", 0.0), ("pfa", 1.0), ("adc", "2bit"),
                         ("cpi_len", 0), ("threshold_scale", -1.0), ("cpi_weights", "inverse")):
            args = dict(ok)
            args[key] = val
            with self.assertRaises(ValueError, msg=f"{key}={val}") as cm:
                isac.one_bit_rx_filter(**args)
            self.assertIn(key.split("_deg")[0], str(cm.exception))

    # ---- validation against the 1-bit ISAC paper theory (Theorem 1, eq. (13)-(16), simulation set-up) ----

    def test_006_quantizer_statistics(self):
        # E[r~] = (2/sqrt(pi sigma^2)) r and Cov = 2I at per-antenna SNR -20 dB (1-bit ISAC paper Theorem 1, simulation set-up)
        nr, trials, sigma2, chunk = 256, 80000, 2.0, 4000
        r = self.cn(nr) * np.sqrt(sigma2 * 0.01 / 2)  # |r_n|^2/sigma^2 ~ 0.01
        acc = np.zeros(nr, complex)
        cov = np.zeros((nr, nr), complex)
        for _ in range(trials // chunk):
            n = (self.rng.standard_normal((chunk, nr), np.float32) +
                 1j * self.rng.standard_normal((chunk, nr), np.float32)) * np.float32(np.sqrt(sigma2 / 2))
            rt = rc.one_bit_adc(r.astype(np.complex64) + n)
            acc += rt.sum(0)
            cov += rt.T @ rt.conj()
        mean = acc / trials
        k_th = 2 / np.sqrt(np.pi * sigma2)
        # least-squares slope of the sample mean on r: Var(Re, Im r~_n) ~ 1 gives
        # std(k) = 1/(sqrt(trials) ||r||); the erf curvature biases k by E[x^4]/(3E[x^2])
        # = 0.5 % at x = Re r_n/sigma ~ N(0, 0.005)
        k = np.real(np.vdot(r, mean)) / np.vdot(r, r).real
        k_std = 1 / np.sqrt(trials * np.vdot(r, r).real)
        self.assertLess(4 * k_std / k_th, 0.01)
        self.assertLess(abs(k / k_th - 1), 4 * k_std / k_th + 0.006)
        print(f"\nquantizer: E[r~]/r slope / (2/sqrt(pi sigma^2)) - 1 = {k / k_th - 1:+.4f} "
              f"(4 sigma {4 * k_std / k_th:.4f})")
        cov = cov / trials - np.outer(mean, mean.conj())
        # Cov = 2I up to the O(per-antenna SNR) term |E r~_n|^2 that Theorem 1 neglects
        np.testing.assert_array_less(np.abs(np.diag(cov) - 2.0), 1.1 * k_th ** 2 * np.abs(r) ** 2 + 0.01)
        self.assertLess(abs(np.mean(np.diag(cov).real) - 2.0), 0.02)
        print(f"quantizer: mean diag Cov = {np.mean(np.diag(cov).real):.4f}, "
              f"max |offdiag| = {np.max(np.abs(cov[~np.eye(nr, dtype=bool)])):.4f}")
        off = cov[~np.eye(nr, dtype=bool)]
        self.assertLess(np.max(np.abs(off)), 5 * 2 / np.sqrt(trials))

    def test_006b_filter_output_given_gamma(self):
        # eq. 11: z | H1, gamma ~ CN((2/sqrt(pi sigma^2)) u^H r_1, 2||u||^2); with the
        # distortionless u (u^H G_0 x = 1) the mean is (2/sqrt(pi sigma^2)) gamma_0.
        # Per-antenna SNR |gamma_0 c_0|^2/(N_R sigma^2) = -20 dB, fixed gamma_0, T trials.
        nt, nr, T, sigma2 = 64, 128, 20000, 2.0
        x = rc.one_bit_adc(np.conj(steer(nt, 10.0))) * np.sqrt(1 / (2 * nt))
        c0 = steer(nt, 10.0) @ x
        gamma0 = np.sqrt(0.01 * nr * sigma2) / abs(c0) * np.exp(0.7j)
        r = gamma0 * c0 * steer(nr, 10.0) + self.cn(T, nr) * np.sqrt(sigma2 / 2)
        blk = isac.one_bit_rx_filter(nt, nr, 10.0, [], 0.0, [], sigma2, 1e-2, "1bit")
        z, _, _, _ = self.run_block(blk, r, np.tile(x, (T, 1)), adc_block=isac.one_bit_quantizer(nr, "adc"))
        u2 = 1 / abs(c0) ** 2  # clutter-free: u = g_R0 / c_0^*
        mean_th = 2 / np.sqrt(np.pi * sigma2) * gamma0
        sd = np.sqrt(2 * u2 / T)
        # 4 sigma of the sample mean + the erf curvature (x^2/3 = 0.2 % at this SNR) + 0.3 %
        self.assertLess(abs(np.mean(z) - mean_th), 4 * sd + 0.005 * abs(mean_th))
        var = np.var(z)
        self.assertLess(abs(var / (2 * u2) - 1), 4 * np.sqrt(1 / T) + 0.02)
        print(f"\neq. 11: E[z]/((2/sqrt(pi sigma^2)) gamma_0) = {np.mean(z) / mean_th:.4f}, "
              f"Var z/(2||u||^2) = {var / (2 * u2):.4f}")

    def mc_run(self, nr, snr_db, trials, adc, seed, cnr_db=30.0, pfa=1e-2, block=True, threshold="theorem1"):
        """H0 and H1 runs at the 1-bit ISAC paper geometry (N_T = 128, theta_0 = 10, clutter
        -50/30 deg) with x the 1-bit DAC beam towards theta_0, through the block or
        (block=False, for the long runs) through its kernel isac.core.rx_filter,
        which test_001/test_009 tie to the block. The paper's checks use its
        threshold (Theorem 1, eq. 15)."""
        nt = 128
        sc = C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], snr_db, [cnr_db, cnr_db])
        x = rc.one_bit_adc(np.conj(steer(nt, 10.0))) * np.sqrt(1 / (2 * nt))
        X = np.tile(x, (trials, 1))
        zeta2 = [10 ** (snr_db / 10), 10 ** (cnr_db / 10), 10 ** (cnr_db / 10)]
        rng = np.random.default_rng(seed)
        out = {}
        for h in (0, 1):
            r = rc.simulate_echo(sc, X, zeta2, 1.0, rng, target=bool(h))
            m = C.adc_model.one_bit if adc == "1bit" else C.adc_model.ideal
            if block:
                # the real receive chain: raw echo -> 1-bit quantizer (adc) -> filter
                blk = isac.one_bit_rx_filter(nt, nr, 10.0, [-50.0, 30.0], snr_db, [cnr_db], 1.0, pfa, adc, 1, 1.0,
                                             threshold)
                q = isac.one_bit_quantizer(nr, "adc") if adc == "1bit" else None
                z, s, _, _ = self.run_block(blk, r, X, adc_block=q)
            else:
                r = rc.one_bit_adc(r) if adc == "1bit" else r
                thr = getattr(C.threshold_model, threshold)
                z, s, _ = C.rx_filter(sc, m, pfa, 1.0, thr).process(r.astype(np.complex64), X.astype(np.complex64))
            out[h] = (z, s)
        return out, sc.metric(x, m)

    @staticmethod
    def mc_metric(z0, z1):
        """1-bit ISAC paper eq. (13)-(16) estimator and its delta-method standard error (in dB)."""
        e0, e1 = np.mean(np.abs(z0) ** 2), np.mean(np.abs(z1) ** 2)
        q = (e1 - e0) / e0
        rel0 = np.std(np.abs(z0) ** 2) / e0 / np.sqrt(len(z0))
        rel1 = np.std(np.abs(z1) ** 2) / e1 / np.sqrt(len(z1))
        sq = (e1 / e0) * np.hypot(rel0, rel1)
        return 10 * np.log10(q), 10 / np.log(10) * sq / q

    def test_007_qscnr_mc_vs_theory_and_pfa_pd(self):
        # 1-bit ISAC paper Fig. 4a at N_R = 128: MC QSCNR within 0.4 dB of the TA; the gap
        # shrinks with N_R (N_R = 16 is worse). Same H0 data: Pfa; H1: Pd (eq. 16).
        T = 40000
        gaps = {}
        for nr in (16, 128):
            out, th = self.mc_run(nr, 10.0, T, "1bit", seed=nr, block=(nr == 128))
            mc, sd = self.mc_metric(out[0][0], out[1][0])
            gaps[nr] = 10 * np.log10(th) - mc
            print(f"\nN_R={nr}: QSCNR TA {10 * np.log10(th):.3f} dB, MC {mc:.3f} +- {sd:.3f} dB, gap {gaps[nr]:.3f} dB")
            self.assertLess(3 * sd, 0.15)
            if nr == 128:
                self.assertLess(abs(gaps[nr]), 0.4, f"TA {10*np.log10(th):.2f} dB MC {mc:.2f} dB")
                s0, s1 = out[0][1], out[1][1]
                pfa_hat = np.mean(s0 >= 1)
                self.assertLess(4 * np.sqrt(1e-2 * 0.99 / T), 0.2e-2)  # the check can resolve +-20 %
                self.assertLess(abs(pfa_hat - 1e-2), 0.2e-2, f"Pfa {pfa_hat}")
                print(f"N_R=128: empirical Pfa {pfa_hat:.5f} (nominal 0.01, {T} H0 runs)")
                # ROC from one run: kappa(Pfa) = kappa(1e-2) sqrt(ln Pfa / ln 1e-2)
                for pfa in (1e-3, 1e-2, 1e-1, 0.3):
                    thr = np.sqrt(np.log(pfa) / np.log(1e-2))
                    pd = np.mean(s1 >= thr)
                    pd_th = C.detection_probability(pfa, th)
                    sd_pd = np.sqrt(pd_th * (1 - pd_th) / T)
                    # TA is asymptotic; the 1-bit MC sits slightly below it (1-bit ISAC paper eq. (24)-(25))
                    self.assertLess(abs(pd - pd_th), 4 * sd_pd + 0.015, f"Pfa {pfa}: Pd {pd} vs {pd_th}")
                    print(f"  Pfa {pfa:g}: Pd MC {pd:.4f}, TA {pd_th:.4f} (binomial sd {sd_pd:.4f})")
        self.assertGreater(gaps[16], gaps[128])

    def test_008_one_bit_loss_1p96_db(self):
        # Insight 2: SCNR (ideal ADC) - QSCNR (1-bit) = 10 log10(pi/2) = 1.96 dB, in the
        # low per-antenna SNR regime of Theorem 1 (SNR_R = 5 dB, N_R = 128), both by MC.
        T = 80000
        mc = {}
        for adc in ("1bit", "inf"):
            out, th = self.mc_run(128, 5.0, T, adc, seed=7, block=False)
            mc[adc] = self.mc_metric(out[0][0], out[1][0])
            if adc == "inf":
                # the ideal ADC is exactly Gaussian: Pfa and MC SCNR at their sampling error
                pfa_hat = np.mean(out[0][1] >= 1)
                self.assertLess(abs(pfa_hat - 1e-2), 4 * np.sqrt(1e-2 * 0.99 / T))
                print(f"\nideal ADC: Pfa {pfa_hat:.5f}, SCNR MC {mc[adc][0]:.3f} vs TA {10 * np.log10(th):.3f} dB")
                self.assertLess(abs(mc[adc][0] - 10 * np.log10(th)), 4 * mc[adc][1])
        d = mc["inf"][0] - mc["1bit"][0]
        sd = np.hypot(mc["inf"][1], mc["1bit"][1])  # conservative: both runs share their draws
        self.assertLess(3 * sd, 0.15)
        self.assertLess(abs(d - 1.96), 0.2, f"loss {d:.3f} dB")
        print(f"\nSNR_R 5 dB, N_R 128: MC SCNR(inf) {mc['inf'][0]:.3f} dB, MC QSCNR(1bit) {mc['1bit'][0]:.3f} dB, "
              f"difference {d:.3f} dB (sd <= {sd:.3f})")

    def test_009_cpi_threshold_calibration(self):
        # Coherent CPI (L = 8, gammas constant over the CPI). Ideal ADC: the analytic
        # kappa_CPI gives the requested Pfa. 1-bit with strong per-antenna clutter
        # (random 1-bit x, CNR 30 dB): Theorem 1's threshold is conservative and
        # calibrate_threshold_scale restores the requested Pfa on fresh H0 data.
        nt = nr = 32
        L, T, pfa = 8, 50000, 1e-2
        sc = C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], 10.0, [30.0, 30.0])
        zeta2 = [10.0, 1e3, 1e3]
        X = rc.one_bit_adc(self.cn(64, nt)) * np.sqrt(1 / (2 * nt))
        tol = 4 * np.sqrt(pfa * (1 - pfa) / T)
        self.assertLess(tol, 0.2 * pfa)
        s = rc.h0_statistics(sc, C.adc_model.ideal, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(1))
        self.assertLess(abs(np.mean(s >= 1) - pfa), tol)
        print(f"\nCPI L={L}: ideal-ADC analytic Pfa {np.mean(s >= 1):.5f} (nominal {pfa})")
        t1 = C.threshold_model.theorem1
        scale = rc.calibrate_threshold_scale(sc, C.adc_model.one_bit, pfa, L, X, zeta2, trials=20000, seed=2,
                                             threshold=t1)
        s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(3),
                             threshold=t1)
        self.assertLess(np.mean(s >= 1), pfa / 2)  # analytic: conservative here
        print(f"\nCPI L={L}: 1-bit analytic Pfa {np.mean(s >= 1):.5f}, calibrated (scale {scale:.4f}) "
              f"{np.mean(s >= scale):.5f}")
        self.assertLess(abs(np.mean(s >= scale) - pfa), tol + 0.05 * pfa)  # + quantile error of the calibration
        # and the block applies the scale: its statistic is the kernel's divided by it
        blk = isac.one_bit_rx_filter(nt, nr, 10.0, [-50.0, 30.0], 10.0, [30.0], 1.0, pfa, "1bit", L, scale,
                                     "theorem1")
        r = rc.one_bit_adc(rc.simulate_echo(sc, np.tile(X, (1, 1)), zeta2, 1.0, self.rng, False, L))
        _, sb, _, _ = self.run_block(blk, r, X)
        z, sk, st, terms = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, t1, L).process(
            r, X.astype(np.complex64), True)
        _, S = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, terms, st, t1)
        np.testing.assert_allclose(sb[L - 1::L], S / scale, rtol=1e-4)


    # ---- the exact threshold (default): Pfa held when lit clutter saturates the ADC

    @staticmethod
    def lit_scene(nr, cnr_pa_db, snr_db=10.0, nt=64):
        """N_T = 64, target 10 deg, clutter -50/30 deg with equal patch powers, x the
        1-bit DAC beam towards the target; the CNRs give per-antenna clutter power
        CNR_pa = sum_q CNR_q |c_q|^2 / N_R (bench/bench_one_bit_pfa.py's family)."""
        x = rc.one_bit_adc(np.conj(steer(nt, 10.0))).astype(complex) / np.sqrt(2 * nt)
        c = C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], 0.0, [0.0, 0.0]).couplings(x)
        p = nr * 10 ** (cnr_pa_db / 10) / 2
        cnr_db = list(10 * np.log10(p / np.abs(c[1:]) ** 2))
        return C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], snr_db, cnr_db), x, cnr_db

    def quantised_echoes(self, sc, x, powers_db, n):
        """1-bit ADC output of n snapshots; powers_db: SNR_R (None: H0) and the CNRs."""
        c = sc.couplings(x)
        p = np.array([0.0 if v is None else 10 ** (v / 10) for v in powers_db]) * np.abs(c) ** 2
        a = self.cn(n, p.size) * np.sqrt(p / 2)
        return rc.one_bit_adc(a @ sc.gr.T + self.cn(n, sc.gr.shape[0]) * np.sqrt(0.5))

    def test_010_exact_threshold_holds_pfa(self):
        # N_R = 64 over CNR_pa from -20 to +10 dB: measured Pfa at a set 1e-2 within
        # 4 binomial sigmas + 10 % (the issue's bound is 25 %), at a set 1e-4 within x2;
        # Pd >= 0.9 x the oracle-threshold Pd of the same filter; the exact model's
        # predicted Pd within 0.03 of the measured one. Theorem 1 (eq. 15) collapses.
        nr, pfa, T0, T1 = 64, 1e-2, 40000, 10000
        for cp in (-20.0, 0.0, 10.0):
            sc, x, cnr_db = self.lit_scene(nr, cp)
            X = np.tile(x.astype(np.complex64), (T0, 1))
            r0 = self.quantised_echoes(sc, x, [None] + cnr_db, T0)
            fe = C.rx_filter(sc, C.adc_model.one_bit, pfa)  # default: exact
            self.assertEqual(fe.threshold(), C.threshold_model.exact)
            z0, s0, _ = fe.process(r0, X)
            _, s0t, _ = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.theorem1).process(r0, X)
            pf, pft = np.mean(s0 >= 1), np.mean(s0t >= 1)
            self.assertLess(abs(pf - pfa), binomial_halfwidth(pfa, T0) + 0.1 * pfa)
            r1 = self.quantised_echoes(sc, x, [10.0] + cnr_db, T1)
            z1, s1, _ = fe.process(r1, X[:T1])
            pd, pd_or = np.mean(s1 >= 1), np.mean(np.abs(z1) >= np.quantile(np.abs(z0), 1 - pfa))
            pd_pred = C.predicted_pd(sc, C.threshold_table(sc, pfa), sc.couplings(x))
            print(f"\nN_R {nr}, CNR_pa {cp:+.0f} dB: Pfa exact {pf:.4f} / theorem1 {pft:.4f} (set {pfa}); "
                  f"Pd exact {pd:.3f}, oracle {pd_or:.3f}, predicted {pd_pred:.3f}")
            self.assertGreaterEqual(pd, 0.9 * pd_or - binomial_halfwidth(pd_or, T1))
            self.assertLess(abs(pd_pred - pd), 0.03 + binomial_halfwidth(pd, T1, 3.0))
            if cp >= 0.0:
                self.assertLess(pft, 0.3 * pfa)
        # a set 1e-4 with lit clutter (+10 dB): 2e5 trials, 20 expected false alarms
        sc, x, cnr_db = self.lit_scene(nr, 10.0)
        T = 200000
        r0 = self.quantised_echoes(sc, x, [None] + cnr_db, T)
        _, s0, _ = C.rx_filter(sc, C.adc_model.one_bit, 1e-4).process(r0, np.tile(x.astype(np.complex64), (T, 1)))
        n_fa = int(np.sum(s0 >= 1))
        print(f"set 1e-4, CNR_pa +10 dB: {n_fa} false alarms in {T} (expected {T * 1e-4:.0f})")
        self.assertTrue(10 <= n_fa <= 40)

    def test_011_block_default_exact(self):
        # the block defaults to the exact threshold and applies the kernel's: the raw
        # echo through the 1-bit quantizer block and the filter block, lit clutter
        nr, n, pfa = 64, 3000, 1e-2
        sc, x, cnr_db = self.lit_scene(nr, 5.0)
        blk = isac.one_bit_rx_filter(64, nr, 10.0, [-50.0, 30.0], 10.0, cnr_db, 1.0, pfa, "1bit")
        self.assertEqual(blk.threshold(), "exact")
        c = sc.couplings(x)
        p = 10 ** (np.array(cnr_db) / 10) * np.abs(c[1:]) ** 2
        raw = (self.cn(n, 2) * np.sqrt(p / 2)) @ sc.gr[:, 1:].T + self.cn(n, nr) * np.sqrt(0.5)
        X = np.tile(x, (n, 1))
        z, s, _, _ = self.run_block(blk, raw, X, adc_block=isac.one_bit_quantizer(nr, "adc"))
        zk, sk, _ = C.rx_filter(sc, C.adc_model.one_bit, pfa).process(rc.one_bit_adc(raw), X.astype(np.complex64))
        np.testing.assert_allclose(s, sk, rtol=1e-5)
        np.testing.assert_allclose(z, zk, rtol=1e-5, atol=1e-6)
        self.assertLess(abs(np.mean(s >= 1) - pfa), binomial_halfwidth(pfa, n) + 0.1 * pfa)
        # predicted performance comes from the exact model: expected_pd is predicted_pd,
        # expected_metric the arcsine-law deflection (not Theorem 1's QSCNR)
        xs = list(x.astype(np.complex64))
        self.assertAlmostEqual(blk.expected_pd(xs),
                               C.predicted_pd(sc, C.threshold_table(sc, pfa), sc.couplings(x)), places=4)
        D = C.exact_deflection(sc, C.arcsine_stats(sc), sc.couplings(x), C.adc_model.one_bit)
        D = D[0] if isinstance(D, tuple) else D
        self.assertAlmostEqual(blk.expected_metric(xs) / D, 1.0, places=4)

    def test_012_cpi_exact_threshold(self):
        # coherent CPI (L = 8, gammas constant over the CPI), strong clutter (30 dB),
        # 1-bit: the exact CPI threshold holds the Pfa for a CPI of different (random)
        # x and for a CPI that repeats one x; Theorem 1's falls far below it
        nt = nr = 32
        L, T, pfa = 8, 20000, 1e-2
        sc = C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], 10.0, [30.0, 30.0])
        zeta2 = [10.0, 1e3, 1e3]
        Xr = rc.one_bit_adc(self.cn(L, nt)) / np.sqrt(2 * nt)
        tol = binomial_halfwidth(pfa, T) + 0.1 * pfa
        for name, X in (("random x", Xr), ("repeated x", np.tile(Xr[:1], (L, 1)))):
            s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(5))
            st = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(5),
                                  threshold=C.threshold_model.theorem1)
            print(f"\nCPI L={L}, {name}: Pfa exact {np.mean(s >= 1):.4f}, theorem1 {np.mean(st >= 1):.4f} (set {pfa})")
            self.assertLess(abs(np.mean(s >= 1) - pfa), tol)
            self.assertLess(np.mean(st >= 1), 0.5 * pfa)

    def test_013_cpi_threshold_strong_clutter(self):
        # Coherent CPI (L = 16) where one patch lights the array strongly: the
        # conditional mean L E[z|a] dominates Z and is bounded, so the model's tail
        # drops to 0 beyond the largest |Z| its nodes reach. The threshold's root
        # finder must step back from there (it once doubled k2 to ~1e18, the table's
        # cubic interpolation spread that into negative coherent factors, and the
        # same-x CPIs fell back to the mixed-x variance, which treats the repeating
        # quantisation distortion as independent: Pfa 0.014 at a set 0.01 with the
        # random table below, 0.37 with the 1-bit beam towards the 16.6 dB patch).
        nt, nr, L, pfa = 10, 20, 16, 1e-2
        clutter, cnr_db = [62.8, -26.3, -10.7], [16.6, 8.2, 11.0]
        sc = C.radar_scene(nt, nr, -42.7, clutter, 10.0, cnr_db)
        G = np.asarray(sc.gr)
        for p1 in (300.0, 1000.0):
            p = [0.0, p1, 0.0, 0.0]
            M = np.eye(nr) + (2 / np.pi) * p1 * np.outer(G[:, 1], G[:, 1].conj())
            ct = C.conditional_tail(sc)
            ct.prepare(p, np.linalg.solve(M, G[:, 0]))
            k2 = ct.threshold2(pfa, L)
            self.assertLess(k2, 10 * ct.variance(L) * -np.log(pfa))
            self.assertAlmostEqual(ct.tail(k2, L) / pfa, 1.0, delta=0.01)
        # H0 Monte-Carlo through the kernel: Swerling-I clutter (one draw per CPI),
        # CPIs of one x and CPIs of x drawn from a 16-vector table (repeats inside a
        # CPI), the first scene above plus a random asymmetric one with lit clutter
        rng = np.random.default_rng(13)
        scenes = [(sc, cnr_db), (C.radar_scene(6, 12, 17.0, [-38.0, 51.0], 10.0, [14.0, 9.0]), [14.0, 9.0])]
        for k, (s, cn) in enumerate(scenes):
            ntx = s.gt.shape[0]
            pool = rc.one_bit_adc(self.cn(16, ntx)).astype(complex) / np.sqrt(2 * ntx)
            zeta2 = [0.0] + list(10 ** (np.asarray(cn) / 10))
            for kind in ("same x", "mixed x"):
                # the first scene's same-x CPIs with more trials: the Pfa of 0.014 that
                # the fallback variance gave this pool lies 6 sigma from the set 0.01
                T = 30000 if (k, kind) == (0, "same x") else 10000
                tol = binomial_halfwidth(pfa, T) + 0.1 * pfa
                idx = np.repeat(rng.integers(0, 16, T), L) if kind == "same x" else rng.integers(0, 16, T * L)
                X = pool[idx].astype(np.complex64)
                r = rc.one_bit_adc(rc.simulate_echo(s, X, zeta2, 1.0, rng, False, L))
                z, _, st, terms = C.rx_filter(s, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact,
                                              L).process(r, X, True)
                _, S = C.cpi_statistics(s, C.adc_model.one_bit, pfa, 1.0, L, z, terms, st)
                pf = np.mean(np.asarray(S) >= 1)
                print(f"\nscene {k}, CPI {L}, {kind}: H0 Pfa {pf:.4f} (set {pfa}, tolerance {tol:.4f})")
                self.assertLess(abs(pf - pfa), tol)
        # a 4-element array (the OTA examples' scene): the filter leaves the clutter
        # 55 % of a mixed-x CPI's variance, so the CPI takes the clutter draw's tail
        # (coherent-CPI shapes 0.84-0.92), not the heavier one-snapshot shapes
        # (Pfa 0.004-0.006 with those at a set 0.01)
        s = C.radar_scene(4, 4, 23.0, [-47.0, 31.0], 10.0, [10.0, 10.0])
        prng = np.random.default_rng(101)
        pool = rc.one_bit_adc(prng.standard_normal((16, 4)) + 1j * prng.standard_normal((16, 4))) / np.sqrt(8)
        T = 30000
        tol = binomial_halfwidth(pfa, T) + 0.1 * pfa
        X = pool[rng.integers(0, 16, T * L)].astype(np.complex64)
        r = rc.one_bit_adc(rc.simulate_echo(s, X, [0.0, 10.0, 10.0], 1.0, rng, False, L))
        z, _, st, terms = C.rx_filter(s, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L).process(r, X, True)
        _, S = C.cpi_statistics(s, C.adc_model.one_bit, pfa, 1.0, L, z, terms, st)
        pf = np.mean(np.asarray(S) >= 1)
        print(f"\nN_R 4 (OTA scene), CPI {L}, mixed x: H0 Pfa {pf:.4f} (set {pfa}, tolerance {tol:.4f})")
        self.assertLess(abs(pf - pfa), tol)

    def test_014_clutter_model(self):
        # The threshold's clutter law (clutter_model) against H0 Monte-Carlo of that
        # law: Swerling I (a CN(0, zeta^2) gain per CPI) and fixed (|gamma| = zeta,
        # a uniform phase per CPI: the average over rooms of a room's constant
        # reflections, the radio emulator's clutter). Fixed clutter has a lighter
        # tail; where the filter leaves the clutter most of a CPI's variance (N_R =
        # 4, CPI 16) the Swerling-I threshold held 0.0012-0.003 at a set 0.01.
        pfa = 1e-2
        with self.assertRaisesRegex(ValueError, "clutter_model.*swerling1.*fixed"):
            isac.one_bit_rx_filter(4, 4, 10.0, [-30.0], 15.0, [10.0], 1.0, pfa, "1bit", clutter_model="static")
        with self.assertRaisesRegex(ValueError, "clutter_model"):
            isac.one_bit_radar_rx(4, 4, 10.0, [-30.0], 15.0, [10.0], 1.0, pfa, clutter_model="rayleigh")
        self.assertEqual(isac.one_bit_rx_filter(4, 4, 10.0, [-30.0], 15.0, [10.0], 1.0, pfa, "1bit", 16,
                                                clutter_model="fixed").clutter_model(), "fixed")
        rng = np.random.default_rng(14)

        def h0(s, cn, X, L, law):
            zeta2 = 10 ** (np.asarray(cn) / 10)
            n, Q, nr = X.shape[0], zeta2.size, s.gr.shape[0]
            if law == "fixed":
                g = np.exp(2j * np.pi * rng.uniform(size=(n // L, Q))) * np.sqrt(zeta2)
            else:
                g = (rng.standard_normal((n // L, Q)) + 1j * rng.standard_normal((n // L, Q))) * np.sqrt(zeta2 / 2)
            g = np.repeat(g, L, axis=0)
            noise = (rng.standard_normal((n, nr)) + 1j * rng.standard_normal((n, nr))) * np.sqrt(0.5)
            return rc.one_bit_adc((g * (X @ s.gt[:, 1:])) @ s.gr[:, 1:].T + noise)

        # the OTA examples' radar scene (mixed x, the table's 16 vectors repeating in a
        # CPI), and random asymmetric ones with one or two lit patches: CPIs of one x
        # (the exact coherent tail) at N_R 4-12, mixed-x CPIs at N_R 8-16. (Mixed-x CPIs
        # at N_R 5-7 with a large leakage share are outside what the mixed-x shape
        # holds under either law: docs/one_bit_rx_filter_measurements.md, "A 4-element
        # array".)
        scenes = [(C.radar_scene(4, 4, 23.0, [-47.0, 31.0], 10.0, [10.0, 10.0]), [10.0, 10.0], 16, "mixed")]
        while len(scenes) < 5:
            kind = "same" if len(scenes) <= 2 else "mixed"
            nt, q = int(rng.integers(4, 9)), int(rng.integers(1, 3))
            nr = int(rng.integers(4, 13)) if kind == "same" else int(rng.integers(8, 17))
            tgt = float(rng.uniform(-60, 60))
            clut = [float(a) for a in rng.uniform(-70, 70, q)]
            if min(abs(a - tgt) for a in clut) < 8 or (q == 2 and abs(clut[0] - clut[1]) < 8):
                continue
            cn = [float(c) for c in rng.uniform(5, 15, q)]
            scenes.append((C.radar_scene(nt, nr, tgt, clut, 10.0, cn), cn, int(rng.choice([4, 16])), kind))
        T = 20000
        tol = binomial_halfwidth(pfa, T) + 0.1 * pfa
        for k, (s, cn, L, kind) in enumerate(scenes):
            ntx = s.gt.shape[0]
            pool = rc.one_bit_adc(self.cn(16, ntx)) / np.sqrt(2 * ntx)
            for law, model in (("fixed", C.clutter_model.fixed), ("swerling1", C.clutter_model.swerling1)):
                if k > 0 and law == "swerling1":
                    continue  # test_013 covers Swerling I on random scenes
                idx = np.repeat(rng.integers(0, 16, T), L) if kind == "same" else rng.integers(0, 16, T * L)
                X = pool[idx].astype(np.complex64)
                r = h0(s, cn, X, L, law)
                z, _, st, terms = C.rx_filter(s, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                                              model).process(r, X, True)
                _, S = C.cpi_statistics(s, C.adc_model.one_bit, pfa, 1.0, L, z, terms, st)
                pf = np.mean(np.asarray(S) >= 1)
                print(f"\nscene {k} (N_T {ntx}, N_R {s.gr.shape[0]}, CNR {np.round(cn, 1)}), CPI {L}, {kind} x, "
                      f"{law} clutter: H0 Pfa {pf:.4f} (set {pfa}, tolerance {tol:.4f})")
                self.assertLess(abs(pf - pfa), tol)

    # ---- inverse-variance weights of the CPI sum (cpi_weights)

    def test_015_cpi_weights_statistic(self):
        # the block's weighted CPI statistic against numpy: Z = sum w_l z_l (on the
        # equal-weight scale L / sum w), w_l = 1/V_l, over kappa from the weighted
        # Theorem-1 variance; the defaults keep the equal-weight sum
        nt, nr, L, n = 8, 10, 4, 16
        target, clutter, cnr_db, pfa = -20.0, [40.0], [20.0], 0.05
        x = self.cn(n, nt)
        x[3] *= 0.02  # a weakly lit snapshot: weights differ by far more than rounding
        r = rc.one_bit_adc(self.cn(n, nr))
        blk = isac.one_bit_rx_filter(nt, nr, target, clutter, 10.0, cnr_db, 1.0, pfa, "1bit", L, 1.0, "theorem1",
                                     True, "swerling1", "inverse_variance")
        self.assertEqual(blk.cpi_weights(), "inverse_variance")
        self.assertEqual(isac.one_bit_rx_filter(nt, nr, target, clutter, 10.0, cnr_db, 1.0, pfa, "1bit").cpi_weights(),
                         "equal")
        z, s, _, _ = self.run_block(blk, r, x)
        zr, _ = dense_reference(r, x, target, clutter, cnr_db, "1bit", pfa, 1.0)
        np.testing.assert_allclose(z, zr, rtol=1e-4)
        g0r, g0t, g1r, g1t = steer(nr, target), steer(nt, target), steer(nr, 40.0), steer(nt, 40.0)
        cnr = 10 ** 2.0
        stat_eq = []
        for e in range(L - 1, n, L):
            Zw = Ze = n2w = n2 = aw = a = 0
            for l in range(e - L + 1, e + 1):
                c0, c1 = g0t @ x[l], g1t @ x[l]
                M = np.eye(nr) + (2 / np.pi) * cnr * abs(c1) ** 2 * np.outer(g1r, g1r.conj())
                v = np.linalg.solve(M, g0r)
                u = v / (np.conj(c0) * (g0r.conj() @ v))
                lk = c1 * (u.conj() @ g1r)
                w = 1 / (2 * np.linalg.norm(u) ** 2 + 4 / np.pi * cnr * abs(lk) ** 2)
                zl = u.conj() @ r[l]
                Zw, n2w, aw = Zw + w * zl, n2w + w * w * np.linalg.norm(u) ** 2, aw + w * lk
                Ze, n2, a = Ze + zl, n2 + np.linalg.norm(u) ** 2, a + lk
            Vw = 2 * n2w + 4 / np.pi * cnr * abs(aw) ** 2
            V = 2 * n2 + 4 / np.pi * cnr * abs(a) ** 2
            self.assertAlmostEqual(s[e], abs(Zw) / np.sqrt(-Vw * np.log(pfa)), delta=1e-4 * s[e] + 1e-6)
            stat_eq.append(abs(Ze) / np.sqrt(-V * np.log(pfa)))
        # the weak snapshot's CPI: the weighted statistic is not the equal-weight one
        self.assertGreater(abs(s[L - 1] - stat_eq[0]), 0.05 * stat_eq[0])

    def test_016_cpi_weights_pfa(self):
        # H0 Pfa of both weightings on mixed-x CPIs from a table with weak entries
        # (|c_0|^2 of a few 1e-3), two clutter patches at 15 dB, ideal and 1-bit ADC,
        # the default thresholds (exact), through the block's kernel and cpi_integrator.
        # Tolerance: 4 binomial sigmas of T CPIs; for the 1-bit ADC + 25 % of the set
        # Pfa, the mixed-x CPI tail shape's model error (docs/one_bit_rx_filter_measurements.md:
        # mixed-x CPIs at 0.78-1.14 x the set 1e-2 over random scenes)
        nt, nr, L, T, pfa = 8, 16, 8, 20000, 1e-2
        rng = np.random.default_rng(16)
        tab = weak_table(nt, 10.0, rng)
        self.assertLess(np.min(np.abs(tab @ steer(nt, 10.0)) ** 2), 0.01)
        sc = C.radar_scene(nt, nr, 10.0, [-50.0, 30.0], 10.0, [15.0, 15.0])
        zeta2 = [10.0, 10 ** 1.5, 10 ** 1.5]
        for adc, extra in ((C.adc_model.ideal, 0.0), (C.adc_model.one_bit, 0.25 * pfa)):
            for w in (C.cpi_weights.equal, C.cpi_weights.inverse_variance):
                X = tab[rng.integers(0, len(tab), T * L)]
                st = rc.h0_statistics(sc, adc, pfa, L, X, zeta2, 1.0, T, rng, weights=w)
                pf = np.mean(st >= 1)
                print(f"\n{adc} {w}: Pfa {pf:.4f} (set {pfa}, {T} CPIs of {L})")
                self.assertLess(abs(pf - pfa), binomial_halfwidth(pfa, T) + extra, f"{adc} {w}")

    def test_017_cpi_weights_pd(self):
        # Pd on a table with weak entries: the numpy reference of the weighted detector
        # (weighted_cpi_reference, no module code) gains from inverse-variance weights,
        # and the block's Pd (one_bit_radar_rx for 1-bit: the hier block passes the
        # option) agrees with the reference within 4 sigma of both counts.
        nt, nr, L, T, pfa, snr_db = 8, 16, 8, 4000, 1e-2, 6.0
        target, clutter, cnr_db = 10.0, [-50.0, 30.0], [15.0, 15.0]
        tab = weak_table(nt, target, np.random.default_rng(16))
        for adc in ("inf", "1bit"):
            ref = {w: weighted_cpi_reference(tab, target, clutter, snr_db, cnr_db, adc, pfa, L, T,
                                             np.random.default_rng(170), w)
                   for w in ("equal", "inverse_variance")}
            self.assertGreater(ref["inverse_variance"], ref["equal"] + 0.1, f"{adc} {ref}")
            for w in ("equal", "inverse_variance"):
                rng = np.random.default_rng(171)
                sc = C.radar_scene(nt, nr, target, clutter, snr_db, cnr_db)
                X = tab[rng.integers(0, len(tab), T * L)]
                zeta2 = [10 ** (snr_db / 10)] + [10 ** (c / 10) for c in cnr_db]
                r = rc.simulate_echo(sc, X, zeta2, 1.0, rng, target=True, cpi_len=L)
                args = (nt, nr, target, clutter, snr_db, cnr_db, 1.0, pfa, adc, L, 1.0, "theorem1", False,
                        "swerling1", w)
                blk = isac.one_bit_radar_rx(*args) if adc == "1bit" else isac.one_bit_rx_filter(*args)
                _, s, _, _ = self.run_block(blk, r, X)
                pd = np.mean(s[L - 1::L] >= 1)
                tol = 4 * np.sqrt(ref[w] * (1 - ref[w]) * 2 / T) + 1e-3
                print(f"\n{adc} {w}: Pd block {pd:.4f}, numpy reference {ref[w]:.4f} (+-{tol:.4f}, {T} CPIs)")
                self.assertLess(abs(pd - ref[w]), tol, f"{adc} {w}")


    # ---- settings a 1-bit statistic cannot serve (core.pfa_reach) ----

    @staticmethod
    def _sign_patterns(n):
        """All 4^n vectors of n complex signs (+-1 +-1j), one per row."""
        q = np.array([1 + 1j, -1 + 1j, -1 - 1j, 1 - 1j])
        idx = np.indices((4,) * n).reshape(n, -1).T
        return q[idx]

    def test_018_pfa_reach_by_enumeration(self):
        # Reference: every sign pattern of a decision, equally likely on noise-only
        # echoes (x leaves the clutter dark: CNR -60 dB), through the kernel; the
        # exceedance probabilities P(|Z| >= t) of every threshold t are counted
        # directly. The block's claim: they are multiples of 4^(1-n) (classes of
        # r~, j r~, -r~, -j r~), the smallest nonzero one is 4^(1-n), and at n = 1
        # |z| is one value whatever the echo.
        rng = np.random.default_rng(18)
        for n_rx, L in ((1, 1), (2, 1), (3, 1), (4, 1), (5, 1), (1, 2), (1, 3), (2, 2), (3, 2)):
            n = n_rx * L
            sc = C.radar_scene(8, n_rx, 10.0, [-50.0], 10.0, [-60.0])
            f = C.rx_filter(sc, C.adc_model.one_bit, 0.3, 1.0, C.threshold_model.exact, L)
            for _ in range(3):
                P = self._sign_patterns(n).reshape(-1, n_rx)  # L snapshots per pattern
                x = (rng.choice([-1.0, 1.0], (L, 8)) + 1j * rng.choice([-1.0, 1.0], (L, 8))) / 4.0
                X = np.tile(x, (4 ** n, 1))
                z, st, status, terms = f.process(P.astype(np.complex64), X.astype(np.complex64), True)
                self.assertTrue(np.all(np.asarray(status) == 0))
                if L == 1:
                    a = np.abs(np.asarray(z, dtype=complex))
                else:
                    Z, _ = C.cpi_statistics(sc, C.adc_model.one_bit, 0.3, 1.0, L, z, terms, status)
                    a = np.abs(np.asarray(Z))
                self.assertEqual(a.size, 4 ** n)
                levels = np.unique(np.round(a / a.max(), 4))
                exceed = np.array([np.mean(a / a.max() >= v - 5e-5) for v in levels])
                step = 4.0 ** (1 - n)
                k = exceed / step
                self.assertTrue(np.allclose(k, np.round(k), atol=1e-9), (n_rx, L, exceed))
                # a tie of classes (e.g. a symmetric u) makes the smallest step larger
                self.assertGreaterEqual(exceed.min(), step * (1 - 1e-12))
                # at most 4^(n-1) values
                self.assertLessEqual(levels.size, 4 ** (n - 1))
                if n == 1:
                    self.assertEqual(levels.size, 1)
            for pfa in (0.9, 0.3, 0.1, 0.01, 1e-3):
                r = C.pfa_reach(C.adc_model.one_bit, n_rx, L, pfa)
                self.assertEqual(r.min_pfa, step)
                self.assertEqual(r.reachable, n >= 2 and pfa >= step, (n_rx, L, pfa))
                self.assertAlmostEqual(r.classes_above, pfa * 4.0 ** (n - 1))

    def test_019_pfa_reach_monte_carlo(self):
        # Monte-Carlo with the clutter lit (Swerling I, 20 dB, fresh per snapshot),
        # raw Gaussian echoes through sgn(): (a) one antenna and one snapshot gives
        # one |z| per x, whatever the echo (no information: hence the error); (b) a
        # reachable-but-coarse setting, N_R = 3, L = 1, pfa 0.1 (4 of 16 classes): the
        # block's measured Pfa on noise-only echoes is the enumerated multiple of
        # 1/16 its kappa lands on, within 4 binomial sigmas.
        rng = np.random.default_rng(19)
        sc = C.radar_scene(8, 1, 10.0, [-50.0], 10.0, [20.0])
        f = C.rx_filter(sc, C.adc_model.one_bit, 0.01)
        x = np.tile((rng.choice([-1.0, 1.0], 8) + 1j * rng.choice([-1.0, 1.0], 8)) / 4.0, (5000, 1))
        r = rc.simulate_echo(sc, x, [10.0, 100.0], 1.0, rng)
        z, st, _ = f.process(np.sign(r.real) + 1j * np.sign(r.imag), x)
        st = np.asarray(st)
        self.assertLess(np.ptp(st) / st.max(), 1e-6)
        self.assertLess(st.max(), 1.0)  # kappa above the one value: Pd = Pfa = 0

        sc = C.radar_scene(8, 3, 10.0, [-50.0], 10.0, [-60.0])
        f = C.rx_filter(sc, C.adc_model.one_bit, 0.1)
        x1 = (rng.choice([-1.0, 1.0], 8) + 1j * rng.choice([-1.0, 1.0], 8)) / 4.0
        P = self._sign_patterns(3)
        _, st_all, _ = f.process(P, np.tile(x1, (64, 1)))
        expect = float(np.mean(np.asarray(st_all) >= 1.0))
        self.assertAlmostEqual(expect * 16, round(expect * 16), places=9)
        T = 40000
        r = rc.simulate_echo(sc, np.tile(x1, (T, 1)), [0.0, 1e-6], 1.0, rng, target=False)
        _, st, _ = f.process(np.sign(r.real) + 1j * np.sign(r.imag), np.tile(x1, (T, 1)))
        meas = float(np.mean(np.asarray(st) >= 1.0))
        self.assertLessEqual(abs(meas - expect), binomial_halfwidth(max(expect, 1e-3), T), (meas, expect))

    def test_020_block_rejects_and_flags(self):
        base = dict(n_tx=8, target_deg=10.0, clutter_deg=[-50.0], snr_r_db=10.0, cnr_db=[20.0],
                    radar_noise_var=1.0)
        # no pfa works at one sample per decision; below 4^(1-n) none either
        for n_rx, L, pfa, says in ((1, 1, 0.5, "use n_rx * cpi_len >= 2"),
                                   (4, 1, 0.01, "use pfa >= 0.015625 or n_rx * cpi_len >= 5"),
                                   (2, 2, 1e-3, "use pfa >= 0.015625 or n_rx * cpi_len >= 6")):
            for make in (isac.one_bit_rx_filter, isac.one_bit_radar_rx):
                with self.assertRaises(ValueError) as cm:
                    make(n_rx=n_rx, pfa=pfa, adc="1bit", cpi_len=L, **base)
                msg = str(cm.exception)
                self.assertTrue(msg.startswith("n_rx * cpi_len = %d * %d = %d complex 1-bit samples per "
                                               "decision cannot hold pfa = %g" % (n_rx, L, n_rx * L, pfa)), msg)
                self.assertIn(says, msg)
        # the ideal ADC has a continuous statistic
        self.assertFalse(isac.one_bit_rx_filter(n_rx=1, pfa=1e-6, adc="inf", **base).pfa_coarse())
        # the OTA examples' size: 4 antennas, CPIs of 16, their 10 dB clutter (at 20 dB
        # the CPI tail is too light: test_046)
        ota = dict(base, cnr_db=[10.0])
        self.assertFalse(isac.one_bit_rx_filter(n_rx=4, pfa=0.01, adc="1bit", cpi_len=16, **ota).pfa_coarse())
        self.assertFalse(isac.one_bit_rx_filter(n_rx=8, pfa=0.01, adc="1bit", **base).pfa_coarse())
        # reachable, coarse: 0.02 * 4^3 = 1.3 classes; one snapshot of 7 antennas
        b = isac.one_bit_rx_filter(n_rx=4, pfa=0.02, adc="1bit", **base)
        self.assertTrue(b.pfa_coarse())
        self.assertTrue(isac.one_bit_radar_rx(n_rx=7, pfa=0.1, adc="1bit", **base).pfa_coarse())
        # a setter that would leave no threshold: rejected, the last good state stays
        with self.assertRaises(ValueError):
            b.set_pfa(0.01)
        self.assertEqual(b.pfa(), 0.02)
        self.assertTrue(b.pfa_coarse())
        # the same through the set port (handled at the next work() call): logged, ignored
        b._post(pmt.intern("set"), pmt.dict_add(pmt.make_dict(), pmt.intern("pfa"), pmt.from_double(0.001)))
        self.run_block(b, rc.one_bit_adc(self.cn(20, 4)), self.cn(20, 8))
        self.assertEqual(b.pfa(), 0.02)
        b.set_pfa(0.5)  # 32 classes: still coarse
        self.assertTrue(b.pfa_coarse())
        # 16 antennas: 4^15 classes, fine at 1e-2; 1e-8 leaves 10.7 above the threshold
        b = isac.one_bit_radar_rx(n_rx=16, pfa=0.01, adc="1bit", **base)
        self.assertFalse(b.pfa_coarse())
        b.set_pfa(1e-8)
        self.assertTrue(b.pfa_coarse())
        self.assertEqual(b.filter.pfa(), 1e-8)

    def test_021_small_array_cpi_pfa_random_scenes(self):
        # The over-the-air size (4 antennas, CPIs of 16) and 3 antennas: H0 Monte-Carlo
        # of mixed-x CPIs (a table of 16 random 1-bit x) on random asymmetric scenes
        # (no +-theta pair, no patch on the target), Swerling-I clutter from -30 to
        # +20 dB, through the kernel and cpi_statistics. With the distortion's cross
        # terms (core.arcsine_cross) the model's measured error over such scenes
        # (docs/one_bit_rx_filter_measurements.md, bench/one_bit_pfa_reach.py --part cross) is a
        # factor 0.7-1.4 on the Pfa at 0.01 below strong_clutter_db; above it the
        # strong-clutter excess (up to 1.7x, the docs' strong-clutter section) is
        # flagged coarse. These draws measure 0.81, 0.99, 1.06, 0.89, 1.18 (the 20 dB

        # plus 4 binomial sigmas (0.002 at 40000 CPIs).
        # The model without the cross terms fails it (its 20 dB cells: 1.32 and 1.97,
        # the latter above 1.5 + 4 sigma); so do the bench's old scenes (radians and
        # linear CNRs given to radar_scene, which takes degrees and dB: 92x and 82x).
        rng = np.random.default_rng(21)
        T, pfa = 40000, 0.01
        for nr, L, cnr in ((4, 16, -30.0), (4, 16, 10.0), (4, 16, 20.0), (3, 16, 0.0), (3, 16, 20.0)):
            _, _, cnr_db, meas = random_scene_cpi_pfa(rng, nr, L, cnr, T, pfa)
            strongest = float(max(cnr_db))
            coarse = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa, strongest).coarse
            self.assertEqual(coarse, strongest >= C.strong_clutter_db, (nr, L, strongest))
            self.assertEqual(coarse, cnr == 20.0, (nr, L, strongest))
            print(f"\n{nr} x {L}, clutter {cnr_db[0]:.1f} / {cnr_db[1]:.1f} dB: Pfa {meas:.4f} (set {pfa})")
            tol = binomial_halfwidth(pfa, T)
            self.assertGreater(meas, 0.6 * pfa - tol, (nr, L, cnr, meas))
            self.assertLess(meas, 1.5 * pfa + tol, (nr, L, cnr, meas))


    def test_030_repeating_x_twelve_antennas_pfa(self):
        # 12 receive antennas, CPIs of 16 of a few repeating or nearly equal x (a
        # lookup-table precoder, a slowly varying one): two 1-bit x alternating, x
        # alternating with x with one entry negated, and 16 x equal but for a scale
        # 1 + 1e-4 l. Their common clutter draw's quantisation distortion repeats
        # across the CPI: without the distortion's cross terms (the model above 8
        # antennas before) these draws read 0.0244, 0.0291 and 0.0335 at the set 0.01
        # (8000 CPIs); with them 0.0101, 0.0118 and 0.0116. Band 0.5-1.5x plus 4
        # binomial sigmas of T at each edge (0.0204 at the top).
        pfa, L, T = 0.01, 16, 8000
        nt, nr, cnr = 8, 12, [20.0, 15.0]
        sc = C.radar_scene(nt, nr, 12.0, [-37.0, 51.0], 10.0, cnr)
        zeta2 = [10.0] + list(10 ** (np.asarray(cnr) / 10))
        g = np.random.default_rng(2028)
        two = rc.one_bit_adc(g.standard_normal((2, nt)) + 1j * g.standard_normal((2, nt))) / np.sqrt(2 * nt)
        g = np.random.default_rng(2026)
        x1 = rc.one_bit_adc(g.standard_normal((1, nt)) + 1j * g.standard_normal((1, nt))) / np.sqrt(2 * nt)
        x2 = x1.copy()
        x2[0, 0] *= -1
        cases = (("two x alternating", np.tile(two, (L // 2, 1))),
                 ("x and x with x[0] negated", np.vstack([x1, x2] * (L // 2))),
                 ("16 nearly equal x", x1 * (1 + 1e-4 * np.arange(L))[:, None]))
        for name, X in cases:
            s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(3))
            meas = float(np.mean(s >= 1))
            print(f"\n12 antennas, {name}: Pfa {meas:.4f} (set {pfa})")
            self.assertGreater(meas, 0.5 * pfa - binomial_halfwidth(0.5 * pfa, T), name)
            self.assertLess(meas, 1.5 * pfa + binomial_halfwidth(1.5 * pfa, T), name)

    def test_046_strong_clutter_few_antennas_flagged(self):
        # 5 antennas, CPIs of 8 of mixed x (a table of 16 random 1-bit x), a random
        # asymmetric scene with Swerling-I clutter at 22.7 / 18.9 dB: the exact
        # threshold's CPI variance holds, but the common clutter draw modulates every
        # snapshot's sign-noise variance (docs/one_bit_rx_filter_measurements.md), a scale mixture
        # whose tail the mixed-x shape rule leaves out. This scene reads about 2x the
        # set 0.01 (0.0202 at 20000 CPIs). The block says so: pfa_coarse() and its
        # warning (main: not flagged, a silent overshoot). When the tail model holds
        # such scenes, the Monte-Carlo below fails and the flag should go.
        T, pfa, nr, L = 20000, 0.01, 5, 8
        tgt, clut, cnr_db, meas = random_scene_cpi_pfa(np.random.default_rng(1), nr, L, 20.0, T, pfa)
        print(f"\n5 x 8, clutter {cnr_db[0]:.1f} / {cnr_db[1]:.1f} dB: Pfa {meas:.4f} (set {pfa})")
        self.assertGreater(meas, pfa + binomial_halfwidth(pfa, T), meas)
        # flagged from strong_clutter_db with CPIs at any antenna count (32 x 4 measured
        # 1.33x at 20 dB), exact threshold at threshold_scale 1, Swerling-I clutter only
        reach = C.pfa_reach(C.adc_model.one_bit, nr, L, pfa, float(max(cnr_db)))
        self.assertTrue(reach.coarse)
        self.assertTrue(reach.reason.startswith("strongest clutter patch cnr_db = 22.7 dB >= 15.0 dB"), reach.reason)
        self.assertTrue(reach.reason.endswith("(rx_calibration.threshold_scale_from_data)"), reach.reason)
        for n in (2, 16, 32, 64):
            self.assertTrue(C.pfa_reach(C.adc_model.one_bit, n, L, pfa, 20.0).coarse, n)
        for n, l, c in ((5, L, C.strong_clutter_db - 0.1), (4, L, 10.0), (32, 1, 30.0)):
            self.assertFalse(C.pfa_reach(C.adc_model.one_bit, n, l, pfa, c).coarse, (n, l, c))
        self.assertFalse(C.pfa_reach(C.adc_model.one_bit, nr, L, pfa).coarse)  # no scene given
        kw = dict(n_tx=8, n_rx=nr, target_deg=float(tgt), clutter_deg=[float(v) for v in clut], snr_r_db=10.0,
                  radar_noise_var=1.0, pfa=pfa, adc="1bit", cpi_len=L)
        cnr = [float(v) for v in cnr_db]
        self.assertTrue(isac.one_bit_rx_filter(cnr_db=cnr, **kw).pfa_coarse())
        self.assertTrue(isac.one_bit_radar_rx(cnr_db=cnr, **kw).pfa_coarse())
        self.assertFalse(isac.one_bit_rx_filter(cnr_db=cnr, threshold="theorem1", **kw).pfa_coarse())
        # fixed clutter: no amplitude draw, and no excess measured (0.0107 on this scene)
        self.assertFalse(isac.one_bit_rx_filter(cnr_db=cnr, clutter_model="fixed", **kw).pfa_coarse())
        # a calibrated threshold_scale is the warning's remedy: it clears the flag
        b = isac.one_bit_rx_filter(cnr_db=cnr, threshold_scale=1.2, **kw)
        self.assertFalse(b.pfa_coarse())
        b.set_threshold_scale(1.0)
        self.assertTrue(b.pfa_coarse())
        b.set_threshold_scale(0.9)
        self.assertFalse(b.pfa_coarse())
        b = isac.one_bit_rx_filter(cnr_db=[10.0, 10.0], **kw)
        self.assertFalse(b.pfa_coarse())
        b.set_cnr_db(cnr)
        self.assertTrue(b.pfa_coarse())
        b.set_clutter([float(clut[0])], [12.0])
        self.assertFalse(b.pfa_coarse())

    # ---- CPIs without transmission (a precoder's muted sections, TDD guards)

    def test_022_no_transmission_no_decision(self):
        # x = 0 over a whole CPI: no decision (statistic -1, no_decision_count(), the
        # stats dict, an isac_no_tx tag with the CPI's length on the first of each
        # stretch of them); a CPI muted for its last half decides; nothing non-finite;
        # from the CPI right after the muted one, the block decides exactly as a fresh
        # block fed only those CPIs. Both ADC modes, CPIs of 4 and single snapshots,
        # mixed x and one repeated x (the exact threshold's partial and whole coherent
        # CPIs). (main: statistic 0, a "no target" decision, untagged.)
        nt, nr = 8, 4
        target, clutter, cnr_db = 12.0, [-37.0, 51.0], [20.0, 15.0]
        for adc, L, xs in itertools.product(("1bit", "inf"), (4, 1), ("mixed", "repeated")):
            with self.subTest(adc=adc, L=L, x=xs):
                n = 6 * 4
                x = (self.cn(n, nt) / 4).astype(np.complex64)
                if xs == "repeated":
                    x[:] = x[0]
                r = self.cn(n, nr)
                if adc == "1bit":
                    r = rc.one_bit_adc(r)
                x[4:8] = 0      # CPI 1 (L = 4) not transmitted
                x[10:12] = 0    # CPI 2 muted for its last half
                mk = lambda: isac.one_bit_rx_filter(nt, nr, target, clutter, 10.0, cnr_db, 1.0, 0.05, adc, L)
                blk = mk()
                dbg = blocks.message_debug()
                self.tb = gr.top_block()
                self.tb.msg_connect(blk, "stats", dbg, "store")
                z, s, tz, ts = self.run_block_keep(blk, r, x)
                self.assertTrue(np.all(np.isfinite(z)) and np.all(np.isfinite(s)))
                muted = [4, 5, 6, 7, 10, 11]
                self.assertTrue(np.all(z[muted] == 0))
                nodec = [7] if L == 4 else muted
                np.testing.assert_array_equal(np.flatnonzero(s == -1), nodec)
                self.assertTrue(np.all(s[s != -1] >= 0))
                if L == 4:
                    self.assertGreater(s[11], 0.0)  # the half-muted CPI decides
                for tags in (tz, ts):
                    nt_tags = [t for t in tags if pmt.symbol_to_string(t.key) == "isac_no_tx"]
                    self.assertEqual([t.offset for t in nt_tags], [7] if L == 4 else [4, 10])
                    self.assertTrue(all(pmt.to_uint64(t.value) == L for t in nt_tags))
                self.assertEqual(blk.no_decision_count(), len(nodec))
                self.assertEqual(blk.degenerate_count(), len(muted))
                last = dbg.get_message(dbg.num_messages() - 1)
                self.assertEqual(pmt.to_uint64(pmt.dict_ref(last, pmt.intern("no_decision_count"), pmt.PMT_NIL)),
                                 len(nodec))
                # from the CPI right after the muted one, through a fresh block
                self.tb = gr.top_block()
                z2, s2, _, _ = self.run_block_keep(mk(), r[8:], x[8:])
                np.testing.assert_array_equal(z2, z[8:])
                np.testing.assert_array_equal(s2, s[8:])

    def test_023_partial_cpi_pfa(self):
        # H0 Monte-Carlo of CPIs of 16 whose last snapshots are not transmitted (a CPI
        # across a TDD guard's edge) against the set Pfa 0.01. 1-bit exact, the same x in
        # every transmitted snapshot (a coherent CPI of k copies): main took the mixed-x
        # variance, which counts the repeating quantisation distortion as independent:
        # Pfa 0.283 (k = 12) and 0.064 (k = 5) with these draws at 4 antennas. The rule's
        # error at this scene is the small-array model's (test_021): over six x draws
        # at 20 000 CPIs it measured 0.77-1.03x (k = 12) and 0.51-1.14x (k = 5), so the
        # band is 0.5-2x widened by 4 binomial sigmas of T at each edge; these draws
        # measure 0.0073 and 0.0077. (At 32 antennas main's 0.014 is within 1.4x of the
        # set Pfa and of the rule's 0.0087-0.0133: separating them takes ~10^5 CPIs of
        # 32x32, so no large-array case here.) The ideal ADC (the null-space chain) is
        # exact for repeated and random x: 4 sigmas alone.
        pfa, L, T = 0.01, 16, 16000
        nt, nr, tgt, clut, cnr = 8, 4, 12.0, [-37.0, 51.0], [20.0, 15.0]
        sc = C.radar_scene(nt, nr, tgt, clut, 10.0, cnr)
        zeta2 = [10.0] + list(10 ** (np.asarray(cnr) / 10))
        for adc, xs, k, lo, hi in ((C.adc_model.one_bit, "repeated", 12, 0.5, 2.0),
                                   (C.adc_model.one_bit, "repeated", 5, 0.5, 2.0),
                                   (C.adc_model.ideal, "repeated", 12, 1.0, 1.0),
                                   (C.adc_model.ideal, "random", 5, 1.0, 1.0)):
            X = rc.one_bit_adc(self.cn(L, nt)) / np.sqrt(2 * nt)
            if xs == "repeated":
                X = np.tile(X[:1], (L, 1))
            X[k:] = 0
            s = rc.h0_statistics(sc, adc, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(3))
            self.assertEqual(len(s), T)
            self.assertTrue(np.all(np.isfinite(s)) and np.all(s >= 0))  # every CPI decides
            meas = float(np.mean(s >= 1))
            print(f"\n{adc}, {xs} x, {k} of {L} transmitted: Pfa {meas:.4f} (set {pfa})")
            self.assertGreater(meas, lo * pfa - binomial_halfwidth(lo * pfa, T), (adc, xs, k))
            self.assertLess(meas, hi * pfa + binomial_halfwidth(hi * pfa, T), (adc, xs, k))
            # a CPI with nothing transmitted: no decision
            s0 = rc.h0_statistics(sc, adc, pfa, L, 0 * X, zeta2, 1.0, 4, np.random.default_rng(4))
            np.testing.assert_array_equal(s0, [C.no_decision] * 4)
        # The partial coherent CPI with the fixed clutter model (a room: static gains),
        # an x whose terms' tail excess e is negative (lighter than Rayleigh), 12 of 16
        # transmitted: its Pfa is that of a whole CPI of 12 copies in the same room (the
        # rule's k-copy CPI; measured 0.0126 against 0.0102), within the rule's band
        # (0.5-2x) and 4 binomial sigmas. Inverse-variance weights of one repeated x
        # are all equal, so the statistic is the equal-weight one to rounding (a weight
        # normalised by the CPI's length instead of its transmitted snapshots would
        # scale it by 16/12).
        g = np.random.default_rng(204)
        x1 = (rc.one_bit_adc(g.standard_normal((1, nt)) + 1j * g.standard_normal((1, nt))) / np.sqrt(2 * nt))
        t0 = complex(np.asarray(C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L,
                                            C.clutter_model.fixed).process(
            np.ones((1, nr), np.complex64), x1.astype(np.complex64), True)[3]).ravel()[0])
        self.assertLess(t0.imag / t0.real, 0.0)  # e < 0
        X = np.tile(x1, (L, 1))
        X[12:] = 0
        kw = dict(clutter=C.clutter_model.fixed, gains="static", phases=[0.1, 0.7])
        run = lambda x, cl, **w: rc.h0_statistics(sc, C.adc_model.one_bit, pfa, cl, x, zeta2, 1.0, T,
                                                  np.random.default_rng(5), **kw, **w)
        part, whole = run(X, L), run(X[:12], 12)
        np.testing.assert_allclose(run(X, L, weights=C.cpi_weights.inverse_variance), part, rtol=1e-9)
        pp, pw = float(np.mean(part >= 1)), float(np.mean(whole >= 1))
        print(f"\nfixed clutter, 12 of 16: Pfa {pp:.4f}, a whole CPI of 12: {pw:.4f}")
        self.assertGreater(pp, 0.5 * pw - binomial_halfwidth(0.5 * pw, T))
        self.assertLess(pp, 2.0 * pw + binomial_halfwidth(2.0 * pw, T))

    def test_024_muted_stretches_across_calls_and_restarts(self):
        # Muted stretches (x = 0) that span work() calls, CPIs whose muted part
        # straddles a call boundary, a run that starts and one that ends inside a
        # stretch. The statistics, tags and counts do not depend on the call sizes
        # (the filter's calls cut to 1, 3 and 5 items: every CPI of 4 straddles
        # one); -1 and one isac_no_tx tag per stretch sit where the mute pattern puts
        # them (numpy); every decided CPI equals a fresh block fed that CPI alone
        # (the muted CPIs before it carry nothing over), with cpi_len = 1 a fresh
        # block fed the transmitted snapshots alone. A second start() of the same top
        # block (the first run ended inside a stretch) repeats the first run, tags
        # included, and the counts double. (main: the second run lost its first
        # isac_no_tx tag, the stretch flag surviving the restart.)
        nt, nr, n = 8, 4, 66  # the runs end inside a muted stretch, mid-CPI for CPIs of 4
        target, clutter, cnr_db = 14.0, [-33.0, 48.0], [20.0, 12.0]
        muted = np.zeros(n, bool)
        for a, b in ((0, 10), (18, 33), (45, 52), (58, 66)):
            muted[a:b] = True
        for adc, L, xs in itertools.product(("1bit", "inf"), (4, 1), ("mixed", "repeated")):
            with self.subTest(adc=adc, L=L, x=xs):
                x = (self.cn(n, nt) / 4).astype(np.complex64)
                if xs == "repeated":
                    x[:] = x[0]
                x[muted] = 0
                r = self.cn(n, nr)
                if adc == "1bit":
                    r = rc.one_bit_adc(r)
                mk = lambda: isac.one_bit_rx_filter(nt, nr, target, clutter, 10.0, cnr_db, 1.0, 0.05, adc, L)
                # numpy: a CPI none of whose snapshots transmitted makes no decision,
                # the first of each stretch of them is tagged
                cpi_muted = muted[:n // L * L].reshape(-1, L).all(1)
                nodec = np.flatnonzero(cpi_muted) * L + L - 1
                first = [int(e) for i, e in zip(np.flatnonzero(cpi_muted), nodec) if i == 0 or not cpi_muted[i - 1]]
                runs = []
                for limit in (None, 1, 3, 5):
                    blk = mk()
                    if limit:
                        blk.set_max_noutput_items(limit)
                    self.tb = gr.top_block()
                    z, s, tz, ts = self.run_block_keep(blk, r, x)
                    tags = [[(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value)) for t in tg]
                            for tg in (tz, ts)]
                    runs.append((z, s, tags, blk.no_decision_count(), blk.degenerate_count()))
                z, s, tags, nd, dg = runs[0]
                for zc, sc, tc, ndc, dgc in runs[1:]:
                    np.testing.assert_array_equal(zc, z)
                    np.testing.assert_array_equal(sc, s)
                    self.assertEqual(tc, tags)
                    self.assertEqual((ndc, dgc), (nd, dg))
                np.testing.assert_array_equal(np.flatnonzero(s == -1), nodec)
                self.assertEqual(nd, len(nodec))
                self.assertEqual(dg, int(muted.sum()))
                for tg in tags:
                    self.assertEqual([o for o, k, _ in tg if k == "isac_no_tx"], first)
                    self.assertTrue(all(v == L for _, k, v in tg if k == "isac_no_tx"))
                if L > 1:
                    for c in np.flatnonzero(~cpi_muted):
                        self.tb = gr.top_block()
                        _, s1, _, _ = self.run_block_keep(mk(), r[c * L:(c + 1) * L], x[c * L:(c + 1) * L])
                        self.assertEqual(s1[-1], s[c * L + L - 1], c)
                        self.assertGreaterEqual(s1[-1], 0.0)
                else:
                    self.tb = gr.top_block()
                    z1, s1, _, _ = self.run_block_keep(mk(), r[~muted], x[~muted])
                    np.testing.assert_array_equal(z1, z[~muted])
                    np.testing.assert_array_equal(s1, s[~muted])
                # the same top block started again: the first run ended in a stretch
                self.tb = gr.top_block()
                blk = mk()
                s0 = blocks.vector_source_c(r.astype(np.complex64).ravel(), False, nr)
                s1_ = blocks.vector_source_c(x.ravel(), False, nt)
                k0, k1 = blocks.vector_sink_c(), blocks.vector_sink_f()
                self.tb.connect(s0, (blk, 0))
                self.tb.connect(s1_, (blk, 1))
                self.tb.connect((blk, 0), k0)
                self.tb.connect((blk, 1), k1)
                for rep in (1, 2):
                    if rep == 2:
                        s0.rewind()
                        s1_.rewind()
                        k0.reset()
                        k1.reset()
                    self.tb.start()
                    self.tb.wait()
                    np.testing.assert_array_equal(np.array(k1.data()), s, rep)
                    np.testing.assert_array_equal(np.array(k0.data()), z, rep)
                    for k, tg in zip((k0, k1), tags):
                        self.assertEqual([(t.offset, pmt.symbol_to_string(t.key), pmt.to_python(t.value))
                                          for t in k.tags()], tg, rep)
                    self.assertEqual((blk.no_decision_count(), blk.degenerate_count()), (rep * nd, rep * dg))


    def test_025_partial_cpi_pfa_12_antennas(self):
        # The partly muted coherent CPI at 12 receive antennas, where the mixed-x
        # variance has no distortion cross terms (N_R > 8): there the rule (a coherent
        # CPI of k copies) and the mixed-x variance it replaces separate, where at 4
        # antennas the cross terms' same-x pairs bring the two close. H0 Monte-Carlo,
        # 12 of 16 snapshots transmitted, one 1-bit x, set Pfa 0.01. Over four x draws
        # at 20 000 CPIs the rule measured 0.0090-0.0100 and the mixed-x variance (the
        # rule bypassed) 0.0122-0.0263; this draw: 0.0086 and 0.0272 at the test's
        # 8000 CPIs. Band 0.5-1.5x plus 4 binomial sigmas: the bypass fails it.
        pfa, L, k, T = 0.01, 16, 12, 8000
        nt, nr, tgt, clut, cnr = 8, 12, 12.0, [-37.0, 51.0], [20.0, 15.0]
        sc = C.radar_scene(nt, nr, tgt, clut, 10.0, cnr)
        zeta2 = [10.0] + list(10 ** (np.asarray(cnr) / 10))
        g = np.random.default_rng(2026)
        x1 = rc.one_bit_adc(g.standard_normal((1, nt)) + 1j * g.standard_normal((1, nt))) / np.sqrt(2 * nt)
        X = np.tile(x1, (L, 1))
        X[k:] = 0
        s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(3))
        self.assertTrue(np.all(np.isfinite(s)) and np.all(s >= 0))
        meas = float(np.mean(s >= 1))
        print(f"\n{nt}x{nr}, {k} of {L} transmitted, one x: Pfa {meas:.4f} (set {pfa})")
        self.assertGreater(meas, 0.5 * pfa - binomial_halfwidth(0.5 * pfa, T))
        self.assertLess(meas, 1.5 * pfa + binomial_halfwidth(1.5 * pfa, T))


    def test_031_few_transmitted_snapshots_pfa(self):
        # A CPI of 16 with only k = 1 or 2 snapshots transmitted (the edge of a TDD
        # guard), 1-bit exact threshold, one x, random asymmetric scenes at 12 antennas
        # (reachable: 4^(1 - 12 k) << Pfa). H0 Monte-Carlo against the set Pfa 0.01,
        # band 4 binomial sigmas of T. Before, k = 1 took the general path (the L-copy
        # tail shape scaled by the clutter share, lighter than one snapshot's) and k = 2
        # the L-copy shape rule. The two scenes are draws where that rule fails (picked
        # by a scan: over 12 scene draws it failed 3 at 8000 CPIs and read
        # 0.0085-0.0144 on the rest): rng 8 read 0.0210 and 0.0214, rng 3 0.0159 and
        # 0.0159 (k = 1, 2). The k-copy shape from one snapshot's (k = 1: its own
        # threshold) to the L-copy one reads 0.0116 and 0.0107, 0.0112 and 0.0120.
        pfa, L, T, nt, nr = 0.01, 16, 8000, 8, 12
        for seed, noise in ((8, 9), (3, 1003)):
            g = np.random.default_rng(seed)
            tgt = g.uniform(-40, 40)
            clut = [tgt - g.uniform(25, 50), tgt + g.uniform(25, 45)]
            cnr = [g.uniform(15, 22), g.uniform(10, 18)]
            sc = C.radar_scene(nt, nr, tgt, clut, 10.0, cnr)
            zeta2 = [10.0] + list(10 ** (np.asarray(cnr) / 10))
            x1 = rc.one_bit_adc(g.standard_normal((1, nt)) + 1j * g.standard_normal((1, nt))) / np.sqrt(2 * nt)
            for lit in ([9], [14, 15]):
                X = np.zeros((L, nt), complex)
                X[lit] = x1
                s = rc.h0_statistics(sc, C.adc_model.one_bit, pfa, L, X, zeta2, 1.0, T, np.random.default_rng(noise))
                self.assertTrue(np.all(np.isfinite(s)) and np.all(s >= 0))  # every CPI decides
                meas = float(np.mean(s >= 1))
                print(f"\nrng {seed}, {nt}x{nr}, {len(lit)} of {L} transmitted: Pfa {meas:.4f} (set {pfa})")
                self.assertLess(abs(meas - pfa), binomial_halfwidth(pfa, T), (seed, lit))
        # k = 1: the CPI's statistic is its lit snapshot's own (the filter's per-snapshot
        # statistic), with either weights, also when the L-copy terms fail their check
        # (Re t[Q+1] = 0 and e = 0 give E_L = 0 here, a hand-made case: the k = 1
        # threshold must not fall back to the general path)
        X = np.zeros((4 * L, nt), complex)
        lit = np.arange(4) * L + g.integers(0, L, 4)
        X[lit] = x1
        r = rc.one_bit_adc(rc.simulate_echo(sc, X, zeta2, 1.0, g, target=False, cpi_len=L))
        f = C.rx_filter(sc, C.adc_model.one_bit, pfa, 1.0, C.threshold_model.exact, L, C.clutter_model.swerling1)
        z, st, status, terms = f.process(r.astype(np.complex64), X.astype(np.complex64), True)
        bad = terms.copy()
        Q = len(clut)
        bad[lit, 0] = bad[lit, 0].real
        bad[lit, Q + 1] = 1j * bad[lit, Q + 1].imag
        for tt in (terms, bad):
            for w in (C.cpi_weights.equal, C.cpi_weights.inverse_variance):
                cs = C.cpi_statistics(sc, C.adc_model.one_bit, pfa, 1.0, L, z, tt, status,
                                      C.threshold_model.exact, w)[1]
                np.testing.assert_allclose(cs, st[lit], rtol=1e-5)

    def test_026_meter_between_cpi_ends(self):
        # The statistic is 0 between CPI ends (cpi_len > 1). A detection_meter fed
        # every snapshot counts those zeros as items, as docs/blocks.md says (count()
        # and rate() per snapshot: a rate Pd / cpi_len); fed the CPI ends
        # (keep_one_in_n, the over-the-air GUI's chain) it counts the decisions alone,
        # -1 apart; fed every snapshot with period = cpi_len it counts the CPI ends
        # itself, and summary.cpi_detection_counts (the headless over-the-air summary)
        # reads its CPI figures, with and without a skip. Reference: numpy on the
        # statistic.
        from gnuradio.isac import summary
        nt, nr, L, n = 8, 4, 4, 203  # the last CPI incomplete
        x = (self.cn(n, nt) / 4).astype(np.complex64)
        x[21:34] = 0    # CPIs 6-7 muted, 5 and 8 in part
        x[100:108] = 0  # CPIs 25-26 muted
        r = rc.one_bit_adc(self.cn(n, nr))
        for skip in (0, 7, 12):
            with self.subTest(skip=skip):
                blk = isac.one_bit_rx_filter(nt, nr, 14.0, [-33.0, 48.0], 10.0, [20.0, 12.0], 1.0, 0.05, "1bit", L)
                every, ends = isac.detection_meter(0.6, skip), isac.detection_meter(0.6, 0)
                per = isac.detection_meter(0.6, skip, L)
                keep = blocks.keep_one_in_n(gr.sizeof_float, L)
                k1 = blocks.vector_sink_f()
                self.tb = gr.top_block()
                self.tb.connect(blocks.vector_source_c(r.astype(np.complex64).ravel(), False, nr), (blk, 0))
                self.tb.connect(blocks.vector_source_c(x.ravel(), False, nt), (blk, 1))
                self.tb.connect((blk, 0), blocks.null_sink(gr.sizeof_gr_complex))
                self.tb.connect((blk, 1), k1)
                self.tb.connect((blk, 1), every)
                self.tb.connect((blk, 1), per)
                self.tb.connect((blk, 1), keep, ends)
                self.tb.run()
                s = np.array(k1.data())
                self.assertEqual(len(s), n)
                cpi = s[L - 1::L]
                dec = cpi[cpi != -1]
                self.assertEqual(int(np.sum(cpi == -1)), 4)
                self.assertTrue(np.all(s[np.arange(n) % L != L - 1] == 0))
                hits = int(np.sum(dec >= 0.6))
                self.assertGreater(hits, 0)
                # every snapshot: the zeros are items
                tail = s[skip:]
                self.assertEqual(every.count(), int(np.sum(tail >= 0)))
                self.assertEqual(every.no_decision_count(), int(np.sum(tail == -1)))
                self.assertAlmostEqual(every.rate(), np.sum(tail >= 0.6) / np.sum(tail >= 0), places=12)
                # the CPI ends: the decisions alone
                self.assertEqual((ends.count(), ends.detections(), ends.no_decision_count()), (len(dec), hits, 4))
                self.assertAlmostEqual(ends.rate(), hits / len(dec), places=12)
                self.assertAlmostEqual(ends.mean_statistic(), float(np.mean(dec.astype(np.float64))), places=5)
                # the CPIs from the period meter
                c = s[L - 1::L][(np.arange(n // L) * L + L - 1) >= skip]
                self.assertEqual((per.count(), per.detections(), per.no_decision_count()),
                                 (int(np.sum(c != -1)), int(np.sum(c >= 0.6)), int(np.sum(c == -1))))
                self.assertAlmostEqual(per.mean_statistic(), float(np.mean(c[c != -1].astype(np.float64))),
                                       places=5)
                self.assertEqual(summary.cpi_detection_counts(per),
                                 (int(np.sum(c >= 0.6)), int(np.sum(c != -1))))
                # the headless summary: CPIs from the period meter; the period-1 meter
                # (a flowgraph saved before the period) as items, saying so
                for m, want in ((per, "%d of %d CPIs" % (np.sum(c >= 0.6), np.sum(c != -1))),
                                (every, "%d of %d items" % (np.sum(tail >= 0.6), np.sum(tail >= 0)))):
                    buf = io.StringIO()
                    summary.print_ota_headless(headless_stand_in(m, L, 0.05), buf)
                    radar = [ln for ln in buf.getvalue().splitlines() if ln.startswith("radar detections")]
                    self.assertEqual(len(radar), 1)
                    self.assertIn(want, radar[0])
                    if m is every:
                        self.assertIn("not CPIs: the meter counts every 1 items, the CPIs are 4 snapshots",
                                      radar[0])
                        self.assertNotIn("rate", radar[0])


    def muted_runs(self, nt, nr, spec):
        """(1-bit echo, x) per (snapshots, muted slices of x) in spec."""
        runs = []
        for n, muted in spec:
            x = (self.cn(n, nt) / 4).astype(np.complex64)
            for m in muted:
                x[m] = 0
            runs.append((rc.one_bit_adc(self.cn(n, nr)).astype(np.complex64), x))
        return runs

    def restart_graph(self, nt, nr, L, runs, trickle=False):
        """A one_bit_rx_filter (cpi_len L) in self.tb, its statistic recorded;
        restart(i) starts the top block again on runs[i] = (r, x[, tags on r])
        (after the last run's
        end, or its stop()) and returns that run's statistic: at its end
        (start(), wait()), or with stop_when, stopped by stop() and wait() once
        stop_when(statistic items recorded) is true; started() is called
        after start() (the blocks' item counters are the run's from there). Connect the meters to
        (blk, 1) first. trickle throttles the received snapshots and lets the
        filter write at most 7 items a call (a stop() then comes at any item,
        not at a buffer's size)."""
        blk = isac.one_bit_rx_filter(nt, nr, 14.0, [-33.0, 48.0], 10.0, [20.0, 12.0], 1.0, 0.05, "1bit", L)
        s0 = blocks.vector_source_c(runs[0][0].ravel(), False, nr)
        s1 = blocks.vector_source_c(runs[0][1].ravel(), False, nt)
        k1 = blocks.vector_sink_f()
        self.tb = gr.top_block()
        if trickle:
            blk.set_max_noutput_items(7)
            # the throttle passes what it is given at once and sleeps after it:
            # small calls make it a trickle
            thr = blocks.throttle(gr.sizeof_gr_complex * nr, 2000)
            thr.set_max_noutput_items(7)
            self.tb.connect(s0, thr, (blk, 0))
        else:
            self.tb.connect(s0, (blk, 0))
        self.tb.connect(s1, (blk, 1))
        self.tb.connect((blk, 0), blocks.null_sink(gr.sizeof_gr_complex))
        self.tb.connect((blk, 1), k1)

        def restart(i, stop_when=None, started=None):
            s0.set_data(runs[i][0].ravel(), list(runs[i][2:3] and runs[i][2]))
            s1.set_data(runs[i][1].ravel())
            k1.reset()
            self.tb.start()
            if started:
                started()
            if stop_when:
                t0 = time.monotonic()
                while not stop_when(k1.nitems_read(0)) and time.monotonic() - t0 < 10:
                    time.sleep(0.002)
                self.tb.stop()
            self.tb.wait()
            return np.array(k1.data())
        return blk, restart

    def test_027_cpi_counts_across_restart(self):
        # detection_meter's totals accumulate across a stop()/start() while its items
        # (nitems_read, the skip, the period) count from each start():
        # summary.cpi_detection_counts
        # gives a run's CPI figures from the totals taken before its start (since),
        # and refuses (ValueError) totals that span runs; without since, from the
        # meter's run_ counters. Two runs of different
        # lengths and mute patterns through the same top block; reference: numpy on
        # each run's statistic.
        from gnuradio.isac import summary
        nt, nr, L = 8, 4, 4
        runs = self.muted_runs(nt, nr, ((203, (slice(21, 34), slice(100, 108))), (150, (slice(0, 6), slice(61, 71)))))
        for skip in (0, 7, 12):
            with self.subTest(skip=skip):
                det = isac.detection_meter(0.6, skip, L)
                blk, restart = self.restart_graph(nt, nr, L, runs)
                self.tb.connect((blk, 1), det)
                refs, since = [], None
                for i, (r, x) in enumerate(runs):
                    if i:
                        since = summary.meter_totals(det)
                    st = restart(i)
                    self.assertEqual(len(st), len(x))
                    c = st[L - 1::L][np.arange(L - 1, len(x), L) >= skip]
                    refs.append((int(np.sum(c >= 0.6)), int(np.sum(c != -1))))
                    self.assertGreater(int(np.sum(c == -1)), 0)
                    self.assertEqual(summary.cpi_detection_counts(det, since), refs[-1])
                # without since: the last run's, from the meter's run_ counters;
                # the totals of both runs against the last run's items: refused
                self.assertEqual(summary.cpi_detection_counts(det), refs[-1])
                with self.assertRaises(ValueError):
                    summary.cpi_detection_counts(det, (0, 0, 0))
                self.assertEqual(det.detections(), refs[0][0] + refs[1][0])
                # the headless summary: the last run's CPIs with since or without,
                # no CPI figure from a since that is not the run's
                tb = headless_stand_in(det, L, 0.01)
                for sn, want in ((since, "%d of %d CPIs" % refs[1]), (None, "%d of %d CPIs" % refs[1]),
                                 ((0, 0, 0), "%d in all runs" % det.detections())):
                    buf = io.StringIO()
                    summary.print_ota_headless(tb, buf, sn)
                    self.assertIn(want, buf.getvalue())


    def test_028_period_meter_across_a_restart_in_mid_cpi(self):
        # A stop()/start() after a run whose length is no multiple of cpi_len: the
        # filter's CPIs start again at item 0, and so do the period meter's items,
        # while keep_one_in_n(cpi_len) carries its count over and hands the meter
        # behind it the zeros between CPI ends (the over-the-air GUI's old chain).
        # With a skip and a record window (numbered from each start() like the
        # period). Reference: numpy on each run's recorded statistic.
        from gnuradio.isac import summary
        nt, nr, L = 8, 4, 4
        runs = self.muted_runs(nt, nr, ((206, (slice(21, 34),)), (157, (slice(61, 71),))))  # 206 % 4 = 2: mid-CPI
        skip, first, end = 9, 13, 120
        per, kept = isac.detection_meter(0.6, skip, L), isac.detection_meter(0.6, 0)
        per.set_record_window(first, end, 1)
        blk, restart = self.restart_graph(nt, nr, L, runs)
        self.tb.connect((blk, 1), per)
        self.tb.connect((blk, 1), blocks.keep_one_in_n(gr.sizeof_float, L), kept)
        since, ksince = None, (0, 0, 0)
        for i, (r, x) in enumerate(runs):
            if i:
                since, ksince = summary.meter_totals(per), summary.meter_totals(kept)
            st = restart(i)
            self.assertEqual(len(st), len(x))
            idx = np.arange(len(x))
            # the filter's CPIs restart at item 0: decisions at L - 1 + k L only
            self.assertTrue(np.all(st[(idx + 1) % L != 0] == 0))
            c = st[((idx + 1) % L == 0) & (idx >= skip)]
            ref = (int(np.sum(c >= 0.6)), int(np.sum(c != -1)))
            self.assertGreater(ref[0], 0)
            self.assertGreater(int(np.sum(c == -1)), 0)
            self.assertEqual(summary.cpi_detection_counts(per, since), ref)
            d0 = since[2] if since else 0
            self.assertEqual(per.no_decision_count() - d0, int(np.sum(c == -1)))
            np.testing.assert_array_equal(np.array(per.recorded()), st[first:end])
            kd, kc = kept.detections() - ksince[0], kept.count() - ksince[1]
            if i == 0:
                self.assertEqual((kd, kc), (int(np.sum(st[L - 1::L] >= 0.6)), int(np.sum(st[L - 1::L] != -1))))
            else:
                # keep_one_in_n kept items 1, 5, ... (206 % 4 = 2 carried over): zeros
                self.assertEqual((kd, kc), (0, len(st[1::L])),
                                 "GNU Radio's keep_one_in_n no longer carries its count across a "
                                 "stop()/start() (GR 3.10's does, and this assertion relies on it): "
                                 "gr-isac may still be right; the docs/blocks.md note on keep_one_in_n "
                                 "and this branch of test_028 can go")
                self.assertNotEqual((kd, kc), ref)

    def test_040_cpi_decimator_across_restarts_in_mid_cpi(self):
        # The over-the-air GUI's plot path: cpi_decimator(cpi_len) behind the
        # filter's statistic hands on exactly the CPI ends of each run (items
        # L - 1 + k L counted from the run's start), across stop()/start() after
        # runs that end in mid-CPI (206 % 4 = 2, 157 % 4 = 1). Main's chain,
        # keep_one_in_n(cpi_len), carries its count over and plots the zeros
        # between CPI ends in the runs after the first. Reference: numpy on each
        # run's recorded statistic.
        nt, nr, L = 8, 4, 4
        runs = self.muted_runs(nt, nr, ((206, (slice(21, 34),)), (157, (slice(61, 71),)),
                                        (99, (slice(40, 47),))))
        dec, keep = isac.cpi_decimator(L), blocks.keep_one_in_n(gr.sizeof_float, L)
        self.assertEqual(dec.cpi_len(), L)
        dsink, ksink = blocks.vector_sink_f(), blocks.vector_sink_f()
        blk, restart = self.restart_graph(nt, nr, L, runs)
        self.tb.connect((blk, 1), dec, dsink)
        self.tb.connect((blk, 1), keep, ksink)
        carried = 0  # keep_one_in_n's count carried into the run
        for i, (r, x) in enumerate(runs):
            dsink.reset()
            ksink.reset()
            st = restart(i)
            self.assertEqual(len(st), len(x))
            idx = np.arange(len(x))
            ends = st[(idx + 1) % L == 0]
            # non-trivial CPI ends: detections, misses and no decisions
            self.assertGreater(int(np.sum(ends >= 0.6)), 0)
            self.assertGreater(int(np.sum((ends >= 0) & (ends < 0.6))), 0)
            self.assertGreater(int(np.sum(ends == -1)), 0)
            self.assertTrue(np.all(st[(idx + 1) % L != 0] == 0))
            np.testing.assert_array_equal(np.array(dsink.data()), ends)
            kept = np.array(ksink.data())
            # GR 3.10's keep_one_in_n: items (i + carried + 1) % L == 0. These
            # asserts document GNU Radio's behaviour (why cpi_decimator exists),
            # not gr-isac's
            gr_msg = ("GNU Radio's keep_one_in_n no longer carries its count across a "
                      "stop()/start() (GR 3.10's does, and this assertion documents it): "
                      "cpi_decimator is still right; the docs' notes on keep_one_in_n and "
                      "this part of test_040 can go")
            np.testing.assert_array_equal(kept, st[(idx + carried + 1) % L == 0], gr_msg)
            if carried:
                self.assertFalse(np.array_equal(kept, ends), gr_msg)
                self.assertTrue(np.all(kept == 0), gr_msg)
            carried = (carried + len(x)) % L
        self.assertEqual(carried, (206 + 157 + 99) % L)

    def test_041_run_counts_across_restarts(self):
        # detection_meter's run_ counters are the current run's counts (start()
        # sets them to 0; the totals go on): after stop()/start() in mid-CPI,
        # summary.cpi_detection_counts(meter) gives the run's CPI figures without
        # since (main raised ValueError: totals of several runs), since still
        # works, and print_ota_headless prints the run's CPIs. Three runs of
        # different lengths and mute patterns; reference: numpy on each run's
        # recorded statistic (items i >= skip with (i + 1) % L == 0).
        from gnuradio.isac import summary
        nt, nr, L, skip = 8, 4, 4, 9
        runs = self.muted_runs(nt, nr, ((206, (slice(21, 34),)), (157, (slice(61, 71),)),
                                        (99, (slice(0, 12),))))
        det = isac.detection_meter(0.6, skip, L)
        blk, restart = self.restart_graph(nt, nr, L, runs)
        self.tb.connect((blk, 1), det)
        tot = np.zeros(3, int)
        for i, (r, x) in enumerate(runs):
            since = summary.meter_totals(det)
            st = restart(i)
            idx = np.arange(len(st))
            c = st[((idx + 1) % L == 0) & (idx >= skip)]
            ref = np.array([np.sum(c >= 0.6), np.sum(c != -1), np.sum(c == -1)])
            self.assertTrue(np.all(ref > 0))
            tot += ref
            self.assertEqual((det.run_detections(), det.run_count(), det.run_no_decision_count(),
                              det.run_nonfinite_count()), tuple(int(v) for v in ref) + (0,))
            self.assertEqual(det.run_counts(), tuple(int(v) for v in ref) + (0,))
            self.assertEqual((det.detections(), det.count(), det.no_decision_count()), tuple(int(v) for v in tot))
            self.assertEqual(summary.cpi_detection_counts(det), (int(ref[0]), int(ref[1])))
            self.assertEqual(summary.cpi_detection_counts(det, since), (int(ref[0]), int(ref[1])))
            buf = io.StringIO()
            summary.print_ota_headless(headless_stand_in(det, L, 0.05), buf)
            radar = [ln for ln in buf.getvalue().splitlines() if ln.startswith("radar detections")]
            self.assertEqual(len(radar), 1)
            self.assertIn("%d of %d CPIs" % (ref[0], ref[1]), radar[0])
            self.assertIn("%d not transmitted" % ref[2], radar[0])
        # a since that is not this run's start: refused
        with self.assertRaises(ValueError):
            summary.cpi_detection_counts(det, (0, 0, 0))

    def test_042_run_counters_nonfinite_and_reset(self):
        # The run_ counters against numpy on a stream with NaN, -Inf and -1 at
        # counted items (+Inf only at a skipped one), over two runs through the same meter (period 3, skip 5):
        # each run's counts alone, the totals both runs'.
        tb = gr.top_block()
        # counted: v1 items 5, 8, 11; v2 items 5, 8, 11, 14 (the others skipped or between)
        v1 = np.array([0.1, 2.0, 1.5, -1, 3.0, np.nan, 0.2, 0.5, -1, np.inf, 4.0, 2.0, 1.1, 0.0], np.float32)
        v2 = np.array([5.0, np.nan, -1, 0.3, 2.2, 3.0, 1.0, -np.inf, -1, 0.4, 6.0, -np.inf, 1.2, 0.9, 0.4],
                      np.float32)
        src = blocks.vector_source_f(v1.tolist())
        meter = isac.detection_meter(1.0, 5, 3)
        tb.connect(src, meter)
        tot = np.zeros(4, int)
        for v in (v1, v2):
            src.set_data(v.tolist())
            tb.start()
            tb.wait()
            i = np.arange(len(v))
            u = v[(i >= 5) & ((i + 1) % 3 == 0)]
            nodec, bad = u == -1, ~np.isfinite(u)
            ref = np.array([np.sum(np.isfinite(u) & (u >= 1.0)), np.sum(~nodec), np.sum(bad), np.sum(nodec)])
            tot += ref
            self.assertEqual((meter.run_detections(), meter.run_count(), meter.run_nonfinite_count(),
                              meter.run_no_decision_count()), tuple(int(x) for x in ref))
            self.assertEqual(meter.run_counts(), tuple(int(x) for x in ref[[0, 1, 3, 2]]))
            self.assertEqual((meter.detections(), meter.count(), meter.nonfinite_count(),
                              meter.no_decision_count()), tuple(int(x) for x in tot))
        self.assertTrue(np.all(tot > 0))

    def test_043_cpi_decimator_validated(self):
        for bad in (0, -1, 2**24 + 1):
            with self.assertRaisesRegex(ValueError, "cpi_len"):
                isac.cpi_decimator(bad)

    def test_044_cpi_decimator_tags_on_their_cpi(self):
        # A tag on input item i goes to cpi_decimator's output item i // L (its
        # CPI's decision), key, value and srcid kept: tags at CPI ends (where
        # one_bit_rx_filter puts isac_detect), mid-CPI and on the last full CPI's
        # end; those of the unfinished CPI at a run's end go nowhere. Two runs
        # (offsets count from each start()). GR's default policy rounded i / L to
        # the nearest item: CPI ends landed on the next CPI, the last one nowhere.
        rng = np.random.default_rng(44)
        L = 5
        tb = gr.top_block()
        src = blocks.vector_source_f([0.0])
        dec, snk = isac.cpi_decimator(L), blocks.vector_sink_f()
        tb.connect(src, dec, snk)
        for n in (103, 77):
            v = rng.standard_normal(n).astype(np.float32)
            full = n // L * L
            ends = np.arange(L - 1, full, L)
            offs = np.unique(np.concatenate([rng.choice(ends, 6, replace=False), [full - 1],
                                             rng.choice(np.setdiff1d(np.arange(full), ends), 6, replace=False),
                                             [full + 1]]))
            tags = []
            for o in offs:
                t = gr.tag_t()
                t.offset, t.key = int(o), pmt.intern("isac_detect")
                t.value, t.srcid = pmt.from_long(int(o)), pmt.intern("src")
                tags.append(t)
            src.set_data(v.tolist(), tags)
            snk.reset()
            tb.start()
            tb.wait()
            np.testing.assert_array_equal(np.array(snk.data()), v[L - 1:full:L])
            got = sorted((t.offset, pmt.to_long(t.value)) for t in snk.tags())
            kept = offs[offs < full]
            self.assertEqual(got, [(int(o) // L, int(o)) for o in kept])
            self.assertTrue(all(pmt.symbol_to_string(t.key) == "isac_detect" and
                                pmt.symbol_to_string(t.srcid) == "src" for t in snk.tags()))

    def test_045_cpi_decimator_after_a_stop_in_mid_stream(self):
        # top_block.stop() with items in flight (a throttled source, the filter
        # writing at most 7 items a call), wait(), then
        # start() again: the filter's CPIs and cpi_decimator's groups both count
        # from item 0 of the new run, so the decimator hands on the new run's CPI
        # ends exactly (numpy on its recorded statistic). A stopped run's output
        # is a prefix of its CPI ends. The long run is stopped and started again
        # until two stops came in mid-CPI (the filter had written no multiple of
        # L items), then a short run goes to its end.
        nt, nr, L = 8, 4, 4
        runs = self.muted_runs(nt, nr, ((3000, (slice(21, 34),)), (157, (slice(61, 71),))))
        dec, dsink = isac.cpi_decimator(L), blocks.vector_sink_f()
        blk, restart = self.restart_graph(nt, nr, L, runs, trickle=True)
        self.tb.connect((blk, 1), dec, dsink)
        mid = 0
        for attempt in range(12):
            dsink.reset()
            # stopped once both sinks have part of the run
            st = restart(0, stop_when=lambda k: k > 1100 + 13 * attempt and dsink.nitems_read(0) > 40)
            self.assertLess(blk.nitems_written(1), 3000)  # stopped, not at the source's end
            got = np.array(dsink.data())
            idx = np.arange(len(st))
            ends = st[(idx + 1) % L == 0]
            n = min(len(got), len(ends))  # each sink got its own prefix of the run
            self.assertGreater(n, 20)
            np.testing.assert_array_equal(got[:n], ends[:n])
            mid += blk.nitems_written(1) % L != 0
            if mid == 2:
                break
        self.assertEqual(mid, 2)
        dsink.reset()
        st = restart(1)
        self.assertEqual(len(st), 157)
        idx = np.arange(len(st))
        ends = st[(idx + 1) % L == 0]
        self.assertGreater(int(np.sum(ends >= 0.6)), 0)
        self.assertGreater(int(np.sum(ends == -1)), 0)
        self.assertTrue(np.all(st[(idx + 1) % L != 0] == 0))
        np.testing.assert_array_equal(np.array(dsink.data()), ends)

    def cpi_tags(self, offsets):
        tags = []
        for o in offsets:
            t = gr.tag_t()
            t.offset, t.key, t.value = int(o), pmt.intern("isac_cpi"), pmt.from_uint64(7)
            tags.append(t)
        return tags

    def check_cpi_readers(self, st, stat_tags, starts, L, dec_out, det, out0=None):
        """The filter's statistic st restarted its CPIs at starts: it is 0 off the
        CPI ends (numpy from the starts) and tagged isac_cpi at each start;
        cpi_decimator's output and the period meter's run counts (and out0, the
        run's rate after each item) == numpy on st. Returns the CPI ends."""
        got = sorted(t.offset for t in stat_tags if pmt.symbol_to_string(t.key) == "isac_cpi")
        self.assertEqual(got, sorted(int(s) for s in starts))
        ends = cpi_ends_ref(len(st), starts, L)
        off = np.setdiff1d(np.arange(len(st)), ends)
        self.assertTrue(np.all(st[off] == 0))
        self.assertTrue(np.all(st[ends] != 0))
        np.testing.assert_array_equal(dec_out, cpi_decimated_ref(st, ends, L))
        d = st[ends]
        want = (int(np.sum(d >= 1.0)), int(np.sum(d >= 0)), int(np.sum(d < 0)), 0)
        self.assertEqual(det.run_counts(), want)
        if out0 is not None:
            hits, decided = np.zeros(len(st)), np.zeros(len(st))
            hits[ends], decided[ends] = d >= 1.0, d >= 0
            rate = np.cumsum(hits) / np.maximum(np.cumsum(decided), 1)
            np.testing.assert_allclose(out0, rate, rtol=1e-6, atol=1e-7)
        return ends

    def test_047_cpi_readers_follow_mid_stream_cpi_restarts(self):
        # isac_cpi tags on r (e.g. an isac_channel whose CPI length differs)
        # restart the filter's CPIs off the grid of L from item 0: the filter tags
        # each restart on its statistic, and cpi_decimator and a period
        # detection_meter count the CPI ends from it (numpy from the tags'
        # items); two runs through one top block, the second's tags elsewhere
        # (the readers' CPI start goes back to 0 at start()). On main the
        # readers kept items (i + 1) % L == 0 of each run: mostly zeros after
        # the first restart.
        rng = np.random.default_rng(47)
        nt, nr, L = 8, 4, 5
        runs = []
        for n, muted in ((223, (slice(140, 170),)), (181, (slice(30, 58),))):
            r, x = self.muted_runs(nt, nr, ((n, muted),))[0]
            starts = np.sort(rng.choice(np.arange(7, n - 12), 4, replace=False))
            starts = starts[np.diff(np.concatenate([[0], starts])) > 1]
            runs.append((r, x, self.cpi_tags(starts), starts))
        dec, dsink = isac.cpi_decimator(L), blocks.vector_sink_f()
        det, osink = isac.detection_meter(1.0, 0, L), blocks.vector_sink_f()
        blk, restart = self.restart_graph(nt, nr, L, [u[:3] for u in runs])
        self.tb.connect((blk, 1), dec, dsink)
        self.tb.connect((blk, 1), det, osink)
        tags_sink = blocks.vector_sink_f()
        self.tb.connect((blk, 1), tags_sink)
        moved = 0
        for i, u in enumerate(runs):
            dsink.reset(), osink.reset(), tags_sink.reset()
            st = restart(i)
            ends = self.check_cpi_readers(st, tags_sink.tags(), u[3], L, np.array(dsink.data()), det,
                                          np.array(osink.data()))
            self.assertGreater(int(np.sum(st[ends] >= 1.0)), 0)
            self.assertGreater(int(np.sum(st[ends] < 0)), 0)
            moved += int(np.sum((ends + 1) % L != 0))
        self.assertGreater(moved, 30)  # most CPI ends were off main's grid

    def set_while_running(self, blk, k, scale):
        """A thread, to be started after the top block's start(), that calls
        blk.set_threshold_scale(scale) once the filter wrote k statistic items
        (fast: set_pfa rebuilds threshold tables for seconds); at = [items
        written before the setter, after it returned]."""
        at = []

        def change():
            t0 = time.monotonic()
            while blk.nitems_written(1) < k and time.monotonic() - t0 < 10:
                time.sleep(0.002)
            at.append(blk.nitems_written(1))
            blk.set_threshold_scale(scale)
            at.append(blk.nitems_written(1))
        return threading.Thread(target=change), at

    def setter_runs(self, nt, nr, L, runs):
        """restart_graph (trickle) with cpi_decimator, a period meter and a tag
        sink on the statistic; run(k, attempt) runs runs[0] with a setter once k
        items were written and returns (statistic, at of set_while_running,
        check(starts): check_cpi_readers on the run)."""
        dec, dsink = isac.cpi_decimator(L), blocks.vector_sink_f()
        det, osink = isac.detection_meter(1.0, 0, L), blocks.vector_sink_f()
        tags_sink = blocks.vector_sink_f()
        blk, restart = self.restart_graph(nt, nr, L, runs, trickle=True)
        for c in ((dec, dsink), (det, osink), (tags_sink,)):
            self.tb.connect((blk, 1), *c)

        def run(k, attempt):
            dsink.reset(), osink.reset(), tags_sink.reset()
            th, at = self.set_while_running(blk, k, (1.1, 0.9)[attempt % 2])
            st = restart(0, started=th.start)
            th.join()
            self.assertEqual(len(st), len(runs[0][0]))
            tags = tags_sink.tags()

            def check(starts):
                return self.check_cpi_readers(st, tags, starts, L, np.array(dsink.data()), det,
                                              np.array(osink.data()))
            return st, at, tags, check
        return run

    def test_048_cpi_readers_follow_a_parameter_change(self):
        # A parameter change while running gives the filter a fresh CPI
        # integrator at the next item it writes, anywhere in a CPI; it tags that
        # item isac_cpi on the statistic, and cpi_decimator and the period meter
        # count the CPI ends from it. The change lands where the scheduler's
        # next call starts (throttled source, at most 7 items a call): repeated
        # until it landed off main's grid of L.
        nt, nr, L = 8, 4, 5
        run = self.setter_runs(nt, nr, L, self.muted_runs(nt, nr, ((900, (slice(500, 513),)),)))
        for attempt in range(6):
            st, at, tags, check = run(200 + 37 * attempt, attempt)
            starts = [t.offset for t in tags if pmt.symbol_to_string(t.key) == "isac_cpi"]
            self.assertEqual(len(starts), 1)
            # the first item the filter wrote after the setter: at most one call
            # (7 items) after what it had written when the setter returned
            self.assertTrue(at[0] <= starts[0] <= at[1] + 7, (at, starts))
            check(starts)
            if starts[0] % L:
                break
        self.assertNotEqual(starts[0] % L, 0)

    def looping_graph(self, L):
        """A top block: a throttled looping r (at most 16 items a call) and x
        into a one_bit_rx_filter (cpi_len L), z to a null sink; connect the
        statistic's readers to g.f, 1."""
        nt, nr = 8, 4
        r, x = self.muted_runs(nt, nr, ((1200, ()),))[0]
        g = types.SimpleNamespace(tb=gr.top_block(), zs=blocks.null_sink(gr.sizeof_gr_complex))
        g.filt = lambda L: isac.one_bit_rx_filter(nt, nr, 14.0, [-33.0, 48.0], 10.0, [20.0, 12.0], 1.0, 0.05,
                                                  "1bit", L)
        g.f = g.filt(L)
        g.s0, g.s1 = blocks.vector_source_c(r.ravel(), True, nr), blocks.vector_source_c(x.ravel(), True, nt)
        g.thr = blocks.throttle(gr.sizeof_gr_complex * nr, 4000)
        g.thr.set_max_noutput_items(16)
        g.tb.connect(g.s0, g.thr, (g.f, 0))
        g.tb.connect(g.s1, (g.f, 1))
        g.tb.connect((g.f, 0), g.zs)
        return g

    def reconfigure_while_running(self, tb, before, change, after):
        """Starts tb, and once the sink `before` read 20 items calls change()
        between lock() and unlock(), then runs until the sink `after` read 40,
        and stops. unlock() in finally: a top block left locked by an exception
        makes GNU Radio's wait() block forever (the test would hang, not fail)."""
        def run_until(sink, k):
            t0 = time.monotonic()
            while sink.nitems_read(0) < k and time.monotonic() - t0 < 10:
                time.sleep(0.005)
            self.assertGreaterEqual(sink.nitems_read(0), k)

        tb.start()
        try:
            run_until(before, 20)
            tb.lock()
            try:
                change()
            finally:
                tb.unlock()
            run_until(after, 40)
        finally:
            tb.stop()
            tb.wait()

    def test_049_cpi_readers_after_lock_unlock_adds_a_reader(self):
        # lock()/unlock() with a cpi_decimator added to the running filter: GNU
        # Radio 3.10 runs every block's start() again and counts items from 0,
        # so the filter's CPIs, both decimators' groups and the meter's items
        # start again together. Every decimator output is a CPI end (> 0 with
        # nothing muted; 0 off the ends), and the meter's record of what it read
        # since the unlock() has its ends at (i + 1) % L == 0 and run counts ==
        # numpy on it (its totals include the first part).
        L = 4
        g = self.looping_graph(L)
        dec, dsink = isac.cpi_decimator(L), blocks.vector_sink_f()
        det = isac.detection_meter(1.0, 0, L)
        det.set_record_window(0, 10 ** 7, 1)
        g.tb.connect((g.f, 1), dec, dsink)
        g.tb.connect((g.f, 1), det)
        dec_b, sink_b = isac.cpi_decimator(L), blocks.vector_sink_f()
        self.reconfigure_while_running(g.tb, dsink, lambda: g.tb.connect((g.f, 1), dec_b, sink_b), sink_b)
        for got in (np.array(dsink.data()), np.array(sink_b.data())):
            self.assertGreater(len(got), 39)
            self.assertEqual(int(np.sum(got <= 0)), 0)
        rec = np.array(det.recorded())
        ends = (np.arange(len(rec)) + 1) % L == 0
        self.assertGreater(int(np.sum(ends)), 20)
        self.assertTrue(np.all(rec[~ends] == 0))
        d = rec[ends]
        self.assertTrue(np.all(d > 0))
        self.assertEqual(det.run_counts(), (int(np.sum(d >= 1.0)), len(d), 0, 0))
        self.assertGreater(det.count(), det.run_count())

    def test_050_parameter_change_on_a_tagged_item_restarts_once(self):
        # A parameter change whose first item carries an isac_cpi tag on r is
        # one CPI restart, tagged once on the statistic. r is tagged at every
        # item of [a, b), so the call that takes the change up starts on a
        # tagged item wherever it lands in there. Before, the change stayed
        # pending behind the tag and restarted the CPI again at b, the first
        # item without one: a tag at b on the statistic and the CPI ends after
        # it shifted. Repeated until the setter landed inside [a, b) (a loaded
        # host may delay the setting thread).
        nt, nr, L, a, b = 8, 4, 5, 150, 751
        r, x = self.muted_runs(nt, nr, ((900, ()),))[0]
        run = self.setter_runs(nt, nr, L, [(r, x, self.cpi_tags(range(a, b)))])
        for attempt in range(4):
            st, at, tags, check = run(a + 50 + 23 * attempt, attempt)
            if a <= at[0] and at[1] + 7 < b:
                break
        self.assertTrue(a <= at[0] and at[1] + 7 < b, at)
        ends = check(np.arange(a, b))
        self.assertEqual(ends[np.searchsorted(ends, b)], (b - 1) + L - 1)  # the CPI of the last r tag, at b - 1

    def test_051_isac_cpi_on_x_is_not_a_restart(self):
        # isac_cpi on the statistic means "the filter restarted its CPI here"
        # (cpi_decimator and a period detection_meter realign on it): an
        # isac_cpi tag on x (port 1, otherwise forwarded to the statistic) does
        # not restart the filter, so it is not passed on; r's are.
        nt, nr, L = 8, 4, 4
        r, x = self.muted_runs(nt, nr, ((400, ()),))[0]
        blk = isac.one_bit_rx_filter(nt, nr, 14.0, [-33.0, 48.0], 10.0, [20.0, 12.0], 1.0, 0.05, "1bit", L)
        tb = gr.top_block()
        k = blocks.vector_sink_f()
        other = gr.tag_t()
        other.offset, other.key, other.value = 77, pmt.intern("isac_other"), pmt.PMT_T
        tb.connect(blocks.vector_source_c(r.ravel(), False, nr, self.cpi_tags([131, 262])), (blk, 0))
        tb.connect(blocks.vector_source_c(x.ravel(), False, nt, self.cpi_tags([53, 198, 301]) + [other]),
                   (blk, 1))
        tb.connect((blk, 0), blocks.null_sink(gr.sizeof_gr_complex))
        tb.connect((blk, 1), k)
        tb.run()
        st = np.array(k.data())
        self.assertEqual(len(st), 400)
        got = sorted((t.offset, pmt.symbol_to_string(t.key)) for t in k.tags())
        got = [g for g in got if g[1] != "isac_detect"]  # the filter's own, on CPI ends
        self.assertEqual(got, [(77, "isac_other"), (131, "isac_cpi"), (262, "isac_cpi")])
        ends = cpi_ends_ref(len(st), [131, 262], L)
        self.assertTrue(np.all(st[ends] != 0))
        self.assertTrue(np.all(st[np.setdiff1d(np.arange(len(st)), ends)] == 0))

    def test_052_cpi_len_change_by_replacing_the_blocks_under_lock(self):
        # Another cpi_len while running: under lock()/unlock(), the filter,
        # cpi_decimator and detection_meter (cpi_len 4) replaced by cpi_len 6
        # ones. GNU Radio 3.10 starts the new blocks at item 0 together: every
        # new decimator output is a CPI end (> 0, nothing muted), the
        # statistic is nonzero at i % 6 == 5 alone, and the new meter's run
        # counts == numpy on its record.
        g = self.looping_graph(4)
        tb, f, thr, s1, zs = g.tb, g.f, g.thr, g.s1, g.zs
        dec, ds, det = isac.cpi_decimator(4), blocks.vector_sink_f(), isac.detection_meter(1.0, 0, 4)
        tb.connect((f, 1), dec, ds)
        tb.connect((f, 1), det)
        f2, dec2, ds2, det2 = g.filt(6), isac.cpi_decimator(6), blocks.vector_sink_f(), isac.detection_meter(1.0, 0, 6)
        det2.set_record_window(0, 10 ** 7, 1)
        st2 = blocks.vector_sink_f()

        def replace():
            for u, v in ((thr, (f, 0)), (s1, (f, 1)), ((f, 0), zs), ((f, 1), dec), (dec, ds), ((f, 1), det)):
                tb.disconnect(u, v)
            tb.connect(thr, (f2, 0))
            tb.connect(s1, (f2, 1))
            tb.connect((f2, 0), zs)
            tb.connect((f2, 1), dec2, ds2)
            tb.connect((f2, 1), det2)
            tb.connect((f2, 1), st2)
        self.reconfigure_while_running(tb, ds, replace, ds2)
        d2, st, rec = np.array(ds2.data()), np.array(st2.data()), np.array(det2.recorded())
        self.assertGreater(len(d2), 39)
        self.assertEqual(int(np.sum(d2 <= 0)), 0)
        on = (np.arange(len(st)) + 1) % 6 == 0
        self.assertTrue(np.all(st[on] > 0))
        self.assertTrue(np.all(st[~on] == 0))
        e = (np.arange(len(rec)) + 1) % 6 == 0
        self.assertTrue(np.all(rec[~e] == 0))
        self.assertEqual(det2.run_counts(), (int(np.sum(rec[e] >= 1.0)), int(np.sum(e)), 0, 0))
        self.assertGreater(int(np.sum(e)), 20)

    def test_029_period_validated(self):
        for bad in (0, -1, -4):
            with self.assertRaisesRegex(ValueError, "period"):
                isac.detection_meter(1.0, 0, bad)
        m = isac.detection_meter(1.0, 3, 5)
        self.assertEqual((m.skip(), m.period()), (3, 5))
        self.assertEqual(isac.detection_meter().period(), 1)


if __name__ == '__main__':
    gr_unittest.run(qa_one_bit_rx_filter)
