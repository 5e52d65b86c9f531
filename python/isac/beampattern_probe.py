#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Transmit beampattern of each frame of snapshots."""
import numpy as np
from gnuradio import gr

from . import isac_python


class beampattern_probe(gr.decim_block):
    """in: vectors of n_tx transmit samples x_t. out: one float vector per frame
    of frame_len snapshots, P(theta) = (1/L) sum_t |a(theta)^H x_t|^2 on the grid
    grid_min_deg:grid_step_deg:grid_max_deg, in dB when db is True (the
    seed-003 beampattern a^H R a with R the frame's sample covariance).
    a: unnormalised ULA, half-wavelength, phase sign `sign` (+1: seed 003/004
    and the null-space precoder; -1: seed 000 and the CI precoder)."""

    def __init__(self, n_tx=16, frame_len=64, grid_min_deg=-90.0, grid_max_deg=90.0, grid_step_deg=1.0,
                 sign=1, db=True):
        if n_tx < 1 or frame_len < 1:
            raise ValueError("n_tx and frame_len must be >= 1")
        if not (grid_step_deg > 0 and -90 <= grid_min_deg < grid_max_deg <= 90):
            raise ValueError("need grid_step_deg > 0 and -90 <= grid_min_deg < grid_max_deg <= 90")
        self.grid = np.arange(grid_min_deg, grid_max_deg + 1e-9 * grid_step_deg, grid_step_deg)
        gr.decim_block.__init__(self, name="beampattern_probe", in_sig=[(np.complex64, n_tx)],
                                out_sig=[(np.float32, len(self.grid))], decim=int(frame_len))
        self.frame_len, self.db = int(frame_len), bool(db)
        A = np.asarray(isac_python.core.ula_steering_matrix(int(n_tx), self.grid.tolist(), 0.5, int(sign),
                                                             "first", False))
        self._AH = np.conj(A).T.astype(np.complex64)  # n_grid x n_tx

    def n_grid(self):
        return len(self.grid)

    def work(self, input_items, output_items):
        x = input_items[0]
        n = len(output_items[0])
        L = self.frame_len
        for k in range(n):
            p = np.mean(np.abs(self._AH @ x[k * L:(k + 1) * L].T) ** 2, axis=1)
            output_items[0][k] = 10 * np.log10(np.maximum(p, 1e-30)) if self.db else p
        return n
