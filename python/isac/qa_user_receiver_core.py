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

import numpy as np
from gnuradio import gr_unittest
from gnuradio.isac import core

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


def receive(y):
    r = core.user_receiver(n_tx=NT, payload_len=L)
    out = []
    for i in range(0, len(y), 4096):
        out += r.push(y[i:i + 4096])
    return r, out


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
        self.assertEqual([fr["index"] for fr in out], list(range(len(out))))
        # the CFO after the pilot FLL: within 5 % (the preamble's single-frame
        # estimate has a standard deviation of ~3e-3 cycles/sample here)
        self.assertLess(abs(r.cfo() - cfo), 0.05 * abs(cfo))
        # the channel row up to the receiver's phase reference
        return core.aligned_nmse(np.array(r.csi_mean()), g), r.csi_err_var() / np.mean(abs(g) ** 2)

    def test_integer_delay(self):
        nmse, pred = self.check(5, 137.0, 3e-4)
        # on the sample grid the average beats its own error prediction
        self.assertLess(nmse, 2.0 * pred)

    def test_fractional_delay(self):
        nmse, pred = self.check(6, 211.37, -2.2e-4)
        # between samples the interpolator meets a full-band signal (1-bit
        # snapshots, no pulse shaping): a floor near -18 dB (docs/ota.md)
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


if __name__ == "__main__":
    gr_unittest.run(qa_user_receiver_core)
