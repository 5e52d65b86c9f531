#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""core.user_receiver against a numpy transmitter: frames built from
core.frame_known plus random 1-bit payloads, a random channel row, an
integer or fractional start delay (ideal band-limited delay by FFT), a CFO
and white noise. The receiver must find every frame start, the CFO and the
channel row; the references are the values the test put in."""

import os
import subprocess
import sys

import numpy as np
from gnuradio import gr_unittest
from gnuradio.isac import core
from gnuradio.isac.util import assert_same

NT, L = 4, 880


def stream(rng, n_frames, delay, cfo, noise_var):
    f = core.frame_format(NT, L, 0, 3, 0, 1)
    amp = np.sqrt(1.0 / (2 * NT))
    blocks = []
    for k in range(n_frames):
        pay = rng.choice([-1, 1], (NT, L)) + 1j * rng.choice([-1, 1], (NT, L))
        blocks.append(np.hstack([core.frame_known(f, True, k), pay]))
    x = amp * np.hstack(blocks)
    g = (rng.standard_normal(NT) + 1j * rng.standard_normal(NT)) / np.sqrt(2)
    s = np.concatenate([g @ x, np.zeros(2048)])
    fr = np.fft.fftfreq(len(s))
    y = np.fft.ifft(np.fft.fft(s) * np.exp(-2j * np.pi * fr * delay))
    y = y * np.exp(2j * np.pi * cfo * np.arange(len(y)))
    y += np.sqrt(noise_var / 2) * (rng.standard_normal(len(y)) + 1j * rng.standard_normal(len(y)))
    return f, g, y.astype(np.complex64)


def late_stream(rng, n_frames, delay, noise_var, row=None, frame_seed=1, guard_len=0):
    """Frames whose payload carries QPSK symbols to the user, precoded with
    `row` as a precoder would with the user's reported row (its matched
    filter, conj(row) s / |row|; default the true row g), delayed by `delay`
    samples; returns the format, g, the samples and the symbols' indices k
    (s = e^{j 2 pi k / 4}). The random draws do not depend on `row` or on
    `frame_seed` (the known section's: another one is another format).
    guard_len: silent snapshots after each payload (docs/frame.md)."""
    f = core.frame_format(NT, L, 0, 3, 0, frame_seed, guard_len)
    amp = np.sqrt(1.0 / (2 * NT))
    g = (rng.standard_normal(NT) + 1j * rng.standard_normal(NT)) / np.sqrt(2)
    k = rng.integers(0, 4, n_frames * L)
    s = np.exp(2j * np.pi * k / 4)
    h = g if row is None else np.asarray(row)
    w = np.conj(h) / np.linalg.norm(h) * np.sqrt(2)
    blocks = [np.hstack([core.frame_known(f, True, j), np.outer(w, s[j * L:(j + 1) * L]),
                         np.zeros((NT, guard_len))]) for j in range(n_frames)]
    x = amp * np.hstack(blocks)
    y = np.concatenate([g @ x, np.zeros(2048)])
    fr = np.fft.fftfreq(len(y))
    y = np.fft.ifft(np.fft.fft(y) * np.exp(-2j * np.pi * fr * delay))
    y += np.sqrt(noise_var / 2) * (rng.standard_normal(len(y)) + 1j * rng.standard_normal(len(y)))
    return f, g.astype(np.complex64), y.astype(np.complex64), k


def splits(n, sizes, rng=None):
    """Chunk boundaries of n samples: the sizes in turn, or uniform 1..sizes
    draws of rng."""
    out, i, j = [], 0, 0
    while i < n:
        c = int(rng.integers(1, sizes + 1)) if rng is not None else sizes[j % len(sizes)]
        out.append((i, min(n, i + c)))
        i += c
        j += 1
    return out


def receive(y):
    r = core.user_receiver(n_tx=NT, payload_len=L)
    out = []
    for i in range(0, len(y), 4096):
        out += r.push(y[i:i + 4096])
    return r, out


# A receiver told another frame than the transmitter's: run in a child process,
# so that a receiver that never returns fails the test instead of hanging it.
MISMATCH = """
import sys
import numpy as np
sys.path.insert(0, %r)
from qa_user_receiver_core import stream, NT, L
from gnuradio.isac import core
f, g, y = stream(np.random.default_rng(4), 20, 0.0, 1e-4, 0.01)
r = core.user_receiver(n_tx=NT, payload_len=L + %d, pilot_len=%d)
n = sum(len(r.push(y[i:i + 4096])) for i in range(0, len(y), 4096))
print(r.false_acquisitions(), r.frames(), n)
"""


class qa_user_receiver_core(gr_unittest.TestCase):

    def check(self, seed, delay, cfo):
        rng = np.random.default_rng(seed)
        n_frames = 60
        f, g, y = stream(rng, n_frames, delay, cfo, 0.05)
        r, out = receive(y)
        F = f.frame_len
        # every frame but the last (its successor confirms it) is found,
        # numbered as sent, at its true start
        self.assertGreaterEqual(len(out), n_frames - 2)
        self.assertEqual(sum(fr["acquired"] for fr in out), 1)
        for fr in out:
            self.assertAlmostEqual(fr["start"], delay + fr["index"] * F, delta=0.1)
        assert_same([fr["index"] for fr in out], list(range(len(out))))
        # the CFO after the pilot FLL: within 5 % (the preamble's single-frame
        # estimate has a standard deviation of ~3e-3 cycles/sample here)
        self.assertLess(abs(r.cfo() - cfo), 0.05 * abs(cfo))
        # the channel row up to the receiver's phase reference
        return core.aligned_nmse(np.array(r.csi_mean()), g), r.csi_err_var() / np.mean(abs(g) ** 2)

    def test_wrong_frame_returns(self):
        # payload_len 10 off either way, pilot_len 8 for 4: acquisitions the
        # next frame does not confirm are retried strictly later each time,
        # so push() returns (with pilot_len 8 it once retried the same start
        # for ever)
        here = os.path.dirname(os.path.abspath(__file__))
        for dpay, pil in ((-10, 0), (10, 0), (0, 8)):
            try:
                p = subprocess.run([sys.executable, "-c", MISMATCH % (here, dpay, pil)],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, timeout=60)
            except subprocess.TimeoutExpired:
                self.fail("payload_len %+d, pilot_len %d: push() did not return in 60 s"
                          % (dpay, pil))
            self.assertEqual(p.returncode, 0, p.stdout[-2000:])
            false_acq, frames, out = map(int, p.stdout.split()[-3:])
            # not the 19 frames a receiver of the right format finds
            self.assertLess(frames, 19, "false acquisitions %d" % false_acq)

    def test_integer_delay(self):
        nmse, pred = self.check(5, 137.0, 3e-4)
        # on the sample grid the average beats its own error prediction
        self.assertLess(nmse, 2.0 * pred)

    def test_fractional_delay(self):
        nmse, pred = self.check(6, 211.37, -2.2e-4)
        # between samples the interpolator meets a full-band signal (1-bit
        # snapshots, no pulse shaping): a floor near -18 dB (docs/ota_measurements.md)
        self.assertLess(nmse, 0.03)

    def test_slip_guard_at_low_snr(self):
        # known-section SNR near 4 dB (user 0 of the over-the-air flowgraph
        # after the transmit calibration): the preamble guard must not add a
        # cycle per frame on noise (it did, ~1 frame in 20 here, each time for
        # several frames)
        rng = np.random.default_rng(11)
        cfo = 2e-5
        f, g, y = stream(rng, 400, 137.0, cfo, 0.1)
        r, out = receive(y)
        self.assertGreaterEqual(len(out), 398)
        self.assertLess(np.mean([fr["snr_db"] for fr in out]), 5.0)
        F = f.frame_len
        slipped = [fr["index"] for fr in out if abs(fr["cfo"] - cfo) > 0.5 / F]
        self.assertEqual(slipped, [])

    def test_slip_guard_catches_a_cycle_per_frame(self):
        # a CFO step of exactly 1/frame_len is invisible to the pilot FLL (the
        # pilots turn by a whole cycle per frame); the preamble guard finds it
        for nv in (0.05, 0.1):
            rng = np.random.default_rng(12)
            f, g, y = stream(rng, 200, 137.0, 0.0, nv)
            F = f.frame_len
            n = np.arange(len(y))
            k0 = 100 * F + 737
            y = (y * np.exp(2j * np.pi / F * np.maximum(n - k0, 0))).astype(np.complex64)
            r, out = receive(y)
            self.assertAlmostEqual(r.cfo() * F, 1.0, delta=0.05)
            first = [fr["index"] for fr in out if fr["cfo"] * F > 0.5][0]
            self.assertLess(first, 100 + 20)

    def test_decisions_are_the_payload_samples_nearest_points(self):
        # the decision-directed phase loop computes its angles apart from the
        # derotated samples it outputs; every decision must still be the nearest
        # M-PSK point of its output sample (numpy's angle, ties excluded), for a
        # power-of-two order and another
        for M, seed in ((8, 11), (3, 12)):
            rng = np.random.default_rng(seed)
            f, g, y = stream(rng, 40, 97.4, 1.5e-4, 0.05)
            r = core.user_receiver(n_tx=NT, payload_len=L, psk_order=M)
            r.set_reference(g, 0)
            out = []
            for i in range(0, len(y), 4096):
                out += r.push(y[i:i + 4096])
            decided = [fr for fr in out if fr["decided"]]
            self.assertGreaterEqual(len(decided), 30)
            for fr in decided:
                t = np.angle(fr["payload"].astype(np.complex128)) * M / (2 * np.pi)
                clear = np.abs(np.abs(t - np.round(t)) - 0.5) > 1e-5
                ref = np.mod(np.round(t), M).astype(int)
                np.testing.assert_array_equal(fr["decisions"][clear], ref[clear])
                self.assertGreater(np.mean(clear), 0.999)

    def test_block_payload_port_optional(self):
        # the block with its payload port connected, and with no output at all
        # (a sink): the same frames, CFO and stats; connected, the payload of
        # every received frame comes out
        import pmt
        from gnuradio import blocks, gr, isac
        rng = np.random.default_rng(21)
        f, g, y = stream(rng, 30, 137.0, 3e-4, 0.05)
        res = []
        for connected in (True, False):
            tb = gr.top_block()
            rx = isac.user_receiver(NT, 1, 0, 4, payload_len=L)
            tb.connect(blocks.vector_source_c(y.tolist(), False), rx)
            dbg = blocks.message_debug()
            if connected:
                snk = blocks.vector_sink_c()
                tb.connect(rx, snk)
                # a listener gets every frame's dict; without one, last_stats()
                # builds the last frame's from its figures: the same dict
                tb.msg_connect(rx, "stats", dbg, "store")
            tb.run()
            res.append((rx.frames(), rx.cfo(), rx.last_stats()))
            if connected:
                self.assertEqual(dbg.num_messages(), rx.frames())
                self.assertTrue(pmt.equal(dbg.get_message(dbg.num_messages() - 1), rx.last_stats()))
            if connected:
                self.assertGreaterEqual(rx.frames(), 28)
                self.assertEqual(len(snk.data()), rx.frames() * L)
        self.assertEqual(res[0][:2], res[1][:2])
        self.assertTrue(pmt.equal(res[0][2], res[1][2]))

    # a radio 3.24 frames late (harsh seed 1's user 1 is 3 073 samples late):
    # the transmitter's symbols are far ahead of the frames being received
    LATE = 3.24

    def test_reference_window(self):
        # against a list of the pushed symbols: frames ready exactly when all
        # their symbols are in and not released; the cap drops the oldest
        Ld, cap = 10, 35
        w = core.reference_window(Ld, cap)
        self.assertEqual(core.reference_window.default_cap(880), 128 * 880)
        self.assertEqual(core.reference_window.default_cap(16), 1 << 16)
        self.assertEqual(core.reference_window.default_cap(1 << 20), 1 << 24)
        with self.assertRaises(ValueError):
            core.reference_window(Ld, Ld - 1)
        sym = (np.arange(200) + 1j * np.arange(200)).astype(np.complex64)
        self.assertEqual(w.find(0)[0], "waiting")
        w.push(sym[:15])
        st, v = w.find(0)
        self.assertEqual(st, "ready")
        np.testing.assert_array_equal(v, sym[:10])
        self.assertEqual(w.find(1)[0], "waiting")
        w.release_before(1)
        self.assertEqual(w.find(0)[0], "gone")
        self.assertEqual(w.size(), 5)
        # released ahead of the stream: those symbols are skipped on arrival
        w.release_before(3)
        w.push(sym[15:25])
        self.assertEqual((w.begin(), w.end(), w.size()), (30, 25, 0))
        w.push(sym[25:42])
        np.testing.assert_array_equal(w.find(3)[1], sym[30:40])
        self.assertEqual(w.find(4)[0], "waiting")
        # nothing released any more (a radio delivering no frames): 35 kept
        w.push(sym[42:100])
        self.assertEqual((w.size(), w.dropped(), w.begin()), (cap, 100 - cap - 30, 100 - cap))
        self.assertEqual(w.find(6)[0], "gone")  # 60..69: partly dropped
        np.testing.assert_array_equal(w.find(7)[1], sym[70:80])
        np.testing.assert_array_equal(w.find(9)[1], sym[90:100])
        for i in range(100, 200, 3):
            w.push(sym[i:i + 3])
            self.assertLessEqual(w.size(), cap)
        np.testing.assert_array_equal(w.find(19)[1], sym[190:200])
        self.assertEqual(w.dropped(), 200 - cap - 30)

    def block_count(self, y, k, max_items, n_count):
        """The block's count of frames 0..n_count-1, the samples in calls of
        at most max_items (0: the scheduler's), the symbols ahead of them."""
        from gnuradio import blocks, gr, isac
        tb = gr.top_block()
        rx = isac.user_receiver(NT, 1, 0, 4, payload_len=L, ser_every=0)
        rx.set_count_window(0, n_count)
        # One source for both streams, interleaved (sample n with symbol n),
        # so that the symbols are never behind the samples however the threads
        # run: frame k's symbols come 68 k + 3 900 samples before its end. A
        # source each raced (the block ends when an input whose source ended
        # is read empty, with frames still waiting for their symbols).
        ref = np.exp(2j * np.pi * k / 4).astype(np.complex64)
        n = len(y)
        both = np.zeros(2 * n, np.complex64)
        both[0::2] = y
        both[1:2 * len(ref):2] = ref
        src = blocks.vector_source_c(both.tolist(), False)
        if max_items:
            src.set_max_noutput_items(2 * max_items)
        split = blocks.deinterleave(gr.sizeof_gr_complex)
        tb.connect(src, split)
        tb.connect((split, 0), (rx, 0))
        tb.connect((split, 1), (rx, 1))
        tb.run()
        return rx.count(), rx.errors()[0], rx.ref_dropped()

    def test_frames_whatever_the_pushes(self):
        # The same samples pushed in one piece or in random pieces (up to 5,
        # 97 or 700 samples, or single samples through the first preamble)
        # give the same frames to the bit: the acquisition's sliding sums go on
        # across pushes instead of starting again where a push ended (which
        # moved this stream's first CFO estimate by 1e-20).
        args = dict(payload_len=L, avg_frames=2, report_every=3)
        _, _, y, _ = late_stream(np.random.default_rng(19), 14, 1377.3, 0.01)
        r = core.user_receiver(n_tx=NT, **args)
        row = [fr["row"] for fr in r.push(y) if fr["report"]][0]
        _, _, y, _ = late_stream(np.random.default_rng(19), 14, 1377.3, 0.01, row)

        def frames(cuts):
            r = core.user_receiver(n_tx=NT, **args)
            out = [fr for a, b in cuts for fr in r.push(y[a:b])]
            return [{k: (v.tobytes() if isinstance(v, np.ndarray) else v) for k, v in fr.items()} for fr in out]

        ref = frames([(0, len(y))])
        self.assertEqual([fr["index"] for fr in ref], list(range(13)))
        # frames() and missed() as of each frame: the frames found so far
        self.assertEqual([fr["frames_found"] for fr in ref], list(range(1, 14)))
        self.assertEqual([fr["missed_total"] for fr in ref], [0] * 13)
        for seed, most in ((1, 5), (2, 97), (3, 700)):
            cuts = splits(len(y), most, np.random.default_rng(seed))
            if most == 700:  # and single samples through the first preamble
                head = [c for c in cuts if c[1] <= 1300]
                cuts = head + [(i, i + 1) for i in range(head[-1][1], 1700)]
                cuts += [(a + 1700, b + 1700) for a, b in splits(len(y) - 1700, most, np.random.default_rng(seed))]
            got = frames(cuts)
            self.assertEqual(len(got), len(ref))
            for a, b in zip(ref, got):
                assert_same(a, b, "frame %d, pushes of at most %d" % (a["index"], most))

    def test_block_counts_a_late_radio_whatever_the_calls(self):
        # every decided frame of the window is counted against its symbols:
        # the count and the errors are the core's decisions against the
        # transmitted symbols (numpy), for every split of the samples. The
        # frames' symbols used to be let go two frames behind the samples
        # seen, before a radio this late had output them: calls shorter than
        # a frame lost nearly all of them.
        n_frames, n_count = 60, 50

        def run_core(y):
            r = core.user_receiver(n_tx=NT, payload_len=L)
            return [fr for a, b in splits(len(y), [4096]) for fr in r.push(y[a:b])]

        # No csi message (when it is handled against the first calls is the
        # scheduler's): the phase reference is the receiver's own first row,
        # frame 15's, with the phase of its oscillator; the payload is
        # precoded with that row, as the precoder does with a reported one
        # (drawn on the first pass's payload: a few tenths of a radian off on
        # the second's).
        f, g, y, k = late_stream(np.random.default_rng(5), n_frames, self.LATE * 948, 0.01)
        self.assertEqual(f.frame_len, 948)
        row = [fr["row"] for fr in run_core(y) if fr["report"]][0]
        _, _, y, k = late_stream(np.random.default_rng(5), n_frames, self.LATE * 948, 0.01, row)
        out = run_core(y)
        dec = [fr for fr in out if fr["decided"] and fr["index"] < n_count]
        assert_same([fr["index"] for fr in dec], list(range(15, n_count)))
        n_exp = len(dec) * L
        err_exp = sum(int(np.sum(fr["decisions"] != k[fr["index"] * L:(fr["index"] + 1) * L]))
                      for fr in dec)
        self.assertLess(err_exp, 1e-3 * n_exp)  # 20 dB less the row's error
        for max_items in (0, 97, 500, 1201):
            self.assertEqual(self.block_count(y, k, max_items, n_count), (n_exp, err_exp, 0),
                             "max_items %d" % max_items)

    def test_guard(self):
        # frames that end in a silent guard (the TDD uplink slot): a receiver
        # told the guard finds every frame at k frame_len + delay (frame_len
        # with the guard) and decides as many payloads, without an error, as
        # on the same draws without a guard; a receiver not told finds no
        # frame grid (its frame_len is the transmitter's minus the guard).
        # Random rows and delays, two guard lengths.
        n_frames = 40

        def run(seed, delay, guard, rx_guard):
            f, g, y, k = late_stream(np.random.default_rng(seed), n_frames, delay, 0.01, guard_len=guard)
            r = core.user_receiver(n_tx=NT, payload_len=L, guard_len=rx_guard)
            r.set_reference(g, 0)
            out = [fr for a, b in splits(len(y), [4096]) for fr in r.push(y[a:b])]
            return f, g, k, r, out

        for seed, guard, delay in ((31, 96, 211.37), (32, 288, 1377.3)):
            f, g, k, r, out = run(seed, delay, guard, guard)
            self.assertEqual((f.guard_len, f.guard_start, f.frame_len),
                             (guard, f.known_len + L, f.known_len + L + guard))
            F = f.frame_len
            self.assertGreaterEqual(len(out), n_frames - 2, seed)
            for fr in out:
                self.assertAlmostEqual(fr["start"], delay + fr["index"] * F, delta=0.1)
            dec = [fr for fr in out if fr["decided"]]
            dec0 = [fr for fr in run(seed, delay, 0, 0)[4] if fr["decided"]]
            self.assertGreaterEqual(len(dec), len(dec0) - 1, seed)
            self.assertGreaterEqual(len(dec), n_frames // 2, seed)
            err = sum(int(np.sum(fr["decisions"] != k[fr["index"] * L:(fr["index"] + 1) * L])) for fr in dec)
            # the matched filter on the true row: far above QPSK's error region
            self.assertEqual(err, 0, seed)
            self.assertLess(core.aligned_nmse(np.array(r.csi_mean()), g), 0.03)
            # the same samples to a receiver without the guard
            self.assertLess(len(run(seed, delay, guard, 0)[4]), n_frames // 4, seed)

    def test_guard_mismatch_reported(self):
        # guard_len (or payload_len) not frame_builder's: the known section
        # before the payload still fits, so each frame is acquired and the next
        # one is not where this receiver's frame_len puts it. The acquisitions
        # then follow each other every transmitter frame_len, off this
        # receiver's grid: counted, with that spacing. A receiver told the
        # guard counts nothing. Random delays, guards larger and smaller.
        n_frames = 40
        for seed, tx, rx, delay in ((41, 96, 0, 211.37), (42, 0, 96, 777.2), (43, 8, 0, 95.6),
                                    (44, 0, 8, 300.1), (45, 96, 96, 51.9), (46, 0, 0, 404.4)):
            f, g, y, k = late_stream(np.random.default_rng(seed), n_frames, delay, 0.01, guard_len=tx)
            r = core.user_receiver(n_tx=NT, payload_len=L, guard_len=rx)
            r.set_reference(g, 0)
            out = [fr for a, b in splits(len(y), [4096]) for fr in r.push(y[a:b])]
            if tx == rx:
                self.assertGreaterEqual(len(out), n_frames - 2, seed)
                self.assertEqual((r.grid_mismatches(), r.false_acquisitions()), (0, 0), seed)
                continue
            self.assertLess(len(out), n_frames // 4, seed)
            # pairs of acquisitions one transmitter frame apart (12-29 of 40 frames
            # on these draws: spurious acquisitions inside the frames break pairs)
            self.assertGreater(r.grid_mismatches(), n_frames // 5, seed)
            self.assertAlmostEqual(r.grid_mismatch_spacing(), f.frame_len, delta=0.2, msg=seed)

    def test_block_reference_released_while_searching(self):
        # a radio that delivers no frames (zeros) while the symbols run on:
        # the search passes their frames, so the block lets them go; none is
        # dropped by the cap (test_reference_window checks the cap itself).
        # As in a flowgraph, the symbols and the samples come from one source
        # (the samples are its items times 0, repeated to the frames' length),
        # so in1 cannot run ahead of in0 by more than the buffers between them;
        # two independent sources would let in1 outrun the search by more than
        # the cap whenever the scheduler favours it.
        from gnuradio import blocks, gr, isac
        cap = core.reference_window.default_cap(L)
        frame_len = core.frame_format(NT, L, 0, 3, 0, 1).frame_len
        tb = gr.top_block()
        rx = isac.user_receiver(NT, 2, 1, 4, payload_len=L)
        n_ref = 3 * cap
        rep = -(-frame_len // (2 * L))  # samples per symbol, at least the frame's
        src = blocks.vector_source_c(np.ones(2 * n_ref, np.complex64).tolist(), False, 2)
        zero = blocks.multiply_const_vcc([0j, 0j])
        tb.connect(src, (rx, 1))
        tb.connect(src, zero, blocks.vector_to_stream(8, 2), blocks.repeat(8, rep), (rx, 0))
        tb.run()
        self.assertGreaterEqual(2 * rep * n_ref, (n_ref // L) * frame_len)
        self.assertEqual(rx.nitems_read(1), n_ref - 1)  # the last one stays
        self.assertEqual((rx.frames(), rx.ref_dropped()), (0, 0))

if __name__ == "__main__":
    gr_unittest.run(qa_user_receiver_core)
