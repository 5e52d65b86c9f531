#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""c_t = g_T(phi)^T x_t: the known transmit reference along the DoD phi."""
import threading

import numpy as np
from gnuradio import gr

from .conventions import steering


class steering_reference(gr.sync_block):
    """in0: vectors of n_tx transmit samples x_t. out0: one complex scalar per
    snapshot, c_t = g_T(tx_deg)^T x_t, the field radiated toward the DoD with
    g_T the module's unit-norm steering vector (docs/conventions.md): the same
    g_T as isac_channel's echo r = beta g_R(rx) g_T(tx)^T x, so doa_mle's
    "known" mode sees y_t = beta g_R(theta) c_t + n_t and |c_t|^2 is the
    transmit power along the DoD that relates its snr_est to tnr_est.
    set_tx_deg() changes the DoD while running (lock-protected, applied from
    the next work() call)."""

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
        g = steering(self.n_tx, float(tx_deg), normalize=True).astype(np.complex64)
        with self._lock:
            self._tx_deg = float(tx_deg)
            self._g = g

    def tx_deg(self):
        with self._lock:
            return self._tx_deg

    def work(self, input_items, output_items):
        with self._lock:
            g = self._g
        output_items[0][:] = input_items[0] @ g
        return len(output_items[0])
