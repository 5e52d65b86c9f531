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


if __name__ == "__main__":
    gr_unittest.run(qa_reliability_stress)
