#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""frame_builder against docs/frame.md: the layout computed here from the
parameters (closed forms, not frame_format), the zeros and symbols of its
output, the frame tags (item, key, value and PMT type), input tags moved
onto their symbol, numbering restarted by start(), and what a precoder
transmits for the header: frame k's header is frame 0's times the Walsh code
k mod 16 (computed here) and the sign of the precoder's channel state. The
guard (guard_len silent snapshots at each frame's end): zeros out of the
builder and out of both precoders (1-bit DAC included), tagged isac_mute,
every other snapshot as in a guard-free frame."""

import math

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest
from gnuradio import isac
from gnuradio.isac import core
from gnuradio.isac.util import assert_same


def layout(n_tx, payload_len, preamble_block, preamble_reps, pilot_len, guard_len=0):
    order = 1 << max(0, math.ceil(math.log2(n_tx)))
    block = preamble_block or max(16, 2 * order)
    pilots = pilot_len or order
    known = (preamble_reps + 1) * block + pilots
    return block, pilots, known, known + payload_len + guard_len


def walsh(j, n):
    return np.array([(-1) ** bin(j & (t % 16)).count("1") for t in range(n)])


def tag_value(v):
    if pmt.is_dict(v):
        out, items = {}, pmt.dict_items(v)
        while not pmt.is_null(items):
            kv = pmt.car(items)
            items = pmt.cdr(items)
            out[pmt.symbol_to_string(pmt.car(kv))] = tag_value(pmt.cdr(kv))
        return out
    return ("u64" if pmt.is_uint64(v) else "s64", pmt.to_python(v))


class qa_frame_builder(gr_unittest.TestCase):

    def run_builder(self, U, args, n_frames, in_tags=(), runs=1):
        fb = isac.frame_builder(U, *args)
        Ld = args[1]
        rng = np.random.default_rng(5)
        sym = (rng.standard_normal((n_frames * Ld, U)) +
               1j * rng.standard_normal((n_frames * Ld, U))).astype(np.complex64)
        tb = gr.top_block()
        src = blocks.vector_source_c(sym.ravel().tolist(), False, U, list(in_tags))
        snk = blocks.vector_sink_c(U)
        tb.connect(src, fb, snk)
        out = []
        for _ in range(runs):
            snk.reset()
            src.rewind()
            tb.run()
            out.append((np.array(snk.data()).reshape(-1, U), snk.tags()))
        return fb, sym, out

    def test_layout_and_tags(self):
        # the over-the-air examples' frame, one with every length set, and the
        # TDD flowgraphs' frame with its guard (32 + 64)
        cases = [(2, (4, 880, 0, 3, 0, 1, 0)), (3, (5, 100, 24, 2, 16, 7, 37)), (2, (4, 880, 0, 3, 0, 1, 96))]
        for U, args in cases:
            n_tx, Ld, pb, reps, pl, seed, G = args
            block, pilots, K, F = layout(n_tx, Ld, pb, reps, pl, G)
            nf = 4
            tag = gr.tag_t()
            tag.offset, tag.key, tag.value = 2 * Ld + 7, pmt.intern("mine"), pmt.from_long(42)
            fb, sym, [(y, tags)] = self.run_builder(U, args, nf, [tag])
            self.assertEqual((fb.frame_len(), fb.known_len(), fb.frames()), (F, K, nf))
            self.assertEqual(y.shape, (nf * F, U))
            fr = y.reshape(nf, F, U)
            self.assertEqual(np.count_nonzero(fr[:, :K]), 0)
            self.assertEqual(np.count_nonzero(fr[:, K + Ld:]), 0)
            np.testing.assert_array_equal(fr[:, K:K + Ld].reshape(-1, U), sym)
            got = sorted((t.offset, pmt.symbol_to_string(t.key), tag_value(t.value)) for t in tags)
            want = []
            for k in range(nf):
                s = k * F
                want.append((s, "isac_frame", {
                    "index": ("u64", k), "frame_len": ("s64", F), "n_tx": ("s64", n_tx),
                    "payload_len": ("s64", Ld), "preamble_block": ("s64", block),
                    "preamble_reps": ("s64", reps), "pilot_len": ("s64", pilots),
                    "seed": ("u64", seed), "guard_len": ("s64", G)}))
                want.append((s + (reps + 1) * block, "isac_pilot", ("s64", pilots)))
                want.append((s + K, "isac_payload", ("s64", Ld)))
                if G:
                    want.append((s + K + Ld, "isac_guard", ("s64", G)))
            # input symbol 2 Ld + 7: frame 2, payload snapshot 7
            want.append((2 * F + K + 7, "mine", ("s64", 42)))
            assert_same(got, sorted(want))

    def test_start_restarts_the_numbering(self):
        _, _, out = self.run_builder(2, (4, 50, 0, 3, 0, 1), 3, runs=2)
        for y, tags in out:
            idx = [(t.offset, tag_value(t.value)["index"][1]) for t in tags
                   if pmt.symbol_to_string(t.key) == "isac_frame"]
            F = layout(4, 50, 0, 3, 0)[3]
            self.assertEqual(idx, [(0, 0), (F, 1), (2 * F, 2)])

    def test_precoder_sends_flag_and_frame_code(self):
        # frame_builder -> one_bit_isac_tx: 18 frames, so the header codes wrap
        N, U, M, Ld, nf = 4, 2, 4, 40, 18
        f = core.frame_format(n_tx=N, payload_len=Ld)
        block, _, K, F = layout(N, Ld, 0, 3, 0)
        hs = 3 * block
        amp = math.sqrt(1.0 / (2 * N))
        base = {flag: amp * np.asarray(core.frame_known(f, flag, 0)).T for flag in (False, True)}
        for flag in (False, True):
            tb = gr.top_block()
            src = isac.psk_source(U, M, 3)
            head = blocks.head(gr.sizeof_gr_complex * U, nf * Ld)
            fb = isac.frame_builder(U, N, Ld)
            tx = isac.one_bit_isac_tx(N, U, M, 1.0, 0.01, 0.0, 23.0, [-47.0], 15.0, [30.0], 4,
                                      "qos", 8.0, "1bit")
            tx.precoder.set_log_level("error")
            if flag:
                rng = np.random.default_rng(1)
                tx.set_channel((rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / 2)
            snk = blocks.vector_sink_c(N)
            tb.connect(src, head, fb, tx, snk)
            tb.run()
            x = np.array(snk.data()).reshape(nf, F, N)
            for k in range(nf):
                want = base[flag].copy()
                want[hs:hs + block] *= walsh(k % 16, block)[:, None]
                np.testing.assert_allclose(x[k, :K], want, rtol=0, atol=1e-6,
                                           err_msg="frame %d, flag %s" % (k, flag))
            # the two flags: the same frame except the header, negated
            np.testing.assert_array_equal(base[True][:hs], base[False][:hs])
            np.testing.assert_array_equal(base[True][hs:hs + block], -base[False][hs:hs + block])


    def test_format_guard(self):
        # every known and payload position of a guard-free frame, the guard
        # after the payload; bad lengths named in the message
        for n_tx, Ld, pb, reps, pl, G in ((4, 880, 0, 3, 0, 96), (6, 50, 40, 5, 16, 1), (33, 1000, 0, 2, 128, 4095)):
            f0 = core.frame_format(n_tx, Ld, pb, reps, pl, 3)
            f = core.frame_format(n_tx, Ld, pb, reps, pl, 3, G)
            for a in ("preamble_block", "header_start", "pilot_start", "pilot_len", "payload_start", "known_len"):
                self.assertEqual(getattr(f, a), getattr(f0, a), a)
            self.assertEqual((f.guard_len, f.guard_start, f.frame_len), (G, f0.frame_len, f0.frame_len + G))
            self.assertEqual(f.frame_len, layout(n_tx, Ld, pb, reps, pl, G)[3])
            self.assertEqual(core.frame_format(n_tx, Ld, pb, reps, pl, 3).guard_len, 0)
        bad = [dict(guard_len=-1), dict(guard_len=(1 << 20) + 1), dict(payload_len=(1 << 20) - 100, guard_len=200)]
        for kw in bad:
            for make in (lambda **k: core.frame_format(4, **k), lambda **k: isac.frame_builder(2, 4, **k),
                         lambda **k: isac.user_receiver(4, 2, 0, 4, **k)):
                with self.assertRaises(ValueError) as cm:
                    make(**kw)
                self.assertIn("guard_len", str(cm.exception), kw)
        # a payload alone too long for a frame is the payload's fault
        with self.assertRaises(ValueError) as cm:
            core.frame_format(4, payload_len=1 << 20, guard_len=10)
        self.assertIn("payload_len", str(cm.exception))

    def precoded(self, chain, N, U, Ld, nf, G, channel):
        """frame_builder(guard G) -> precoder (one_bit_isac_tx with its 1-bit
        DAC, or nullspace_precoder), with or without a channel set before the
        run: (x as nf x F x N, the isac_mute tags as (offset, n))."""
        tb = gr.top_block()
        src = isac.psk_source(U, 4, 3)
        head = blocks.head(gr.sizeof_gr_complex * U, nf * Ld)
        fb = isac.frame_builder(U, N, Ld, guard_len=G)
        if chain == "1bit":
            tx = isac.one_bit_isac_tx(N, U, 4, 1.0, 0.01, 0.0, 23.0, [-47.0], 15.0, [30.0], 4, "qos", 8.0, "1bit")
            tx.precoder.set_log_level("error")
        else:
            tx = isac.nullspace_precoder(N, U, 1.0, "zf", 10.0, 0.01, "beampattern", [23.0], 10.0, 64)
            tx.set_log_level("error")
        if channel is not None:
            tx.set_channel(channel)
            if chain != "1bit":
                self.assertTrue(tx.wait_designs(1, 60.0))
        snk = blocks.vector_sink_c(N)
        tb.connect(src, head, fb, tx, snk)
        tb.run()
        F = fb.frame_len()
        mutes = sorted((t.offset, pmt.to_python(t.value)) for t in snk.tags()
                       if pmt.symbol_to_string(t.key) == "isac_mute")
        return np.array(snk.data()).reshape(nf, F, N), mutes

    def test_precoders_silent_in_the_guard(self):
        # both chains, with and without a channel: exactly zero in every
        # frame's guard and tagged isac_mute there (one_bit_quantizer keeps it
        # zero), the known sections those of a guard-free frame, and with a
        # channel the 1-bit chain's payload the guard-free run's, symbol for
        # symbol (the design depends on the symbols and channel only)
        N, U, Ld, nf, G = 4, 2, 40, 5, 24
        rng = np.random.default_rng(8)
        H = (rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / 2
        K = layout(N, Ld, 0, 3, 0)[2]
        F = K + Ld + G
        for chain in ("1bit", "nullspace"):
            for channel in (None, H):
                x, mutes = self.precoded(chain, N, U, Ld, nf, G, channel)
                x0, _ = self.precoded(chain, N, U, Ld, nf, 0, channel)
                what = "%s, channel %s" % (chain, channel is not None)
                self.assertEqual(np.count_nonzero(x[:, K + Ld:]), 0, what)
                np.testing.assert_array_equal(x[:, :K], x0[:, :K], what)
                covered = np.zeros(nf * F, bool)
                for o, n in mutes:
                    covered[o:o + n] = True
                for k in range(nf):
                    self.assertTrue(covered[k * F + K + Ld:(k + 1) * F].all(), what)
                if channel is None:
                    self.assertEqual(np.count_nonzero(x[:, K:]), 0, what)
                else:
                    self.assertFalse(covered.reshape(nf, F)[:, K:K + Ld].any(), what)
                    self.assertEqual(np.count_nonzero(np.all(x[:, K:K + Ld] == 0, axis=2)), 0, what)
                    if chain == "1bit":
                        np.testing.assert_array_equal(x[:, K:K + Ld], x0[:, K:K + Ld], what)

    def test_guard_of_a_hand_made_frame_tag(self):
        # isac_frame dicts from another producer, read by the null-space
        # precoder: a guard of 24 (zeros there), a malformed guard_len (the
        # frame is precoded as data: logged, ignored), a dict without
        # guard_len (a frame without a guard, as before the guard existed)
        N, U, Ld, G = 4, 2, 40, 24
        f = core.frame_format(n_tx=N, payload_len=Ld, guard_len=G)
        K, F = f.known_len, f.frame_len

        def frame_tag(offset, index, guard):
            d = pmt.make_dict()
            vals = [("index", pmt.from_uint64(index)), ("frame_len", pmt.from_long(K + Ld + max(guard or 0, 0))),
                    ("n_tx", pmt.from_long(N)), ("payload_len", pmt.from_long(Ld)),
                    ("preamble_block", pmt.from_long(f.preamble_block)), ("preamble_reps", pmt.from_long(3)),
                    ("pilot_len", pmt.from_long(f.pilot_len)), ("seed", pmt.from_uint64(1))]
            if guard is not None:
                vals.append(("guard_len", pmt.from_long(guard)))
            for k, v in vals:
                d = pmt.dict_add(d, pmt.intern(k), v)
            t = gr.tag_t()
            t.offset, t.key, t.value = offset, pmt.intern("isac_frame"), d
            return t

        rng = np.random.default_rng(9)
        n = 3 * F
        s = np.exp(2j * np.pi * rng.integers(0, 4, (n, U)) / 4).astype(np.complex64)
        tags = [frame_tag(0, 0, G), frame_tag(F, 1, -3), frame_tag(2 * F, 2, None)]
        tx = isac.nullspace_precoder(N, U, 1.0, "zf", 10.0, 0.01, "beampattern", [23.0], 10.0, 64)
        tx.set_log_level("error")
        H = (rng.standard_normal((U, N)) + 1j * rng.standard_normal((U, N))) / 2
        tx.set_channel(H)
        self.assertTrue(tx.wait_designs(1, 60.0))
        tb = gr.top_block()
        src = blocks.vector_source_c(s.ravel().tolist(), False, U, tags)
        snk = blocks.vector_sink_c(N)
        tb.connect(src, tx, snk)
        tb.run()
        x = np.array(snk.data()).reshape(-1, N)
        known = math.sqrt(1.0 / (2 * N)) * np.asarray(core.frame_known(f, True, 0)).T
        np.testing.assert_allclose(x[:K], known, rtol=0, atol=1e-6)
        self.assertEqual(np.count_nonzero(x[K + Ld:F]), 0)
        self.assertEqual(np.count_nonzero(np.all(x[K:K + Ld] == 0, axis=1)), 0)
        # the malformed one: no known section, no guard, every snapshot precoded
        self.assertGreater(np.abs(x[F:F + K] - known).max(), 0.1)
        self.assertEqual(np.count_nonzero(np.all(x[F:2 * F] == 0, axis=1)), 0)
        # no guard_len: the known section, then payload to the next frame
        known2 = math.sqrt(1.0 / (2 * N)) * np.asarray(core.frame_known(f, True, 2)).T
        np.testing.assert_allclose(x[2 * F:2 * F + K], known2, rtol=0, atol=1e-6)
        self.assertEqual(np.count_nonzero(np.all(x[2 * F + K:3 * F] == 0, axis=1)), 0)


if __name__ == "__main__":
    gr_unittest.run(qa_frame_builder)
