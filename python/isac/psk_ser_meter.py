#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Per-user symbol decisions and SER/BER of an M-PSK downlink."""
import threading

import numpy as np
import pmt
from gnuradio import gr

from .metrics import gray_bits_differ, psk_decide


class psk_ser_meter(gr.sync_block):
    """Decide each user's M-PSK symbol from y_u (angular sector, so any positive
    receive gain is fine: the CI precoder does not fix it) and count symbol and
    Gray-bit errors against the transmitted symbols.

    in0: vectors of n_users received samples y; in1: vectors of n_users
    transmitted symbols s (snapped to the nearest M-PSK point before the count).
    out0: vectors of n_users floats, each user's running SER (for GUI number
    sinks; connect a null sink when not needed).
    Message out `ser`: {"ser": f64vector, "ber": f64vector, "symbols": n} every
    report_every counted snapshots (whenever the count crosses a multiple of it). The first `skip` snapshots are not counted
    (for warm-up, e.g. until the precoder has its first channel).
    """

    def __init__(self, n_users=4, psk_order=8, skip=0, report_every=0):
        if n_users < 1:
            raise ValueError("n_users must be >= 1, got %r" % (n_users,))
        if psk_order < 2:
            raise ValueError("psk_order must be >= 2, got %r" % (psk_order,))
        if skip < 0 or report_every < 0:
            raise ValueError("skip and report_every must be >= 0")
        gr.sync_block.__init__(self, name="psk_ser_meter",
                               in_sig=[(np.complex64, n_users), (np.complex64, n_users)],
                               out_sig=[(np.float32, n_users)])
        self.n_users, self.order = int(n_users), int(psk_order)
        self.bits = max(1, int(round(np.log2(self.order))))
        self.skip, self.report_every = int(skip), int(report_every)
        self.message_port_register_out(pmt.intern("ser"))
        self._lock = threading.Lock()
        self._seen = 0
        self._n = 0
        self._sym_err = np.zeros(self.n_users, dtype=np.int64)
        self._bit_err = np.zeros(self.n_users, dtype=np.int64)

    def work(self, input_items, output_items):
        y, s = input_items[0], input_items[1]
        n = len(y)
        first = max(0, min(n, self.skip - self._seen))
        self._seen += n
        if first < n:
            dec = psk_decide(y[first:], self.order)
            ref = psk_decide(s[first:], self.order)
            wrong = dec != ref
            with self._lock:
                self._sym_err += wrong.sum(axis=0)
                if self.order & (self.order - 1) == 0:
                    self._bit_err += gray_bits_differ(dec, ref).sum(axis=0)
                before = self._n
                self._n += n - first
                # report each time the count crosses a multiple of report_every, so the
                # report at exactly k * report_every snapshots is never skipped
                crossed = self.report_every and self._n // self.report_every > before // self.report_every
        ser = self.ser()
        output_items[0][:] = ser.astype(np.float32)
        if first < n and crossed:
            self.message_port_pub(pmt.intern("ser"), self._report())
        return n

    def _report(self):
        d = pmt.make_dict()
        d = pmt.dict_add(d, pmt.intern("ser"), pmt.init_f64vector(self.n_users, self.ser().tolist()))
        d = pmt.dict_add(d, pmt.intern("ber"), pmt.init_f64vector(self.n_users, self.ber().tolist()))
        d = pmt.dict_add(d, pmt.intern("symbols"), pmt.from_uint64(self.count()))
        return d

    def count(self):
        """Snapshots counted (after skip)."""
        with self._lock:
            return int(self._n)

    def errors(self):
        """Symbol errors per user."""
        with self._lock:
            return self._sym_err.copy()

    def ser(self):
        """Symbol error rate per user (0 before anything was counted)."""
        with self._lock:
            return self._sym_err / max(self._n, 1)

    def ber(self):
        """Bit error rate per user with Gray mapping (M a power of two)."""
        with self._lock:
            return self._bit_err / max(self._n * self.bits, 1)

    def reset(self):
        with self._lock:
            self._n = 0
            self._sym_err[:] = 0
            self._bit_err[:] = 0
