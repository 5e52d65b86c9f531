#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Per-channel phase calibration of a receive array, delivered by a message.

Multi-channel SDRs (several USRPs, or one with several daughterboards) start
each receive channel with an unknown phase (LO, PLL and cable differences). The
estimator measures it from a calibration source, the corrector removes it, and
the estimate travels from one to the other as a PMT message on port `cal`, so a
running flowgraph recalibrates without files or restarts.
"""
import threading

import numpy as np
import pmt
from gnuradio import gr

from .conventions import check_reverse_elements, reject_removed, steering


def _expected_phase(n_rx, cal_deg, spacing, reverse_elements):
    """Phases of a plane wave from cal_deg across the stream channels: the
    module's a(cal_deg) (docs/conventions.md), in stream order."""
    return np.angle(steering(n_rx, cal_deg, spacing, reverse_elements=reverse_elements))


def make_cal_message(phases_rad, reverse_elements=None):
    """The `cal` dict: {"phases_rad": f64vector, "weights": c32vector}, where
    weights = exp(-j phases) are what the corrector multiplies stream channel n
    by, and (when given) "reverse_elements" (bool), the element order the
    phases were estimated for."""
    ph = np.asarray(phases_rad, dtype=float)
    w = np.exp(-1j * ph).astype(np.complex64)
    d = pmt.make_dict()
    d = pmt.dict_add(d, pmt.intern("phases_rad"), pmt.init_f64vector(len(ph), ph.tolist()))
    d = pmt.dict_add(d, pmt.intern("weights"), pmt.init_c32vector(len(w), w.tolist()))
    if reverse_elements is not None:
        d = pmt.dict_add(d, pmt.intern("reverse_elements"), pmt.from_bool(bool(reverse_elements)))
    return d


class array_phase_estimator(gr.sync_block):
    """Estimates the per-channel phase offsets of an n_rx array from a
    calibration source at a known angle cal_deg: a pilot transmitted from a
    known direction, or (cal_deg = 0) one tone split to all inputs with equal
    cables, which looks like a broadside plane wave.

    phi_n = angle(sum_t r_n(t) r_0(t)^*) - angle(a_n(cal_deg) a_0(cal_deg)^*),
    channel 0 being the reference (phi_0 = 0) and a the module's steering vector
    (docs/conventions.md: a source at theta arrives as a(theta)). The
    cross-correlation with channel 0 cancels the unknown source phase and
    modulation, so any signal works as a pilot; its error falls as
    1/sqrt(n_avg * SNR). Phases are per stream channel.
    reverse_elements: True when stream channel k is antenna n_rx-1-k; set the
    same value on the array_phase_corrector, which then outputs the channels in
    antenna order (the cal message carries the flag and the corrector checks it).

    tone_freq (cycles per sample, |tone_freq| < 0.5; 0 = off): the pilot is a
    CW tone at this offset from the carrier. Each channel is then demodulated
    and summed coherently over blocks of tone_block snapshots before the
    products z_n z_0^* are averaged, so wideband signals that reach the array
    at the same time (the radar's own echo and clutter, which would bias the
    plain r_n r_0^* average) fall to 1/tone_block of their power: the array
    can be calibrated while the transmitter runs.

    in0: vectors of n_rx samples. out: none.
    Message out `cal`: the make_cal_message() dict, after the first n_avg
    snapshots (once), or after every n_avg snapshots when continuous is True.
    Message in `recalibrate` (any message): start a new average.
    """

    def __init__(self, n_rx=4, cal_deg=0.0, n_avg=4096, spacing=0.5, reverse_elements=False, continuous=False,
                 tone_freq=0.0, tone_block=1024, **removed):
        reject_removed("array_phase_estimator", removed)
        reverse_elements = check_reverse_elements("array_phase_estimator", reverse_elements)
        if n_rx < 1:
            raise ValueError("n_rx must be >= 1, got %r" % (n_rx,))
        if n_avg < 1:
            raise ValueError("n_avg must be >= 1, got %r" % (n_avg,))
        if not (np.isfinite(cal_deg) and -90.0 <= cal_deg <= 90.0):
            raise ValueError("cal_deg must be in [-90, 90], got %r" % (cal_deg,))
        if not (np.isfinite(tone_freq) and abs(tone_freq) < 0.5):
            raise ValueError("tone_freq must be in (-0.5, 0.5) cycles per sample, got %r" % (tone_freq,))
        if tone_block < 1:
            raise ValueError("tone_block must be >= 1, got %r" % (tone_block,))
        gr.sync_block.__init__(self, name="array_phase_estimator", in_sig=[(np.complex64, n_rx)], out_sig=None)
        self.n_rx, self.n_avg, self.continuous = int(n_rx), int(n_avg), bool(continuous)
        self.reverse_elements = reverse_elements
        self._expected = _expected_phase(n_rx, cal_deg, spacing, reverse_elements)
        self._lock = threading.Lock()
        self._acc = np.zeros(self.n_rx, dtype=np.complex128)
        self._k = 0
        self.tone_freq, self.tone_block = float(tone_freq), int(tone_block)
        self._z = np.zeros(self.n_rx, dtype=np.complex128)  # running tone sum of one block
        self._zk = 0
        self._done = False
        self._last = None
        self.message_port_register_out(pmt.intern("cal"))
        self.message_port_register_in(pmt.intern("recalibrate"))
        self.set_msg_handler(pmt.intern("recalibrate"), self._recalibrate)

    def _recalibrate(self, _msg):
        with self._lock:
            self._acc[:] = 0
            self._k = 0
            self._z[:] = 0
            self._zk = 0
            self._done = False

    def _tone_accumulate(self, blk, good, first):
        """Demodulate the tone (absolute sample index first.. for a continuous
        phase) and add the products of every completed tone block."""
        t = first + np.arange(len(blk))
        d = blk * np.exp(-2j * np.pi * self.tone_freq * t)[:, None]
        d[~good] = 0
        pos = 0
        while pos < len(d):
            m = min(len(d) - pos, self.tone_block - self._zk)
            self._z += d[pos:pos + m].sum(axis=0)
            self._zk += m
            pos += m
            if self._zk == self.tone_block:
                self._acc += self._z * np.conj(self._z[0])
                self._z[:] = 0
                self._zk = 0

    def phases(self):
        """The last published estimate (radians, length n_rx) or None."""
        with self._lock:
            return None if self._last is None else self._last.copy()

    def work(self, input_items, output_items):
        r = input_items[0]
        n = len(r)
        pos = 0
        while pos < n:
            with self._lock:
                if self._done:
                    break
                take = min(n - pos, self.n_avg - self._k)
                blk = r[pos:pos + take].astype(np.complex128)
                good = np.all(np.isfinite(blk), axis=1)  # a NaN snapshot is skipped, not averaged
                if self.tone_freq != 0.0:
                    self._tone_accumulate(blk, good, self.nitems_read(0) + pos)
                else:
                    self._acc += (blk[good] * np.conj(blk[good, :1])).sum(axis=0)
                self._k += take
                pos += take
                if self._k < self.n_avg:
                    break
                if self.tone_freq != 0.0 and self._zk:  # the last, partial tone block
                    self._acc += self._z * np.conj(self._z[0])
                    self._z[:] = 0
                    self._zk = 0
                ph = np.angle(self._acc) - (self._expected - self._expected[0])
                ph = np.angle(np.exp(1j * ph))  # wrap to (-pi, pi]
                ph[0] = 0.0
                self._last = ph
                self._acc[:] = 0
                self._k = 0
                self._done = not self.continuous
            self.message_port_pub(pmt.intern("cal"), make_cal_message(ph, self.reverse_elements))
        return n


class array_phase_corrector(gr.sync_block):
    """Multiplies stream channel n of each n_rx snapshot by w_n = exp(-j phi_n).
    With reverse_elements (stream channel k is antenna n_rx-1-k) it then
    outputs the channels in antenna order, so every block downstream sees the
    module's element order (docs/conventions.md); with zero phases it is just
    that reordering.

    Message in `cal`: a dict with "weights" (c32vector of n_rx) or "phases_rad"
    (f64vector of n_rx), as array_phase_estimator publishes. A malformed message
    (not a dict, wrong length, non-finite values, or a "reverse_elements" flag
    different from this block's) is logged and ignored; the last good weights
    stay. Starts from `phases_rad` (default: zeros)."""

    def __init__(self, n_rx=4, phases_rad=None, reverse_elements=False, **removed):
        reject_removed("array_phase_corrector", removed)
        self.reverse_elements = check_reverse_elements("array_phase_corrector", reverse_elements)
        if n_rx < 1:
            raise ValueError("n_rx must be >= 1, got %r" % (n_rx,))
        gr.sync_block.__init__(self, name="array_phase_corrector",
                               in_sig=[(np.complex64, n_rx)], out_sig=[(np.complex64, n_rx)])
        self.n_rx = int(n_rx)
        self._lock = threading.Lock()
        self._w = np.ones(self.n_rx, dtype=np.complex64)
        self._updates = 0
        if phases_rad is not None and len(phases_rad):
            self.set_phases(phases_rad)
        self.message_port_register_in(pmt.intern("cal"))
        self.set_msg_handler(pmt.intern("cal"), self._handle)

    def set_phases(self, phases_rad):
        ph = np.asarray(phases_rad, dtype=float).ravel()
        if ph.size != self.n_rx or not np.all(np.isfinite(ph)):
            raise ValueError("phases_rad must hold %d finite values" % self.n_rx)
        self.set_weights(np.exp(-1j * ph))

    def set_weights(self, weights):
        w = np.asarray(weights, dtype=np.complex64).ravel()
        if w.size != self.n_rx or not np.all(np.isfinite(w)):
            raise ValueError("weights must hold %d finite values" % self.n_rx)
        with self._lock:
            self._w = w
            self._updates += 1

    def weights(self):
        with self._lock:
            return self._w.copy()

    def updates(self):
        """How many calibrations were applied (setter or message)."""
        with self._lock:
            return self._updates

    def _handle(self, msg):
        try:
            if not pmt.is_dict(msg):
                raise ValueError("not a dict")
            rev = pmt.dict_ref(msg, pmt.intern("reverse_elements"), pmt.PMT_NIL)
            if pmt.is_bool(rev) and pmt.to_bool(rev) != self.reverse_elements:
                raise ValueError("estimated with reverse_elements=%s, this corrector has %s"
                                 % (pmt.to_bool(rev), self.reverse_elements))
            w = pmt.dict_ref(msg, pmt.intern("weights"), pmt.PMT_NIL)
            if pmt.is_c32vector(w):
                self.set_weights(pmt.c32vector_elements(w))
                return
            ph = pmt.dict_ref(msg, pmt.intern("phases_rad"), pmt.PMT_NIL)
            if pmt.is_f64vector(ph):
                self.set_phases(pmt.f64vector_elements(ph))
                return
            raise ValueError("needs 'weights' (c32vector) or 'phases_rad' (f64vector)")
        except ValueError as e:
            self.logger.warn("ignored cal message: %s" % e)

    def work(self, input_items, output_items):
        with self._lock:
            w = self._w
        if self.reverse_elements:
            output_items[0][:] = (input_items[0] * w)[:, ::-1]
        else:
            output_items[0][:] = input_items[0] * w
        return len(output_items[0])
