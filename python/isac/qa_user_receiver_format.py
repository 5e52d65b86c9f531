#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""A user_receiver told another frame format than the transmitter's must not
turn the frames into channels (docs/user_receiver.md, "Format check"). The
transmitted frames are built in numpy (core.frame_known, random 1-bit
payloads), through core.frontend_emulator for the impairment profiles; the
reference for the right format is the same receiver with the check off
(mismatch_margin_db = inf: main's acceptance, the absolute floor only) on the
same samples; for a wrong one, zero frames. The closed loop runs
frame_builder -> one_bit_isac_tx -> emulated radio -> user_receiver ->
csi_feedback -> the precoder's csi port."""

import json
import math
import os
import subprocess
import sys

import numpy as np
import pmt
from gnuradio import blocks, gr, gr_unittest
from gnuradio import isac
from gnuradio.isac import core

NT, L = 4, 880
FMT = dict(n_tx=NT, payload_len=L, preamble_block=0, preamble_reps=3, pilot_len=0, frame_seed=1)
WRONG = {"frame_seed 2": dict(frame_seed=2), "payload_len -10": dict(payload_len=L - 10),
         "payload_len +10": dict(payload_len=L + 10), "pilot_len 8": dict(pilot_len=8),
         "preamble_reps 4": dict(preamble_reps=4)}


def tx(n_frames, seed):
    """n_frames frames of FMT (snapshot-major, n x NT), then one of zeros."""
    rng = np.random.default_rng(seed)
    f = core.frame_format(NT, L, 0, 3, 0, 1)
    amp = np.sqrt(1.0 / (2 * NT))
    fr = [np.hstack([core.frame_known(f, True, k),
                     rng.choice([-1, 1], (NT, L)) + 1j * rng.choice([-1, 1], (NT, L))])
          for k in range(n_frames)]
    return np.ascontiguousarray((amp * np.hstack(fr + [np.zeros((NT, f.frame_len))])).T,
                                dtype=np.complex64)


def rx(x, profile, snr_db, seed):
    """User 0's samples (LOS at 20 degrees): thermal noise at the signal power
    of the profile-free channel (same seed) over snr_db."""
    e0 = core.frontend_emulator(NT, 2, 1, user_deg=[20.0], comm_noise_var=1e-12, impairments="none",
                                seed=seed)
    p = np.mean(abs(e0.process(x)[1][:, 0]) ** 2)
    e = core.frontend_emulator(NT, 2, 1, user_deg=[20.0], comm_noise_var=p * 10 ** (-snr_db / 10),
                               impairments=profile, seed=seed)
    return np.ascontiguousarray(e.process(x)[1][:, 0])


def receive(y, margin=None, **fmt):
    kw = dict(FMT, **fmt)
    if margin is not None:
        kw["mismatch_margin_db"] = margin
    r = core.user_receiver(**kw)
    out = []
    for i in range(0, len(y), 4096):
        out += r.push(y[i:i + 4096])
    return r, out + r.flush()


class qa_user_receiver_format(gr_unittest.TestCase):

    def test_wrong_format_no_frame(self):
        # 20 frames at 19 dB, impairments typical: each wrong parameter gives
        # no frame and no row; the rejections are counted, at a fit SNR far
        # below the preamble's (which reads 1-4.5 dB above the stream's SNR)
        y = rx(tx(20, 1), "typical", 19.0, 1)
        for name, fmt in WRONG.items():
            with self.subTest(name):
                r, out = receive(y, **fmt)
                self.assertEqual(len(out), 0)
                self.assertEqual(r.frames(), 0)
                self.assertEqual(r.acquisitions(), 0)
                self.assertGreater(r.format_mismatches(), 0)
                self.assertLess(r.mismatch_fit_snr_db(), r.mismatch_sync_snr_db() - 10.0)
                # the metric reads 1-4.5 dB above the stream's SNR (the largest of
                # its block pairs and starts; test_sync_snr_estimates_the_snr)
                self.assertGreater(r.mismatch_sync_snr_db(), 19.0 + 1.0)
                self.assertLess(r.mismatch_sync_snr_db(), 19.0 + 4.5)
                # without the check the same receiver did accept frames: the
                # check, not the stream, rejects them
                r0, out0 = receive(y, margin=float("inf"), **fmt)
                self.assertGreater(len(out0), 0)
                self.assertEqual(r0.format_mismatches(), 0)

    def test_right_format_as_without_the_check(self):
        # the right format: every frame, acquisition, start and row of the
        # receiver without the check (the absolute floor alone, as before),
        # and no mismatch, from -2 to 30 dB and under the emulator's profiles
        # (none at 60 and 150 dB: the preamble metric saturates while the fit
        # keeps up; without the check's cap every such frame was rejected)
        cases = [("none", s) for s in (-2.0, 0.0, 19.0, 30.0, 60.0, 150.0)] + \
                [(p, s) for p in ("typical", "harsh") for s in (0.0, 19.0)]
        for profile, snr in cases:
            with self.subTest(profile=profile, snr=snr):
                y = rx(tx(24, 2), profile, snr, 2)
                r, out = receive(y)
                r0, out0 = receive(y, margin=float("inf"))
                self.assertEqual(r.format_mismatches(), 0)
                self.assertEqual(r.frames(), r0.frames())
                self.assertEqual(r.acquisitions(), r0.acquisitions())
                self.assertEqual([f["index"] for f in out], [f["index"] for f in out0])
                self.assertEqual([f["start"] for f in out], [f["start"] for f in out0])
                self.assertEqual(sum(f["report"] for f in out), sum(f["report"] for f in out0))
                self.assertGreaterEqual(len(out), 20 if snr >= 19 else 8)
                if 19 <= snr <= 30:
                    # the fit recovers the preamble's SNR within the margin (far
                    # above, the metric's SNR saturates and the cap decides)
                    gaps = [f["fit_snr_db"] - f["sync_snr_db"] for f in out]
                    self.assertGreater(min(gaps), -10.0)

    def test_sync_snr_estimates_the_snr(self):
        # sqrt(M) = rho / (1 + rho): the preamble metric's SNR against the
        # SNR the stream was made with (profile none), the median over frames.
        # The largest of 2 block pairs x 33 starts lifts it: by 1.8 to 3.7 dB
        # measured over seeds 3-5 and 0-30 dB; the fit's is within 1 dB
        for snr in (0.0, 3.0, 10.0, 19.0, 30.0):
            y = rx(tx(16, 3), "none", snr, 3)
            _, out = receive(y)
            med = np.median([f["sync_snr_db"] for f in out])
            self.assertGreater(med, snr + 1.0)
            self.assertLess(med, snr + 4.5)
            self.assertAlmostEqual(np.median([f["fit_snr_db"] for f in out]), snr, delta=1.0)

    def test_clipped_right_format_keeps_frames_above_the_cap(self):
        # typical at 45 dB: the ADC clips (its full scale 40 dB above the noise),
        # the fit stays near 9-15 dB while the preamble shows ~32 dB. Frames whose
        # fit reaches mismatch_cap_db are kept; with the cap at 200 dB (no cap)
        # every frame is rejected, so the cap is what keeps them
        y = rx(tx(24, 2), "typical", 45.0, 2)
        r, out = receive(y)
        self.assertGreater(len(out), 0)
        self.assertTrue(all(f["fit_snr_db"] >= 13.0 for f in out))
        r1, out1 = receive(y, mismatch_cap_db=200.0)
        self.assertEqual(len(out1), 0)
        self.assertGreater(r1.format_mismatches(), 0)

    def test_single_frame_stream_keeps_its_frame(self):
        # a stream of one frame has no next frame to confirm its acquisition;
        # flush outputs it as before (only a stream whose acquisitions went
        # unconfirmed, another payload_len, drops its last one)
        y = rx(tx(1, 4), "none", 19.0, 4)
        r, out = receive(y)
        self.assertEqual([f["index"] for f in out], [0])
        r, out = receive(rx(tx(6, 4), "none", 19.0, 4), payload_len=L + 10)
        self.assertEqual(len(out), 0)

    def test_check_parameter(self):
        for bad in (0.0, -1.0, float("nan")):
            with self.assertRaisesRegex(ValueError, "mismatch_margin_db"):
                core.user_receiver(n_tx=NT, payload_len=L, mismatch_margin_db=bad)


def closed_loop(frame_seed, n_frames=48, **rx_kw):
    """psk_source -> frame_builder -> one_bit_isac_tx -> emulated radio
    (typical) -> user_receiver(frame_seed) -> csi_feedback -> the precoder's
    csi port. Returns the precoder's output (n x NT), its isac_mute tags, the
    frame length, known length, the receiver and the number of csi posts."""
    U, M = 1, 4
    tb = gr.top_block()
    emu = isac.emulated_radio(n_tx=NT, n_rx=2, n_users=U, user_deg=[20.0], comm_noise_var=0.01,
                              clutter_deg=[], cnr_db=[], impairments="typical", seed=4)
    src = isac.psk_source(U, M, 7)
    fb = isac.frame_builder(U, NT, L)
    F, K = fb.frame_len(), fb.known_len()
    head = blocks.head(gr.sizeof_gr_complex * U, n_frames * L)
    t = isac.one_bit_isac_tx(NT, U, M, 1.0, 0.01, 0.0, 23.0, [], 15.0, [], 2, "qos", 8.0, "1bit")
    xs = blocks.vector_sink_c(NT)
    split = blocks.vector_to_streams(gr.sizeof_gr_complex, NT)
    snk = isac.radio_sink("emulated", NT, emulator=emu)
    users = isac.radio_source("emulated", U, emulator=emu, role="users")
    ur = isac.user_receiver(NT, U, 0, M, payload_len=L, frame_seed=frame_seed, **rx_kw)
    csi = isac.csi_feedback(U, NT, 0, 0)
    store = blocks.message_debug()
    tb.connect(src, head, fb, t, xs)
    tb.connect(t, split)
    for k in range(NT):
        tb.connect((split, k), (snk, k))
    tb.connect(users, ur)
    tb.msg_connect((ur, "row"), (csi, "row"))
    tb.msg_connect((csi, "csi"), (t, "csi"))
    tb.msg_connect((csi, "csi"), (store, "store"))
    tb.run()
    x = np.array(xs.data()).reshape(-1, NT)
    mute = np.zeros(len(x), bool)
    for tg in xs.tags():
        if pmt.symbol_to_string(tg.key) == "isac_mute":
            mute[tg.offset:tg.offset + pmt.to_uint64(tg.value)] = True
    return x, mute, F, K, ur, store.num_messages()


# the loop with a wrong seed in a child process: its log is checked
LOOP = """
import json, sys
import numpy as np
sys.path.insert(0, %r)
from qa_user_receiver_format import closed_loop
x, mute, F, K, ur, posts = closed_loop(%d)
n = len(x) // F
pay = np.zeros((n, F), bool)
pay[:, K:] = True
print(json.dumps(dict(n=n, mute_ok=bool(np.array_equal(mute[:n * F], pay.ravel())),
                      nonzero=int(np.count_nonzero(x[:n * F][pay.ravel()])), posts=posts,
                      frames=ur.frames(), rows=len(ur.last_row()),
                      mismatches=ur.format_mismatches())))
"""


class qa_user_receiver_format_loop(gr_unittest.TestCase):

    def test_block_parameters(self):
        # the block's mismatch_margin_db reaches the core: inf turns the check
        # off (the wrong seed's frames are accepted again, none counted), and
        # bad values name the parameter
        _, _, _, _, ur, _ = closed_loop(2, 24, mismatch_margin_db=float("inf"))
        self.assertGreater(ur.frames(), 0)
        self.assertEqual(ur.format_mismatches(), 0)
        for name, bad in (("mismatch_margin_db", 0.0), ("mismatch_margin_db", float("nan")),
                          ("mismatch_cap_db", -1.0), ("mismatch_cap_db", 201.0)):
            with self.assertRaisesRegex(ValueError, name):
                isac.user_receiver(NT, 1, 0, 4, payload_len=L, **{name: bad})

    def test_wrong_seed_keeps_the_precoder_muted(self):
        here = os.path.dirname(os.path.abspath(__file__))
        p = subprocess.run([sys.executable, "-c", LOOP % (here, 2)], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=120)
        self.assertEqual(p.returncode, 0, p.stderr[-2000:])
        r = json.loads([ln for ln in p.stdout.splitlines() if ln.startswith("{")][-1])
        self.assertGreaterEqual(r["n"], 40)
        # every payload muted and zero, the whole run: no channel reached the precoder
        self.assertTrue(r["mute_ok"])
        self.assertEqual(r["nonzero"], 0)
        self.assertEqual(r["posts"], 0)
        self.assertEqual(r["frames"], 0)
        self.assertEqual(r["rows"], 0)
        m = r["mismatches"]
        self.assertGreater(m, 0)
        # logged at the first, then a line per doubling, naming the parameters
        log = (p.stdout + p.stderr).splitlines()  # GNU Radio's console logger
        lines = [ln for ln in log if "frame(s) rejected" in ln]
        self.assertGreaterEqual(len(lines), 1)
        self.assertLessEqual(len(lines), 2 + int(math.log2(m)))
        for key in ("n_tx", "payload_len", "preamble_block", "preamble_reps", "pilot_len", "frame_seed"):
            self.assertIn(key, lines[0])

    def test_right_seed_reaches_a_channel(self):
        # the same loop with the transmitter's seed: the precoder gets a
        # channel and radiates precoded payloads (unmuted, non-zero)
        x, mute, F, K, ur, posts = closed_loop(1)
        n = len(x) // F
        self.assertGreater(posts, 0)
        self.assertEqual(ur.format_mismatches(), 0)
        self.assertFalse(mute[(n - 1) * F + K:n * F].any())
        self.assertEqual(np.count_nonzero(x[(n - 1) * F + K:n * F] == 0), 0)


if __name__ == "__main__":
    gr_unittest.run(qa_user_receiver_format)
