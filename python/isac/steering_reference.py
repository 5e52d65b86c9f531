#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""c_t = a(phi)^H x_t: the known transmit reference along the DoD phi."""
import threading

import numpy as np
from gnuradio import gr

from . import isac_python


class steering_reference(gr.sync_block):
    """in0: vectors of n_tx transmit samples x_t. out0: one complex scalar per
    snapshot, c_t = a(tx_deg)^H x_t, with a the seed-004 ULA steering vector
    (midpoint reference, sign +1) scaled to unit norm: the same a that
    isac_channel's bistatic echo r = beta b a^H x uses, so doa_mle's "known"
    mode sees y_t = beta b(theta) c_t + n_t (spec 1.6). set_tx_deg() changes the
    DoD while running (lock-protected, applied from the next work() call)."""

    def __init__(self, n_tx=16, tx_deg=0.0):
        if n_tx < 1:
            raise ValueError("n_tx must be >= 1, got %r" % (n_tx,))
        gr.sync_block.__init__(self, name="steering_reference",
                               in_sig=[(np.complex64, n_tx)], out_sig=[np.complex64])
        self.n_tx = int(n_tx)
        self._lock = threading.Lock()
        self.set_tx_deg(tx_deg)

    def set_tx_deg(self, tx_deg):
        if not (np.isfinite(tx_deg) and -90.0 <= tx_deg <= 90.0):
            raise ValueError("tx_deg must be in [-90, 90], got %r" % (tx_deg,))
        a = np.asarray(isac_python.core.ula_steering(self.n_tx, float(tx_deg), 0.5, 1, "center", True))
        with self._lock:
            self._tx_deg = float(tx_deg)
            self._a_conj = np.conj(a).astype(np.complex64)

    def tx_deg(self):
        with self._lock:
            return self._tx_deg

    def work(self, input_items, output_items):
        with self._lock:
            a = self._a_conj
        output_items[0][:] = input_items[0] @ a
        return len(output_items[0])
