#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""frame_builder against docs/frame.md: the layout computed here from the
parameters (closed forms, not frame_format), the zeros and symbols of its
output, the three frame tags (item, key, value and PMT type), input tags moved
onto their symbol, numbering restarted by start(), and what a precoder
transmits for the header: frame k's header is frame 0's times the Walsh code
k mod 16 (computed here) and the sign of the precoder's channel state."""

import math

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest
from gnuradio import isac
from gnuradio.isac import core
from gnuradio.isac.util import assert_same


def layout(n_tx, payload_len, preamble_block, preamble_reps, pilot_len):
    order = 1 << max(0, math.ceil(math.log2(n_tx)))
    block = preamble_block or max(16, 2 * order)
    pilots = pilot_len or order
    known = (preamble_reps + 1) * block + pilots
    return block, pilots, known, known + payload_len


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
        # the over-the-air examples' frame, and one with every length set
        cases = [(2, (4, 880, 0, 3, 0, 1)), (3, (5, 100, 24, 2, 16, 7))]
        for U, args in cases:
            n_tx, Ld, pb, reps, pl, seed = args
            block, pilots, K, F = layout(n_tx, Ld, pb, reps, pl)
            nf = 4
            tag = gr.tag_t()
            tag.offset, tag.key, tag.value = 2 * Ld + 7, pmt.intern("mine"), pmt.from_long(42)
            fb, sym, [(y, tags)] = self.run_builder(U, args, nf, [tag])
            self.assertEqual((fb.frame_len(), fb.known_len(), fb.frames()), (F, K, nf))
            self.assertEqual(y.shape, (nf * F, U))
            fr = y.reshape(nf, F, U)
            self.assertEqual(np.count_nonzero(fr[:, :K]), 0)
            np.testing.assert_array_equal(fr[:, K:].reshape(-1, U), sym)
            got = sorted((t.offset, pmt.symbol_to_string(t.key), tag_value(t.value)) for t in tags)
            want = []
            for k in range(nf):
                s = k * F
                want.append((s, "isac_frame", {
                    "index": ("u64", k), "frame_len": ("s64", F), "n_tx": ("s64", n_tx),
                    "payload_len": ("s64", Ld), "preamble_block": ("s64", block),
                    "preamble_reps": ("s64", reps), "pilot_len": ("s64", pilots),
                    "seed": ("u64", seed)}))
                want.append((s + (reps + 1) * block, "isac_pilot", ("s64", pilots)))
                want.append((s + K, "isac_payload", ("s64", Ld)))
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


if __name__ == "__main__":
    gr_unittest.run(qa_frame_builder)
