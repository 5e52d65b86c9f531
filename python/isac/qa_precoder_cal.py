#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Both precoders' "cal" port: a transmit calibration's correction at item c
changes every user's channel there, so the payload is muted from c (mid-frame;
the known sections go on) until a csi measured at least a frame after c takes
effect, whichever of the cal and csi messages arrives first. References: the
same precoder run with one channel throughout (set_channel), or with none."""

import threading
import time

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

from gnuradio.isac import make_cal_message, make_csi_message  # noqa: E402
from gnuradio.isac.util import log_records  # noqa: E402

N, U, LP, M = 4, 2, 64, 8
FRAMES = 12
LONG = 72  # past the 64-frame bound on a calibration's mute


class gate(gr.sync_block):
    """Holds the stream until opened, so the messages are handled, in the order
    the test posts them, before the first item."""

    def __init__(self):
        gr.sync_block.__init__(self, "gate", in_sig=[(np.complex64, U)], out_sig=[(np.complex64, U)])
        self.open = threading.Event()
        self.hold_at = None  # a symbol to stop at until "more" is set
        self.more = threading.Event()

    def work(self, input_items, output_items):
        self.open.wait(30)
        n, at = len(output_items[0]), self.nitems_written(0)
        if self.hold_at is not None and at >= self.hold_at:
            self.more.wait(30)
        elif self.hold_at is not None:
            n = min(n, self.hold_at - at)
        output_items[0][:n] = input_items[0][:n]
        return n


def rand_H(rng):
    return ((rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / np.sqrt(2)).astype(np.complex64)


class qa_precoder_cal(gr_unittest.TestCase):

    def setUp(self):
        self.rng = np.random.default_rng(7103)
        fb = isac.frame_builder(U, N, LP, 0, 3, 0, 1)
        self.F, self.K = fb.frame_len(), fb.known_len()
        k = self.rng.integers(0, M, (LONG * LP, U))
        self.syms = np.exp(2j * np.pi * k / M).astype(np.complex64)
        self.H1, self.H2, self.H3 = rand_H(self.rng), rand_H(self.rng), rand_H(self.rng)
        # c mid-payload of frame 5; the stale csi for frame 7, the first valid one
        # for frame 9 (csi_feedback's offsets are frame starts)
        self.c = 5 * self.F + self.K + 7
        self.o2, self.o3 = 7 * self.F, 9 * self.F

    def make(self, kind, L=None):
        if kind == "ci":
            return isac.ci_precoder(n_tx=N, n_users=U, psk_order=M, power=1.0, noise_var=0.3,
                                    gamma_db=0.0, n_rx=16, target_deg=10.0, clutter_deg=[-50.0, 30.0],
                                    snr_r_db=15.0, cnr_db=[30.0, 30.0])
        return isac.nullspace_precoder(N, U, 1.0, "zf", 10.0, 0.01, "beampattern", [-30.0, 20.0], 10.0,
                                       self.F if L is None else L)

    def stream(self, kind, H=None, posts=(), L=None, frames=FRAMES):
        """Output and muted mask of one run. posts: (port, message) in order,
        each handled before the next (the gate holds the stream meanwhile).
        L: the null-space design length (default: the users' frame)."""
        tb = gr.top_block()
        blk = self.make(kind, L)
        if H is not None:
            blk.set_channel(H.tolist() if kind == "ci" else H.astype(np.complex128))
            if kind != "ci":
                self.assertTrue(blk.wait_design(30))
        g = gate()
        snk = blocks.vector_sink_c(N)
        tb.connect(blocks.vector_source_c(self.syms[:frames * LP].ravel().tolist(), False, U), g,
                   isac.frame_builder(U, N, LP, 0, 3, 0, 1), blk, snk)
        tb.start()
        designs = 0
        for port, m in posts:
            blk.to_basic_block()._post(pmt.intern(port), m)
            if port == "csi" and kind != "ci":
                designs += 1  # one at a time: requests during a design merge
                self.assertTrue(blk.wait_designs(designs + (H is not None), 30))
            elif port == "csi":
                t0 = time.monotonic()
                while not blk.has_channel() and time.monotonic() - t0 < 10:
                    time.sleep(0.005)
            time.sleep(0.1)  # the handler runs on the block's thread
        g.open.set()
        tb.wait()
        y = np.array(snk.data(), dtype=np.complex64).reshape(-1, N)
        mute = np.zeros(len(y), bool)
        for t in snk.tags():
            if pmt.symbol_to_string(t.key) == "isac_mute":
                mute[t.offset:t.offset + pmt.to_uint64(t.value)] = True
        self.assertEqual(len(y), frames * self.F)
        return y, mute

    def csi(self, H, offset, measured):
        return ("csi", make_csi_message(H, offset, measured))

    def cal(self):
        return ("cal", make_cal_message(np.zeros(N), offset=self.c))

    @staticmethod
    def same(kind, a, b):
        """ci: bit for bit; null-space: F s + P B over runs split elsewhere
        (its matrix products round by the run's length), to float32 rounding"""
        if kind == "ci":
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)

    def check_cal(self, kind):
        F, c, o2, o3 = self.F, self.c, self.o2, self.o3
        ref1, _ = self.stream(kind, self.H1)
        ref3, _ = self.stream(kind, self.H3)
        none, none_mute = self.stream(kind)
        payload = none_mute.copy()  # every payload item (no channel: all muted)
        known = ~payload
        first = self.csi(self.H1, 0, 0)
        # measured one item short of c + F: from the frame holding the correction
        stale = self.csi(self.H2, o2, c + F - 1)
        fresh = self.csi(self.H3, o3, c + F)
        for order in ((first, self.cal(), stale, fresh), (first, stale, self.cal(), fresh),
                      (first, fresh, stale, self.cal())):
            y, mute = self.stream(kind, posts=order)
            f0 = c // F * F  # the frame holding c
            self.same(kind, y[:f0], ref1[:f0])
            self.assertFalse(mute[:c].any())
            # its payload before c is still precoded, from c on (mid-payload) to
            # the fresh csi every payload item is muted, zero
            self.same(kind, y[f0:c][payload[f0:c]], ref1[f0:c][payload[f0:c]])
            np.testing.assert_array_equal(mute[c:o3], payload[c:o3])
            np.testing.assert_array_equal(y[c:o3][payload[c:o3]], 0)
            # the known sections go on; from the frame holding c the header says
            # "no channel" (its users decide nothing there), as with no channel
            np.testing.assert_array_equal(y[f0:o3][known[f0:o3]], none[f0:o3][known[f0:o3]])
            self.same(kind, y[o3:], ref3[o3:])
            self.assertFalse(mute[o3:].any())

    def test_001_ci_mutes_from_the_cal_until_a_csi_measured_after_it(self):
        self.check_cal("ci")

    def test_002_nullspace_mutes_from_the_cal_until_a_csi_measured_after_it(self):
        self.check_cal("ns")

    def check_no_measured_and_malformed(self, kind):
        # a csi without "measured" is taken as before: it re-enables at its offset;
        # malformed cal messages are logged and ignored (the output is unchanged)
        log = log_records()

        def ignored():
            return sum("cal message ignored" in m for msgs in log.get_map().values() for _, m in msgs)
        bad = [pmt.intern("garbage"), make_cal_message(np.zeros(N)),
               pmt.dict_add(pmt.make_dict(), pmt.intern("offset"), pmt.from_long(-3)),
               pmt.dict_add(pmt.make_dict(), pmt.intern("offset"), pmt.intern("12"))]
        ref, _ = self.stream(kind, posts=[self.csi(self.H1, 0, 0)])
        before = ignored()
        y, mute = self.stream(kind, posts=[self.csi(self.H1, 0, 0)] + [("cal", m) for m in bad])
        self.same(kind, y, ref)
        self.assertFalse(mute.any())
        self.assertEqual(ignored() - before, len(bad))
        ref3, _ = self.stream(kind, self.H3)
        plain = ("csi", make_csi_message(self.H3, self.o2))
        y, mute = self.stream(kind, posts=[self.csi(self.H1, 0, 0), self.cal(), plain])
        self.assertTrue(mute[self.c:self.o2].any())
        self.same(kind, y[self.o2:], ref3[self.o2:])
        self.assertFalse(mute[self.o2:].any())

    def test_003_ci_csi_without_measured_and_malformed_cal(self):
        self.check_no_measured_and_malformed("ci")

    def test_004_nullspace_csi_without_measured_and_malformed_cal(self):
        self.check_no_measured_and_malformed("ns")

    def test_005_a_frame_after_the_cal_is_the_users_frame_not_the_design_length(self):
        # The null-space design length L (64) is far shorter than the users'
        # frame F: a csi whose oldest row is the frame right after the one
        # holding c (measured = its start, < c + F) is still stale, so the
        # payload stays muted from c to the end of the run.
        c = self.c = 5 * self.F + 10  # early in frame 5: more than L before frame 6
        self.assertLess(LP, self.F)
        meas = (c // self.F + 1) * self.F
        self.assertTrue(c + LP <= meas < c + self.F)
        for kind, L in (("ci", None), ("ns", LP), ("ns", None)):
            _, payload = self.stream(kind, L=L)
            y, mute = self.stream(kind, L=L, posts=[self.csi(self.H1, 0, 0), self.cal(),
                                                    self.csi(self.H2, self.o2, meas)])
            self.assertFalse(mute[:c].any(), kind)
            np.testing.assert_array_equal(mute[c:], payload[c:], kind)
            np.testing.assert_array_equal(y[c:][payload[c:]], 0)

    def test_009_an_unchanged_csi_measured_after_the_cal_ends_the_mute(self):
        # A correction too small to move the rows: csi_feedback (its "cal" port)
        # posts the same H again, measured a frame after c. It ends the mute at its
        # offset like a changed one (the null-space precoder skipped an unchanged
        # channel as a repeat, which left the mute to its 64-frame bound).
        c, o3 = self.c, self.o3
        for kind in ("ci", "ns"):
            ref1, _ = self.stream(kind, self.H1)
            _, payload = self.stream(kind)
            y, mute = self.stream(kind, posts=[self.csi(self.H1, 0, 0), self.cal(),
                                               self.csi(self.H1, o3, c + self.F)])
            self.assertFalse(mute[:c].any(), kind)
            np.testing.assert_array_equal(mute[c:o3], payload[c:o3], kind)
            self.assertFalse(mute[o3:].any(), kind)
            self.same(kind, y[o3:], ref1[o3:])

    def test_006_the_mute_ends_after_the_bound_without_a_csi_measured_after_the_cal(self):
        # No csi measured a frame after c ever comes (csi_feedback does not post
        # rows that did not change): after 64 frames past c the payload resumes
        # on the newest channel held, the one the cal ended (H1) or a csi judged
        # stale (H2), and a warning says why.
        F, c = self.F, self.c
        end = (c + 64 * F + F - 1) // F * F  # the first frame at or past the bound
        log = log_records()

        def warned():
            return sum("no csi measured after the transmit calibration" in m
                       for msgs in log.get_map().values() for _, m in msgs)
        for kind in ("ci", "ns"):
            _, payload = self.stream(kind, frames=LONG)
            for H, extra in ((self.H1, []), (self.H2, [self.csi(self.H2, self.o2, c + F - 1)])):
                ref, _ = self.stream(kind, H, frames=LONG)
                before = warned()
                y, mute = self.stream(kind, frames=LONG, posts=[self.csi(self.H1, 0, 0), self.cal()] + extra)
                self.assertFalse(mute[:c].any(), kind)
                # muted from c to the bound (c + 64 F, mid-payload), precoded after it
                np.testing.assert_array_equal(mute[c:c + 64 * F], payload[c:c + 64 * F], kind)
                self.assertFalse(mute[c + 64 * F:].any(), kind)
                self.assertTrue(payload[end:].any())
                self.same(kind, y[end:], ref[end:])
                self.assertEqual(warned() - before, 1, kind)

    def on_h1(self, kind):
        """A top block, the precoder on set_channel(H1) (its design ready) and a gate."""
        tb = gr.top_block()
        blk = self.make(kind)
        blk.set_channel(self.H1.tolist() if kind == "ci" else self.H1.astype(np.complex128))
        if kind != "ci":
            self.assertTrue(blk.wait_design(30))
        return tb, blk, gate()

    def held_run(self, kind, before, between):
        """Mute mask of a run on set_channel(H1) whose stream stops after frame 7
        (items up to 7F): before() runs before it starts, between() while it waits
        there (the precoder has passed item 6F)."""
        F = self.F
        tb, blk, g = self.on_h1(kind)
        g.hold_at = 7 * LP
        snk = blocks.vector_sink_c(N)
        tb.connect(blocks.vector_source_c(self.syms[:FRAMES * LP].ravel().tolist(), False, U), g,
                   isac.frame_builder(U, N, LP, 0, 3, 0, 1), blk, snk)
        tb.start()
        before(blk)
        g.open.set()
        t0 = time.monotonic()
        while len(snk.data()) < 6 * N * F and time.monotonic() - t0 < 10:
            time.sleep(0.01)
        self.assertGreaterEqual(len(snk.data()), 6 * N * F)
        between(blk)
        g.more.set()
        tb.wait()
        mute = np.zeros(FRAMES * F, bool)
        for t in snk.tags():
            if pmt.symbol_to_string(t.key) == "isac_mute":
                mute[t.offset:t.offset + pmt.to_uint64(t.value)] = True
        return mute

    def post_cal(self, blk):
        blk.to_basic_block()._post(pmt.intern("cal"), make_cal_message(np.zeros(N), offset=self.c))
        time.sleep(0.2)  # the handler runs on the block's thread

    def test_007_nullspace_setter_after_the_cal_keeps_the_mute(self):
        # A set_channel() channel ended by a calibration must not come back
        # through a setter's redesign (ci drops its solver: nothing to redesign).
        c = self.c
        _, payload = self.stream("ns")

        def setter(blk):
            blk.set_sinr_db(12.0)  # a redesign of the channel in hand
            self.assertTrue(blk.wait_design(30))
            time.sleep(0.1)
        mute = self.held_run("ns", self.post_cal, setter)
        self.assertFalse(mute[:c].any())
        np.testing.assert_array_equal(mute[c:], payload[c:])

    def test_008_a_cal_taken_after_its_item_is_counted_and_mutes_from_there(self):
        # The cal arrives when the stream is already past c: [c, taken) went out
        # on the old channel. It warns, and the mute runs from where it was taken.
        F = self.F
        log = log_records()

        def warned():
            return sum("late so far" in m for msgs in log.get_map().values() for _, m in msgs)
        _, payload = self.stream("ns")
        for kind in ("ci", "ns"):
            before = warned()
            mute = self.held_run(kind, lambda blk: None, self.post_cal)
            self.assertEqual(warned() - before, 1, kind)
            self.assertFalse(mute[:6 * F].any(), kind)  # precoded before it was taken
            np.testing.assert_array_equal(mute[8 * F:], payload[8 * F:], kind)

    def test_010_a_restart_keeps_the_set_channel_channel_a_cal_ended(self):
        # set_channel(H1), then a cal mutes the rest of the run. The corrector
        # keeps its weights across a restart, so H1 is still stale: the second
        # run stays muted (a null-space setter does not redesign it) and says so
        # once at start(); a new set_channel(H1) brings it back (third run).
        c = self.c
        log = log_records()

        def said():
            return sum("is not restored" in m for msgs in log.get_map().values() for _, m in msgs)
        for kind in ("ci", "ns"):
            ref1, _ = self.stream(kind, self.H1)
            _, payload = self.stream(kind)
            tb, blk, g = self.on_h1(kind)
            src = blocks.vector_source_c(self.syms[:FRAMES * LP].ravel().tolist(), False, U)
            snk = blocks.vector_sink_c(N)
            tb.connect(src, g, isac.frame_builder(U, N, LP, 0, 3, 0, 1), blk, snk)
            tb.start()
            self.post_cal(blk)
            g.open.set()
            tb.wait()
            before = said()
            runs = []
            for run in range(3):
                y = np.array(snk.data(), dtype=np.complex64).reshape(-1, N)
                mute = np.zeros(len(y), bool)
                for t in snk.tags():
                    if pmt.symbol_to_string(t.key) == "isac_mute":
                        mute[t.offset:t.offset + pmt.to_uint64(t.value)] = True
                runs.append((y, mute))
                if run == 2:
                    break
                snk.reset()
                src.rewind()
                if run == 0 and kind == "ns":
                    blk.set_sinr_db(12.0)  # must not redesign the ended channel
                    time.sleep(0.2)
                if run == 1:
                    blk.set_channel(self.H1.tolist() if kind == "ci" else self.H1.astype(np.complex128))
                    if kind != "ci":
                        self.assertTrue(blk.wait_design(30))
                tb.start()
                tb.wait()
            (y0, m0), (y1, m1), (y2, m2) = runs
            self.assertEqual(len(y1), FRAMES * self.F, kind)
            np.testing.assert_array_equal(m0[c:], payload[c:], kind)  # the first run's mute
            np.testing.assert_array_equal(m1, payload, kind)  # no channel all the second run
            self.assertEqual(said() - before, 1, kind)
            self.assertFalse(m2.any(), kind)
            if kind == "ci":
                self.same(kind, y2, ref1)
            else:  # the set_sinr_db(12) design of H1
                self.assertFalse(np.allclose(y2, 0))

    def test_011_nullspace_a_setter_during_the_mute_is_designed_at_the_bound(self):
        # set_channel(H1), a cal, set_power(1.6) during the mute: no csi comes, so
        # the payload resumes at the bound on H1, redesigned with the new power
        # (the pilots follow set_power() at once; the old design kept the old
        # power for the rest of the run). The stream waits after frame 70 (the
        # bound ends in frame 69) until the redesign is done; frames 70 and 71
        # equal a run designed with power 1.6 from the start.
        F, n = self.F, LONG * self.F

        def ref(power):
            blk = self.make("ns")
            blk.set_power(power)
            blk.set_channel(self.H1.astype(np.complex128))
            self.assertTrue(blk.wait_design(30))
            tb, snk = gr.top_block(), blocks.vector_sink_c(N)
            tb.connect(blocks.vector_source_c(self.syms.ravel().tolist(), False, U),
                       isac.frame_builder(U, N, LP, 0, 3, 0, 1), blk, snk)
            tb.run()
            return np.array(snk.data(), dtype=np.complex64).reshape(-1, N)
        new, old = ref(1.6), ref(1.0)
        tb, blk, g = self.on_h1("ns")
        g.hold_at = 7 * LP
        snk = blocks.vector_sink_c(N)
        tb.connect(blocks.vector_source_c(self.syms.ravel().tolist(), False, U), g,
                   isac.frame_builder(U, N, LP, 0, 3, 0, 1), blk, snk)
        tb.start()
        self.post_cal(blk)
        g.open.set()

        def reach(frames):
            t0 = time.monotonic()
            while len(snk.data()) < frames * N * F and time.monotonic() - t0 < 30:
                time.sleep(0.01)
            self.assertGreaterEqual(len(snk.data()), frames * N * F)
        reach(6)  # the precoder has taken the cal (c is in frame 5)
        blk.set_power(1.6)
        time.sleep(0.1)
        held, g.more = g.more, threading.Event()
        g.hold_at = 70 * LP
        held.set()
        reach(70)
        self.assertTrue(blk.wait_designs(2, 30))  # set_channel's, then the redesign
        g.more.set()
        tb.wait()
        y = np.array(snk.data(), dtype=np.complex64).reshape(-1, N)
        self.assertEqual(len(y), n)
        self.same("ns", y[70 * F:], new[70 * F:])
        self.assertFalse(np.allclose(new[70 * F:], old[70 * F:], atol=1e-3))

    def test_012_a_csi_without_measured_after_the_cal_ends_the_mute_even_unchanged(self):
        # set_channel(H1), the cal taken, then a csi of H1 without "measured" (a
        # hand-made or strobed message): it counts (no "measured" always does),
        # so the mute ends although H1 is the channel in hand (the null-space
        # precoder would skip it as a repeat without its ended-channel clause;
        # ci takes repeats).
        F, c = self.F, self.c
        _, payload = self.stream("ns")
        for kind in ("ci", "ns"):
            def repeat(blk):
                blk.to_basic_block()._post(pmt.intern("csi"), make_csi_message(self.H1, None))
                if kind == "ci":
                    t0 = time.monotonic()
                    while not blk.has_channel() and time.monotonic() - t0 < 10:
                        time.sleep(0.005)
                else:
                    self.assertTrue(blk.wait_designs(2, 30))
                time.sleep(0.1)
            mute = self.held_run(kind, self.post_cal, repeat)
            self.assertFalse(mute[:c].any(), kind)
            np.testing.assert_array_equal(mute[c:6 * F], payload[c:6 * F], kind)
            self.assertFalse(mute[8 * F:].any(), kind)

if __name__ == "__main__":
    gr_unittest.run(qa_precoder_cal)
