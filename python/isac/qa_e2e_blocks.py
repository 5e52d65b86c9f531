#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The Python helper blocks of the end-to-end chains, against numpy written
from their definitions: PSK decisions/SER, detection counting, the DoD
reference a^H x, the beampattern probe, the LoS csi dict, the csi gate, the
receive-array phase calibration, and the Theorem-2 SER bounds by Monte Carlo."""

import math
import threading
import time

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest

try:
    from gnuradio import isac
    from gnuradio.isac import reliability as rel
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    sys.path.append(dirname)
    from gnuradio import isac
    import reliability as rel


def nearest_psk(y, m):
    # brute-force nearest point of exp(j 2 pi k/M) in Euclidean distance (after
    # normalising |y|, the definition the sector decision must reproduce)
    pts = np.exp(2j * np.pi * np.arange(m) / m)
    yn = y / np.maximum(np.abs(y), 1e-300)
    return np.argmin(np.abs(yn[..., None] - pts) ** 2, axis=-1)


def ula(n, deg, sign, center, unit):
    k = np.arange(n) - ((n - 1) / 2 if center else 0)
    a = np.exp(sign * 1j * np.pi * k * np.sin(np.deg2rad(deg)))
    return a / np.sqrt(n) if unit else a


class vector_sink_event(gr.sync_block):
    """Keeps its input rows and sets `full` once it holds n of them."""

    def __init__(self, vlen, n):
        gr.sync_block.__init__(self, name="vector_sink_event", in_sig=[(np.complex64, vlen)], out_sig=None)
        self.n, self.rows, self.count = n, [], 0
        self.full = threading.Event()

    def work(self, input_items, output_items):
        self.rows.append(np.array(input_items[0]))
        self.count += len(input_items[0])
        if self.count >= self.n:
            self.full.set()
        return len(input_items[0])


class qa_e2e_blocks(gr_unittest.TestCase):

    def setUp(self):
        self.tb = gr.top_block()
        self.rng = np.random.default_rng(2026)

    def tearDown(self):
        self.tb = None

    def test_psk_ser_meter_matches_bruteforce(self):
        U, M, L = 3, 8, 4000
        s_idx = self.rng.integers(0, M, (L, U))
        s = np.exp(2j * np.pi * s_idx / M)
        gain = self.rng.uniform(0.2, 3.0, (L, U))  # any positive gain: sector decision
        y = gain * s * np.exp(1j * self.rng.normal(0, 0.4, (L, U))) + 0.05 * (
            self.rng.standard_normal((L, U)) + 1j * self.rng.standard_normal((L, U)))
        skip = 100
        meter = isac.psk_ser_meter(U, M, skip, 0)
        src_y = blocks.vector_source_c(y.astype(np.complex64).ravel().tolist(), False, U)
        src_s = blocks.vector_source_c(s.astype(np.complex64).ravel().tolist(), False, U)
        snk = blocks.vector_sink_f(U)
        self.tb.connect(src_y, (meter, 0))
        self.tb.connect(src_s, (meter, 1))
        self.tb.connect(meter, snk)
        self.tb.run()
        dec = nearest_psk(y[skip:], M)
        err = dec != s_idx[skip:]
        self.assertEqual(meter.count(), L - skip)
        np.testing.assert_array_equal(meter.errors(), err.sum(axis=0))
        np.testing.assert_allclose(meter.ser(), err.mean(axis=0), rtol=0, atol=1e-12)
        gray = lambda v: v ^ (v >> 1)
        bits = np.array([[bin(int(a)).count("1") for a in row] for row in (gray(dec) ^ gray(s_idx[skip:]))])
        np.testing.assert_allclose(meter.ber(), bits.sum(axis=0) / ((L - skip) * 3), atol=1e-12)
        # the stream output ends at the final running SER
        out = np.array(snk.data()).reshape(-1, U)
        np.testing.assert_allclose(out[-1], err.mean(axis=0), atol=1e-6)
        self.assertTrue(0.05 < err.mean() < 0.6)  # the test exercises errors, not a clean channel

    def test_psk_ser_meter_no_ber_for_non_power_of_two_m(self):
        # 6-PSK indices carry no whole number of bits: the SER is counted as for
        # any M, the BER is NaN (not 0, which reads as "no bit errors")
        U, M, L = 2, 6, 3000
        s_idx = self.rng.integers(0, M, (L, U))
        s = np.exp(2j * np.pi * s_idx / M)
        y = s * np.exp(1j * self.rng.normal(0, 0.35, (L, U)))
        meter = isac.psk_ser_meter(U, M, 0, 1000)
        dbg = blocks.message_debug()
        self.tb.connect(blocks.vector_source_c(y.astype(np.complex64).ravel().tolist(), False,
                                               U), (meter, 0))
        self.tb.connect(blocks.vector_source_c(s.astype(np.complex64).ravel().tolist(), False,
                                               U), (meter, 1))
        self.tb.connect(meter, blocks.null_sink(gr.sizeof_float * U))
        self.tb.msg_connect(meter, "ser", dbg, "store")
        self.tb.run()
        err = nearest_psk(y, M) != s_idx
        self.assertTrue(0.05 < err.mean() < 0.6)
        np.testing.assert_allclose(meter.ser(), err.mean(axis=0), rtol=0, atol=1e-12)
        self.assertTrue(np.all(np.isnan(meter.ber())))
        self.assertEqual(dbg.num_messages(), 3)
        for i in range(3):
            m = dbg.get_message(i)
            ber = pmt.f64vector_elements(pmt.dict_ref(m, pmt.intern("ber"), pmt.PMT_NIL))
            self.assertEqual(len(ber), U)
            self.assertTrue(np.all(np.isnan(ber)))

    def test_detection_meter(self):
        v = self.rng.exponential(0.7, 5000).astype(np.float32)
        v[10] = np.nan
        meter = isac.detection_meter(1.0, 0)
        self.tb.connect(blocks.vector_source_f(v.tolist()), meter, blocks.null_sink(gr.sizeof_float))
        self.tb.run()
        self.assertEqual(meter.count(), 5000)
        self.assertEqual(meter.detections(), int(np.sum(v[np.isfinite(v)] >= 1.0)))
        self.assertAlmostEqual(meter.rate(), meter.detections() / 5000.0)
        self.assertEqual(list(meter.recorded()), [])  # no window set: nothing kept

    def test_detection_meter_record_window_as_a_sink(self):
        # no output connected (a sink), a record of every 16th item (the CPI
        # ends) in a window that starts and ends mid-CPI, over many work() calls;
        # the reference is numpy's selection of the same items
        v = self.rng.exponential(0.7, 20000).astype(np.float32)
        v[1007] = np.nan  # the index of a CPI end: kept as NaN
        for first, end, every in ((1000, 17001, 16), (0, 20000, 1), (19990, 30000, 7), (500, 500, 4)):
            tb = gr.top_block()
            meter = isac.detection_meter(1.0, 0)
            meter.set_record_window(first, end, every)
            src = blocks.vector_source_f(v.tolist())
            src.set_max_noutput_items(333)
            tb.connect(src, meter)
            tb.run()
            idx = np.arange(len(v))
            ref = v[(idx >= first) & (idx < end) & ((idx + 1) % every == 0)]
            np.testing.assert_array_equal(np.array(meter.recorded(), dtype=np.float32), ref)
            self.assertEqual(meter.count(), len(v))
            self.assertEqual(meter.detections(), int(np.sum(v[np.isfinite(v)] >= 1.0)))
        self.assertRaises(ValueError, meter.set_record_window, 10, 5, 1)
        self.assertRaises(ValueError, meter.set_record_window, 0, 10, 0)
        self.assertRaises(ValueError, meter.set_record_window, 0, 2 ** 40, 1)

    def test_steering_reference_is_gt_transpose_x(self):
        n, L, phi = 8, 300, 23.0
        x = (self.rng.standard_normal((L, n)) + 1j * self.rng.standard_normal((L, n))).astype(np.complex64)
        ref = isac.steering_reference(n, phi)
        snk = blocks.vector_sink_c()
        self.tb.connect(blocks.vector_source_c(x.ravel().tolist(), False, n), ref, snk)
        self.tb.run()
        g = ula(n, phi, -1, False, True)  # module convention: first element, sign -1, unit norm
        np.testing.assert_allclose(np.array(snk.data()), x @ g, rtol=1e-5, atol=1e-5)
        self.assertRaises(ValueError, isac.steering_reference, n, 91.0)

    def test_beampattern_probe_peaks_at_the_beam(self):
        n, L, th = 16, 32, -35.0
        # x_t = conj(a(th)) s_t: a single beam toward th (its field a(th)^T x_t = N s_t)
        s = np.exp(2j * np.pi * self.rng.random(4 * L))
        x = (np.outer(s, ula(n, th, -1, False, False).conj())).astype(np.complex64)
        bp = isac.beampattern_probe(n, L, -90.0, 90.0, 1.0, False, False)
        snk = blocks.vector_sink_f(bp.n_grid())
        self.tb.connect(blocks.vector_source_c(x.ravel().tolist(), False, n), bp, snk)
        self.tb.run()
        p = np.array(snk.data()).reshape(-1, bp.n_grid())
        self.assertEqual(p.shape[0], 4)
        grid = np.arange(-90, 91)
        self.assertEqual(grid[np.argmax(p[0])], th)
        self.assertAlmostEqual(p[0].max(), n * n, delta=1e-3 * n * n)  # |a^T a^*|^2 = N^2
        ref = np.mean(np.abs(x[:L] @ np.array([ula(n, g, -1, False, False) for g in grid]).T) ** 2, axis=0)
        np.testing.assert_allclose(p[0], ref, rtol=1e-4, atol=1e-3)

    def test_beampattern_probe_memory_error_names_the_cause(self):
        # the memory refusal names the parameter that needs the memory: a long
        # frame is frame_len's, a fine grid grid_step_deg's (at a 1 MiB limit:
        # 181 angles x 16384 snapshots x 8 B = 23 MiB; 18001 angles x 64 = 9 MiB)
        limit = isac.memory_limit()
        try:
            isac.set_memory_limit(1 << 20)
            with self.assertRaisesRegex(ValueError, r"^frame_len = 16384 is out of range; allowed: a value whose "
                                                    r"memory fits .*\(181 angles x 16 antennas\)"):
                isac.beampattern_probe(16, 16384, -90.0, 90.0, 1.0, False, True)
            with self.assertRaisesRegex(ValueError, r"^grid_step_deg = 0.01 is out of range; allowed: .* "
                                                    r"\(18001 angles x 16 antennas\)"):
                isac.beampattern_probe(16, 64, -90.0, 90.0, 0.01, False, True)
            isac.beampattern_probe(16, 64, -90.0, 90.0, 1.0, False, True)  # fits
        finally:
            isac.set_memory_limit(limit)

    def test_los_csi_message(self):
        src = isac.los_csi_source(6, [-20.0, 40.0], 2.0)
        H = src.channel()
        ref = 2.0 * np.array([ula(6, t, -1, False, False) for t in (-20.0, 40.0)])
        np.testing.assert_allclose(H, ref, atol=1e-12)
        msg = isac.make_csi_message(H, 7)
        self.assertEqual(pmt.to_long(pmt.dict_ref(msg, pmt.intern("rows"), pmt.PMT_NIL)), 2)
        self.assertEqual(pmt.to_long(pmt.dict_ref(msg, pmt.intern("cols"), pmt.PMT_NIL)), 6)
        self.assertEqual(pmt.to_uint64(pmt.dict_ref(msg, pmt.intern("offset"), pmt.PMT_NIL)), 7)
        flat = np.array(pmt.c32vector_elements(pmt.dict_ref(msg, pmt.intern("H"), pmt.PMT_NIL)))
        np.testing.assert_allclose(flat.reshape(2, 6), H, atol=1e-6)  # row-major
        self.assertRaises(ValueError, isac.los_csi_source, 6, [95.0], 1.0)

    def test_los_csi_source_feeds_the_tx_chain(self):
        # the over-the-air path: los_csi_source publishes at start, the precoder
        # of one_bit_isac_tx gets the channel before its first snapshot
        n_tx, U, M, L = 8, 2, 4, 40
        csi = isac.los_csi_source(n_tx, [-30.0, 30.0], 1.0)
        src = isac.psk_source(U, M, 9)
        head = blocks.head(gr.sizeof_gr_complex * U, L)
        tx = isac.one_bit_isac_tx(n_tx, U, M, 1.0, 0.01, 0.0, 0.0, [], 15.0, [], 8, "qos", 8.0, "1bit")
        xs, ss = vector_sink_event(n_tx, L), vector_sink_event(U, L)
        self.tb.connect(src, head, tx, xs)
        self.tb.connect(head, ss)
        self.tb.msg_connect(csi, "csi", tx, "csi")
        # los_csi_source finishes after publishing (a message-only block would keep
        # the flowgraph alive for ever, like message_strobe): run() returns by itself
        dbg = blocks.message_debug()
        self.tb.msg_connect(csi, "csi", dbg, "store")
        th = threading.Thread(target=self.tb.run, daemon=True)
        th.start()
        th.join(30.0)
        done = not th.is_alive()
        if not done:
            self.tb.stop()
            self.tb.wait()
        self.assertTrue(done, "the flowgraph with a los_csi_source did not end by itself")
        self.assertTrue(xs.full.is_set() and ss.full.is_set())
        self.assertEqual(dbg.num_messages(), 1)
        self.assertTrue(tx.precoder.has_channel())
        x = np.concatenate(xs.rows)[:L]
        s = np.concatenate(ss.rows)[:L]
        self.assertEqual(len(x), L)
        # every snapshot is precoded for the LoS users: each one's noiseless receive
        # value lies inside its own symbol's decision sector (margin > 0)
        alpha = isac.safe_margin(csi.channel(), x, s, M)
        self.assertTrue(np.all(alpha > 0), alpha.min())

    def test_los_csi_source_publishes_changes_while_running(self):
        # finished on the scheduler's side, the source still publishes a new angle to
        # a running precoder (a GUI control): the later snapshots serve the new users
        n_tx, U, M, L = 8, 2, 4, 8000
        csi = isac.los_csi_source(n_tx, [-30.0, 30.0], 1.0)
        src = isac.psk_source(U, M, 9)
        thr = blocks.throttle(gr.sizeof_gr_complex * U, 8000)
        head = blocks.head(gr.sizeof_gr_complex * U, L)
        tx = isac.one_bit_isac_tx(n_tx, U, M, 1.0, 0.01, 0.0, 0.0, [], 15.0, [], 8, "qos", 8.0, "1bit")
        xs, ss = blocks.vector_sink_c(n_tx), blocks.vector_sink_c(U)
        self.tb.connect(src, thr, head, tx, xs)
        self.tb.connect(head, ss)
        self.tb.msg_connect(csi, "csi", tx, "csi")
        self.tb.start()
        t0 = time.time()
        while tx.precoder.nitems_written(0) < 300 and time.time() - t0 < 20:
            time.sleep(0.01)
        H_old = csi.channel()
        n_call = tx.precoder.nitems_written(0)
        csi.set_user_deg([-25.0, 41.0])
        H_new = csi.channel()
        self.tb.wait()
        x = np.array(xs.data()).reshape(-1, n_tx)
        s = np.array(ss.data()).reshape(-1, U)
        self.assertEqual(len(x), L)
        self.assertTrue(np.all(isac.safe_margin(H_old, x[:n_call], s[:n_call], M) > 0))
        # the new channel takes over at the precoder's next work() call: at most a
        # buffer of already designed vectors later, and for good
        ok_new = np.all(isac.safe_margin(H_new, x, s, M) > 0, axis=1)
        k = L - int(np.argmin(ok_new[::-1])) if not ok_new.all() else 0
        self.assertLessEqual(k, n_call + 4096)
        self.assertLess(k, L - 100, "the change came too late to test (machine load)")
        self.assertFalse(np.all(isac.safe_margin(H_old, x[k:], s[k:], M) > 0))

    def test_psk_source_is_the_gnuradio_chain(self):
        # psk_source's one C++ block gives the sequence of GNU Radio's
        # random_uniform_source_b -> chunks_to_symbols_bc -> stream_to_vector
        # (what it was built from) bit for bit, and its alphabet is numpy's
        from gnuradio import analog, digital
        from gnuradio.isac.metrics import psk_points
        for U, M, seed, n in ((2, 4, 1, 5000), (3, 8, 12345, 3001), (1, 2, 7, 999), (4, 256, 2**31 - 1, 4000),
                              (5, 3, 42, 777)):
            tb = gr.top_block()
            ref = blocks.vector_sink_c(U)
            tb.connect(analog.random_uniform_source_b(0, M, seed),
                       digital.chunks_to_symbols_bc(psk_points(M).astype(np.complex64).tolist(), 1),
                       blocks.stream_to_vector(gr.sizeof_gr_complex, U), blocks.head(gr.sizeof_gr_complex * U, n),
                       ref)
            got = blocks.vector_sink_c(U)
            src = isac.psk_source(U, M, seed)
            tb.connect(src, blocks.head(gr.sizeof_gr_complex * U, n), got)
            # n_items ends the stream itself, as the head does: the same vectors
            own = blocks.vector_sink_c(U)
            ended = isac.psk_source(U, M, seed, n_items=n)
            ended.source.set_max_noutput_items(300)
            tb.connect(ended, own)
            tb.run()
            a, b = np.array(got.data(), np.complex64), np.array(ref.data(), np.complex64)
            self.assertEqual(len(a), U * n)
            np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32), err_msg="U %d M %d" % (U, M))
            np.testing.assert_array_equal(np.array(own.data(), np.complex64).view(np.uint32), b.view(np.uint32))
            self.assertEqual((ended.n_items(), ended.nitems_written(0)), (n, n))
            # every point occurs (i.i.d. uniform): counts within 5 sd of U n / M
            k = np.round(np.angle(a) / (2 * np.pi / M)).astype(int) % M
            counts = np.bincount(k, minlength=M)
            self.assertLess(np.max(np.abs(counts - U * n / M)), 5 * np.sqrt(U * n / M) + 1)
        for M in range(2, 257):
            blk = isac.psk_symbol_source(1, M, 3)
            tb = gr.top_block()
            snk = blocks.vector_sink_c()
            tb.connect(blk, blocks.head(gr.sizeof_gr_complex, 40 * M), snk)
            tb.run()
            got = np.unique(np.array(snk.data(), np.complex64).view(np.uint64))
            want = np.unique(psk_points(M).astype(np.complex64).view(np.uint64))
            self.assertTrue(set(got.tolist()) <= set(want.tolist()), "M = %d" % M)
        with self.assertRaisesRegex(ValueError, "psk_order"):
            isac.psk_symbol_source(2, 1, 3)
        with self.assertRaisesRegex(ValueError, "seed"):
            isac.psk_symbol_source(2, 4, 0)

    def test_csi_gate_opens_only_on_a_channel_the_precoder_accepted(self):
        N, U = 8, 2
        data = (np.arange(40 * U) + 1j).astype(np.complex64)
        pre = isac.ci_precoder(N, U, 8, 1.0, 1.0, 0.0, 10.0, [], 15.0, [], N)
        gate = isac.csi_gate(U)
        for b in (pre, gate):
            b.set_log_level("error")
        snk = blocks.vector_sink_c(U)
        self.tb.connect(blocks.vector_source_c(data.tolist(), False, U), gate, snk)
        self.tb.connect(blocks.vector_source_c(data.tolist(), False, U), pre,
                        blocks.null_sink(gr.sizeof_gr_complex * N))
        self.tb.msg_connect(pre, "channel", gate, "channel")
        # a raw csi at the gate, and a csi the precoder rejects, leave it closed
        gate._post(pmt.intern("channel"), isac.make_csi_message(np.ones((U, N)), 0))
        pre._post(pmt.intern("csi"), isac.make_csi_message(np.ones((U + 1, N)), 0))
        h = np.ones((U, N), complex)
        h[0, 3] = np.nan
        pre._post(pmt.intern("csi"), isac.make_csi_message(h, 0))
        self.tb.start()
        self.assertTrue(rel.wait_until(lambda: gate.ignored_count() == 1, 60.0))
        self.assertFalse(rel.wait_until(gate.is_open, 0.3))
        self.assertEqual(len(snk.data()), 0)
        pre._post(pmt.intern("csi"), isac.make_csi_message(
            self.rng.standard_normal((U, N)) + 1j * self.rng.standard_normal((U, N)), 0))
        self.assertTrue(rel.wait_until(gate.is_open, 60.0))
        self.tb.wait()
        np.testing.assert_array_equal(np.array(snk.data()), data)  # nothing dropped

    def test_phase_estimator_recovers_offsets(self):
        n, L, cal_deg, snr_db = 6, 4000, 25.0, 10.0
        phi = self.rng.uniform(-np.pi, np.pi, n)
        phi[0] = 0.0
        s = np.exp(2j * np.pi * self.rng.random(L))  # unknown pilot modulation
        a = ula(n, cal_deg, -1, False, False)  # module convention, first element
        sig = 10 ** (-snr_db / 20)
        r = np.outer(s, a * np.exp(1j * phi)) + sig / np.sqrt(2) * (
            self.rng.standard_normal((L, n)) + 1j * self.rng.standard_normal((L, n)))
        r[5, 2] = np.nan  # a NaN snapshot is skipped, not averaged
        est = isac.array_phase_estimator(n, cal_deg, L, 0.5, False, False)
        self.tb.connect(blocks.vector_source_c(r.astype(np.complex64).ravel().tolist(), False, n), est)
        self.tb.run()
        got = est.phases()
        self.assertIsNotNone(got)
        err = np.angle(np.exp(1j * (got - phi)))
        # the phase of a mean of L products with per-product SNR ~ snr/2 has
        # std ~ 1/sqrt(2 L snr/2); allow 6 sigma
        tol = 6.0 / math.sqrt(L * 10 ** (snr_db / 10))
        self.assertLess(np.max(np.abs(err)), tol)

    def test_phase_corrector_applies_message_and_ignores_garbage(self):
        n, L = 4, 50
        phi = np.array([0.0, 1.0, -2.0, 3.0])
        r = np.tile(np.exp(1j * phi), (L, 1)).astype(np.complex64)
        corr = isac.array_phase_corrector(n, [])
        snk = blocks.vector_sink_c(n)
        self.tb.connect(blocks.vector_source_c(r.ravel().tolist(), False, n), corr, snk)
        bad_len = pmt.dict_add(pmt.make_dict(), pmt.intern("phases_rad"), pmt.init_f64vector(3, [0, 0, 0]))
        se = np.array([0.0, 0.01, 0.02, 0.015])
        msg = isac.make_cal_message(phi, phases_se_rad=se)
        np.testing.assert_array_equal(pmt.f64vector_elements(pmt.dict_ref(msg, pmt.intern("phases_se_rad"),
                                                                           pmt.PMT_NIL)), se)
        isac.make_cal_message(phi, phases_se_rad=[0.0, np.inf, 0.01, 0.01])  # unidentified: allowed
        for bad in (se[:3], -se, [0.0, np.nan, 0.0, 0.0]):
            self.assertRaisesRegex(ValueError, "phases_se_rad", isac.make_cal_message, phi, None, bad)
        self.assertRaisesRegex(ValueError, "phases_rad", isac.make_cal_message, [0.0, np.inf])
        # a list with no range refuses non-finite entries and says so (not "in [-inf, inf]")
        for bad in (np.inf, np.nan):
            with self.assertRaisesRegex(ValueError, r"^phases_rad = an entry (inf|nan) is out of range; "
                                                    r"allowed: finite entries rad$"):
                isac.array_phase_corrector(n, [bad] * n)
        corr._post(pmt.intern("cal"), msg)
        corr._post(pmt.intern("cal"), pmt.intern("garbage"))
        corr._post(pmt.intern("cal"), bad_len)
        self.tb.run()
        out = np.array(snk.data()).reshape(-1, n)
        np.testing.assert_allclose(out, np.ones((L, n)), atol=1e-5)
        self.assertEqual(corr.updates(), 1)
        self.assertRaises(ValueError, corr.set_phases, [0.0, np.nan, 0.0, 0.0])

    def test_safe_margin_forms_agree(self):
        U, N, M, L = 3, 8, 8, 50
        H = self.rng.standard_normal((U, N)) + 1j * self.rng.standard_normal((U, N))
        x = self.rng.standard_normal((L, N)) + 1j * self.rng.standard_normal((L, N))
        s = np.exp(2j * np.pi * self.rng.integers(0, M, (L, U)) / M)
        alpha = isac.safe_margin(H, x, s, M)
        # 1-bit ISAC paper Theorem 2 second form: min over kappa_{1,2} = 1 +- j cot(pi/M) of Re(kappa z)
        z = (x @ H.T) * np.conj(s)
        c = 1.0 / math.tan(math.pi / M)
        ref = np.minimum(np.real((1 + 1j * c) * z), np.real((1 - 1j * c) * z))
        np.testing.assert_allclose(alpha, ref, atol=1e-10)

    def test_theorem2_bounds_hold_by_monte_carlo(self):
        # a noiseless receive point with margin alpha; the M-PSK decision's
        # error rate under CN(0, sigma^2) noise must lie inside [Psi, 2 Psi]
        M, sigma2, trials = 8, 0.5, 200000
        for z0 in (1.5 * np.exp(0.2j), 2.5, 1.0 * np.exp(-0.3j)):
            alpha = np.array([[np.real(z0) - abs(np.imag(z0)) / math.tan(math.pi / M)]])
            lo, hi = isac.theorem2_bounds(alpha, sigma2, M)
            n = np.sqrt(sigma2 / 2) * (self.rng.standard_normal(trials) + 1j * self.rng.standard_normal(trials))
            ser = np.mean(isac.psk_decide(z0 + n, M) != 0)
            tol = 4 * math.sqrt(max(ser, 1.0 / trials) / trials)
            self.assertGreaterEqual(ser, lo[0] - tol)
            self.assertLessEqual(ser, hi[0] + tol)


if __name__ == "__main__":
    gr_unittest.run(qa_e2e_blocks)
