#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Reconfiguration stress: flowgraphs keep streaming while 1000 setter calls
and messages (valid and malformed) arrive from other threads. Passes when
nothing crashes, nothing deadlocks (every wait is bounded), every output
stays finite and in the block's alphabet, and the final state is the last
valid one. The control thread waits for a work() call of the sink between
actions, so actions and streaming interleave without sleeps."""

import threading

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

N_ACTIONS = 1000
PROGRESS_TIMEOUT = 20.0  # s without a single work() call = stalled


class qa_reliability_stress(gr_unittest.TestCase):

    def setUp(self):
        self.tb = gr.top_block()
        self.rng = np.random.default_rng(20261126)

    def tearDown(self):
        # Stop before dropping the last reference: ~top_block waits for the
        # block threads while holding the GIL, which the Python checker blocks
        # need (a failed assertion mid-run would otherwise hang the test).
        t = threading.Thread(target=lambda: (self.tb.stop(), self.tb.wait()), daemon=True)
        t.start()
        t.join(30)
        self.tb = None

    def stop_bounded(self, tb, timeout=30.0):
        t = threading.Thread(target=lambda: (tb.stop(), tb.wait()), daemon=True)
        t.start()
        t.join(timeout)
        self.assertFalse(t.is_alive(), "flowgraph did not stop within %g s (deadlock)" % timeout)

    def test_001_quantizer_setters_while_streaming(self):
        vlen = 16
        x = rel.special_samples(self.rng, 512, vlen)
        src = blocks.vector_source_c(x.ravel().tolist(), True, vlen)
        q = isac.one_bit_quantizer(vlen, "dac", 1.0)
        amps = [1.0, float(np.float32(np.sqrt(1.0 / (2 * vlen))))]
        chk = rel.stream_checker(vlen, rel.one_bit_check(amps))
        self.tb.connect(src, q, chk)
        # small work() calls: more interleavings per second of streaming
        self.tb.start(64)
        self.assertTrue(chk.wait_calls(1, PROGRESS_TIMEOUT), "flowgraph never started")

        # a reader thread hammers the getters while the main thread sets
        stop_reading = threading.Event()
        read_errors = []

        def reader():
            while not stop_reading.is_set():
                p = q.power()
                if not (np.isfinite(p) and p > 0):
                    read_errors.append(p)
                if q.mode() not in ("dac", "adc"):
                    read_errors.append(q.mode())
                q.nan_count()

        rt = threading.Thread(target=reader, daemon=True)
        rt.start()
        power, mode = 1.0, "dac"
        rejected = 0
        for k in range(N_ACTIONS):
            a = k % 5
            if a in (0, 1):
                p = float(np.float32(10 ** self.rng.uniform(-2, 2)))
                # the new amplitude joins the alphabet before the block can emit it
                amps.append(float(np.float32(np.sqrt(np.float32(p) / (2 * vlen)))))
                q.set_power(p)
                power = p
            elif a == 2:
                mode = ("dac", "adc")[self.rng.integers(2)]
                q.set_mode(mode)
            elif a == 3:
                bad = (float("nan"), float("inf"), -1.0, 0.0)[k % 4]
                with self.assertRaises(ValueError):
                    q.set_power(bad)
                rejected += 1
            else:
                with self.assertRaises(ValueError):
                    q.set_mode(("DAC", "", "adc ", "x" * 1000)[k % 4])
                rejected += 1
            self.assertTrue(chk.wait_calls(1, PROGRESS_TIMEOUT),
                            "no work() call within %g s after action %d (deadlock?)"
                            % (PROGRESS_TIMEOUT, k))
        stop_reading.set()
        rt.join(10)
        self.assertFalse(rt.is_alive(), "getter thread blocked (deadlock)")
        self.stop_bounded(self.tb)

        self.assertEqual(chk.bad, [])
        self.assertEqual(read_errors, [])
        self.assertGreaterEqual(chk.calls, N_ACTIONS)
        self.assertEqual(rejected, 2 * N_ACTIONS // 5)
        # the last valid setting is in force, rejected calls changed nothing
        self.assertAlmostEqual(q.power(), power, places=5)
        self.assertEqual(q.mode(), mode)
        # the source repeats 64 NaN/Inf/0 specials per 512 snapshots: NaNs were counted
        self.assertGreater(q.nan_count(), 0)

    def run_actions(self, chk, actions, n=N_ACTIONS):
        """Runs actions(k) for k < n, each after a work() call of chk."""
        for k in range(n):
            actions(k)
            self.assertTrue(chk.wait_calls(1, PROGRESS_TIMEOUT),
                            "no work() call within %g s after action %d (deadlock?)"
                            % (PROGRESS_TIMEOUT, k))

    def psk_symbols(self, n, users, m=8):
        return np.exp(2j * np.pi * self.rng.integers(m, size=(n, users)) / m).astype(np.complex64)

    def test_002_radar_chain_messages_and_setters(self):
        # ci_precoder -> isac_channel (csi -> precoder) -> 1-bit ADC -> one_bit_rx_filter,
        # with channel/filter setters, channel and filter "set" messages and
        # precoder "csi" messages and set_channel calls, valid and malformed.
        nt, U, nr, E = 8, 2, 8, 1.0
        syms = self.psk_symbols(256, U)
        src = blocks.vector_source_c(syms.ravel().tolist(), True, U)
        pre = isac.ci_precoder(nt, U, 8, E, 1.0, 5.0, 10.0, [-30.0], 15.0, [20.0], nr)
        ch = isac.isac_channel(nt, U, nr, "rayleigh", [], [1.0], 10.0, 64, 5,
                               "monostatic", 10.0, 0.0, 0.0, 15.0, [-30.0], [20.0], cpi_len=1)
        adc = isac.one_bit_quantizer(nr, "adc", 1.0)
        rx = isac.one_bit_rx_filter(nt, nr, 10.0, [-30.0], 15.0, [20.0], 1.0, 1e-3, "1bit")
        for b in (pre, ch, rx):
            b.set_log_level("error")  # ~600 rejected messages would each log a warning
        amp = np.float32(np.sqrt(E / (2 * nt)))

        def precoder_check(x):
            x = x.reshape(len(x), -1)
            if not np.all(np.isfinite(x)):
                return "non-finite precoder output"
            a = np.concatenate([np.abs(x.real), np.abs(x.imag)], axis=1)
            zero = np.all(a == 0, axis=1)  # before the first channel: zeros
            if not np.all(zero | np.all(np.isclose(a, amp, rtol=1e-6, atol=0), axis=1)):
                return "precoder output outside the 1-bit DAC alphabet"
            return None

        def stat_check(v):
            if not np.all(np.isfinite(v)) or np.any(v < 0):
                return "detection statistic not finite and >= 0"
            return None

        chk_x = rel.stream_checker(nt, precoder_check)
        chk_users = rel.stream_checker(U, rel.finite_check)
        chk_z = rel.stream_checker(1, rel.finite_check)
        chk_stat = rel.stream_checker(1, stat_check, dtype=np.float32)
        self.tb.connect(src, pre, chk_x)
        self.tb.connect(pre, ch)
        self.tb.connect((ch, 0), chk_users)
        self.tb.connect((ch, 1), adc, (rx, 0))
        self.tb.connect(pre, (rx, 1))
        self.tb.connect((rx, 0), chk_z)
        self.tb.connect((rx, 1), chk_stat)
        self.tb.msg_connect(ch, "csi", pre, "csi")
        self.tb.start(64)
        self.assertTrue(chk_stat.wait_calls(1, PROGRESS_TIMEOUT), "flowgraph never started")

        bad = rel.bad_messages(self.rng, ["target_deg", "clutter_deg", "cnr_db", "pfa",
                                          "radar_noise_var", "target_snr_db", "H"], N_ACTIONS)
        last = {"pfa": 1e-3, "snr": 15.0}
        set_p, csi_p = pmt.intern("set"), pmt.intern("csi")

        def rnd_deg():
            return float(self.rng.uniform(-60, 60))

        def action(k):
            a = k % 10
            if a == 0:
                ch.set_target_deg(rnd_deg())
                ch.set_clutter([rnd_deg()], [float(self.rng.uniform(0, 30))])
            elif a == 1:
                last["snr"] = float(self.rng.uniform(0, 30))
                ch.set_target_snr_db(last["snr"])
            elif a == 2:
                # 8 signs per decision: no threshold holds a Pfa below 4^-7 = 6.1e-5
                last["pfa"] = float(10 ** self.rng.uniform(-4, -1))
                rx.set_pfa(last["pfa"])
                rx.set_clutter([rnd_deg(), rnd_deg()], [10.0, 20.0])
            elif a == 3:
                with self.assertRaises(ValueError):
                    (rx.set_pfa, ch.set_target_deg, rx.set_radar_noise_var,
                     ch.set_radar_noise_var)[k % 4](
                        (1.5, 95.0, -1.0, float("nan"))[k % 4])
                with self.assertRaises(ValueError):
                    rx.set_clutter([1.0, 2.0], [3.0, 4.0, 5.0])  # (one value for all is valid)
            elif a == 4:
                d = pmt.dict_add(pmt.make_dict(), pmt.intern("target_deg"),
                                 pmt.from_double(rnd_deg()))
                (ch if k % 20 < 10 else rx)._post(set_p, d)
            elif a == 5:
                H = (self.rng.standard_normal((U, nt)) + 1j * self.rng.standard_normal((U, nt)))
                pre.set_channel(H.astype(np.complex64).tolist())
            elif a == 6:
                with self.assertRaises(ValueError):
                    pre.set_channel(np.ones((U + 1, nt), np.complex64).tolist())
            else:  # malformed messages to every message input
                m = bad[k]
                ch._post(set_p, m)
                rx._post(set_p, m)
                pre._post(csi_p, m)

        # a reader thread polls the getters and counters throughout
        stop = threading.Event()
        errors = []

        def reader():
            while not stop.is_set():
                if not (0 < rx.pfa() < 1) or not np.isfinite(ch.target_deg()):
                    errors.append((rx.pfa(), ch.target_deg()))
                # two getters are two lock acquisitions: a set between them is not
                # an inconsistency, so only a pair read between identical clutter
                # reads is checked. The rx filter also accepts one cnr_db for all
                # clutter angles (documented); the channel wants one per angle.
                for name, blk, one_for_all in (("rx", rx, True), ("channel", ch, False)):
                    c1 = list(blk.clutter_deg())
                    n_cnr = len(blk.cnr_db())
                    ok = n_cnr == len(c1) or (one_for_all and n_cnr == 1 and c1)
                    if list(blk.clutter_deg()) == c1 and not ok:
                        errors.append(f"{name} clutter/cnr lengths differ")
                pre.has_channel()
                rx.detection_count()

        rt = threading.Thread(target=reader, daemon=True)
        rt.start()
        self.run_actions(chk_stat, action)
        stop.set()
        rt.join(10)
        self.assertFalse(rt.is_alive(), "getter thread blocked (deadlock)")
        self.stop_bounded(self.tb)
        for c in (chk_x, chk_users, chk_z, chk_stat):
            self.assertEqual(c.bad, [])
        self.assertEqual(errors, [])
        self.assertGreaterEqual(chk_stat.calls, N_ACTIONS)
        self.assertTrue(pre.has_channel())
        # setter-only parameters hold their last valid value
        self.assertAlmostEqual(rx.pfa(), last["pfa"], places=12)
        self.assertAlmostEqual(ch.target_snr_db(), last["snr"], places=12)

    def test_003_nullspace_precoder_redesign_under_load(self):
        # csi messages and design setters while the precoder streams: designs
        # run in the background and swap in between work() calls
        nt, K = 8, 2
        syms = self.psk_symbols(128, K, 4)
        src = blocks.vector_source_c(syms.ravel().tolist(), True, K)
        ns = isac.nullspace_precoder(nt, K, 1.0, "zf", 10.0, 0.01, "beampattern", [30.0],
                                     10.0, 8)
        ns.set_log_level("error")
        chk = rel.stream_checker(nt, rel.finite_check)
        self.tb.connect(src, ns, chk)
        self.tb.start(64)
        # nothing leaves the precoder before its first design (never a zero frame)
        self.assertFalse(chk.wait_calls(1, 0.3), "output before any channel")
        H0 = self.rng.standard_normal((K, nt)) + 1j * self.rng.standard_normal((K, nt))
        ns.set_channel(H0)
        self.assertTrue(chk.wait_calls(1, PROGRESS_TIMEOUT), "no output after the first design")
        bad = rel.bad_messages(self.rng, ["H", "rows", "cols", "offset"], N_ACTIONS)
        csi_p = pmt.intern("csi")

        def csi(H):
            d = pmt.make_dict()
            d = pmt.dict_add(d, pmt.intern("H"), pmt.init_c32vector(H.size, H.ravel().tolist()))
            d = pmt.dict_add(d, pmt.intern("rows"), pmt.from_long(H.shape[0]))
            d = pmt.dict_add(d, pmt.intern("cols"), pmt.from_long(H.shape[1]))
            return d

        def action(k):
            a = k % 8
            if a == 0:
                H = (self.rng.standard_normal((K, nt)) + 1j * self.rng.standard_normal((K, nt)))
                ns._post(csi_p, csi(H.astype(np.complex64)))
            elif a == 1:
                ns.set_power(float(self.rng.uniform(0.5, 2.0)))
            elif a == 2:
                ns.set_targets_deg([float(self.rng.uniform(-60, 60))])
            elif a == 3:
                ns.set_beam_width_deg(float(self.rng.uniform(5, 20)))
            elif a == 4:
                with self.assertRaises(ValueError):
                    (ns.set_power, ns.set_sinr_db, ns.set_beam_width_deg)[k % 3](float("nan"))
            else:
                ns._post(csi_p, bad[k])

        self.run_actions(chk, action)
        self.stop_bounded(self.tb)
        self.assertEqual(chk.bad, [])
        self.assertGreaterEqual(chk.calls, N_ACTIONS)

    def test_004_doa_mle_setters(self):
        n_rx, L = 8, 16
        snaps = rel.special_samples(self.rng, 4 * L, n_rx)
        snaps[::3] = np.nan_to_num(snaps[::3], nan=0.0, posinf=1.0, neginf=-1.0)
        src = blocks.vector_source_c(snaps.ravel().tolist(), True, n_rx)
        doa = isac.doa_mle(n_rx, L, "gaussian", -90.0, 90.0, 1.0, 0.1, 1.0)

        def est_check(v):
            ok = np.isnan(v) | ((v >= -90.0) & (v <= 90.0))
            return None if np.all(ok) else "estimate outside [-90, 90] and not NaN"

        chk = rel.stream_checker(1, est_check, dtype=np.float32)
        self.tb.connect(src, doa, chk)
        self.tb.start(64)
        self.assertTrue(chk.wait_calls(1, PROGRESS_TIMEOUT), "flowgraph never started")
        last = {"nv": 0.1}

        def action(k):
            if k % 3 == 0:
                last["nv"] = float(10 ** self.rng.uniform(-3, 1))
                doa.set_noise_var(last["nv"])
            elif k % 3 == 1:
                doa.set_p_gauss(float(self.rng.uniform(0.1, 10)))
            else:
                with self.assertRaises(ValueError):
                    (doa.set_noise_var, doa.set_p_gauss)[k % 2]((-1.0, float("nan"))[k % 2])

        self.run_actions(chk, action)
        self.stop_bounded(self.tb)
        self.assertEqual(chk.bad, [])
        self.assertAlmostEqual(doa.noise_var(), last["nv"], places=5)
        self.assertGreater(doa.cpi_count(), 0)


if __name__ == "__main__":
    gr_unittest.run(qa_reliability_stress)
