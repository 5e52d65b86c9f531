#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Transmit beampattern of each frame of snapshots."""
import numpy as np
from gnuradio import gr

from .conventions import check_reverse_elements, reject_removed, steering_matrix


class beampattern_probe(gr.decim_block):
    """in: vectors of n_tx transmit samples x_t. out: one float vector per frame
    of frame_len snapshots, P(theta) = (1/L) sum_t |a(theta)^T x_t|^2 on the grid
    grid_min_deg:grid_step_deg:grid_max_deg, in dB when db is True: the power
    radiated toward theta (gnuradio.isac.conventions.transmit_beampattern).
    a: the module's unnormalised half-wavelength ULA vector (docs/conventions.md),
    the same for every precoder, so the main lobe is at the precoder's target.
    reverse_elements: True when stream channel k drives antenna n_tx-1-k."""

    def __init__(self, n_tx=16, frame_len=64, grid_min_deg=-90.0, grid_max_deg=90.0, grid_step_deg=1.0,
                 reverse_elements=False, db=True, **removed):
        reject_removed("beampattern_probe", removed)
        reverse_elements = check_reverse_elements("beampattern_probe", reverse_elements)
        if n_tx < 1 or frame_len < 1:
            raise ValueError("n_tx and frame_len must be >= 1")
        if not (grid_step_deg > 0 and -90 <= grid_min_deg < grid_max_deg <= 90):
            raise ValueError("need grid_step_deg > 0 and -90 <= grid_min_deg < grid_max_deg <= 90")
        self.grid = np.arange(grid_min_deg, grid_max_deg + 1e-9 * grid_step_deg, grid_step_deg)
        gr.decim_block.__init__(self, name="beampattern_probe", in_sig=[(np.complex64, n_tx)],
                                out_sig=[(np.float32, len(self.grid))], decim=int(frame_len))
        self.frame_len, self.db = int(frame_len), bool(db)
        self.reverse_elements = reverse_elements
        self._A = steering_matrix(int(n_tx), self.grid, reverse_elements=reverse_elements).astype(np.complex64)

    def n_grid(self):
        return len(self.grid)

    def work(self, input_items, output_items):
        x = input_items[0]
        n = len(output_items[0])
        L = self.frame_len
        for k in range(n):
            p = np.mean(np.abs(x[k * L:(k + 1) * L] @ self._A) ** 2, axis=0)
            output_items[0][k] = 10 * np.log10(np.maximum(p, 1e-30)) if self.db else p
        return n
