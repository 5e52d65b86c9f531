#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The bistatic sensing receive chain: known reference along the DoD -> DoA MLE."""
from gnuradio import blocks, gr

from . import _hier
from . import isac_python as _blk
from .conventions import reject_removed


class bistatic_doa_rx(gr.hier_block2):
    """in0: the bistatic echo (vectors of n_rx); in1: the transmit vectors x
    (vectors of n_tx) the sensing receiver knows (shared over a backhaul or,
    in simulation, wired).
    mode "known": x -> steering_reference(n_tx, tx_deg) -> c_t = g_T(phi)^T x_t
    -> doa_mle in1 (p_gauss > 0 gives the mixed Gaussian + known estimator).
    mode "gaussian": x is not used (only p_gauss = g_T^T R_x g_T^* is known).
    out0: theta-hat in degrees, one float per CPI of cpi_len snapshots, in the
    module convention (docs/conventions.md): the angle isac_channel's rx_deg
    sets. An array wired in reverse element order goes through
    array_phase_corrector(reverse_elements=True) first.
    Message out `doa`: doa_mle's per-CPI dict {theta_deg, beta_abs, snr_est,
    tnr_est, crb_deg2, cpi_index, valid}.
    Every inner block is C++: the chain works when only its flowgraph holds it."""

    def __init__(self, n_tx=16, n_rx=16, tx_deg=0.0, cpi_len=64, mode="known", grid_min_deg=-90.0,
                 grid_max_deg=90.0, grid_step_deg=0.1, noise_var=1.0, p_gauss=0.0, refine="newton", **removed):
        reject_removed("bistatic_doa_rx", removed)
        # the inner blocks validate every parameter before the io_signature is built
        doa = _blk.doa_mle(_hier.check_int("n_rx", n_rx, 2, _hier.MAX_ANTENNAS), int(cpi_len), mode,
                           float(grid_min_deg), float(grid_max_deg), float(grid_step_deg),
                           float(noise_var), float(p_gauss), refine)
        reference = (_blk.steering_reference(_hier.check_int("n_tx", n_tx, 1, _hier.MAX_ANTENNAS), float(tx_deg))
                     if mode == "known" else None)
        _hier.check_int("n_tx", n_tx, 1, _hier.MAX_ANTENNAS)
        gr.hier_block2.__init__(self, "bistatic_doa_rx",
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex * n_rx, gr.sizeof_gr_complex * n_tx),
                                gr.io_signature(1, 1, gr.sizeof_float))
        self.doa = doa
        self.reference = reference
        self.message_port_register_hier_out("doa")
        _hier.msg_connect(self, self.doa, "doa", self, "doa")
        self.connect((self, 0), (self.doa, 0))
        if reference is not None:
            self.connect((self, 1), self.reference, (self.doa, 1))
        else:
            self.connect((self, 1), blocks.null_sink(gr.sizeof_gr_complex * n_tx))
        self.connect(self.doa, self)

    def set_tx_deg(self, tx_deg):
        if self.reference is not None:
            self.reference.set_tx_deg(tx_deg)

    def set_noise_var(self, noise_var):
        self.doa.set_noise_var(noise_var)
