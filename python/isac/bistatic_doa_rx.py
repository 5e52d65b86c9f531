#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The bistatic sensing receive chain: known reference along the DoD -> DoA MLE."""
from gnuradio import blocks, gr

from . import _hier, _params
from . import isac_python as _blk
from .conventions import reject_removed


class bistatic_doa_rx(gr.hier_block2):
    """in0: the bistatic echo (vectors of n_rx); in1: the transmit vectors x
    (vectors of n_tx) the sensing receiver knows (shared over a backhaul or,
    in simulation, wired).
    mode "known": x -> doa_mle in1, which forms c_t = g_T(phi)^T x_t (phi =
    tx_deg; steering_reference's product, in doa_mle's thread); p_gauss > 0
    gives the mixed Gaussian + known estimator, and in1 then carries only the
    known part s_t (design.bistatic's S_D, not x_t = W_G g_t + s_t: the
    Gaussian part is already in p_gauss, and x_t would count it twice).
    mode "gaussian": x is not used (only p_gauss = g_T^T R_x g_T^* is known).
    out0: theta-hat in degrees, one float per CPI of cpi_len snapshots, in the
    module convention (docs/conventions.md): the angle isac_channel's rx_deg
    sets. An array wired in reverse element order goes through
    array_phase_corrector(reverse_elements=True) first.
    Message out `doa`: doa_mle's per-CPI dict {theta_deg, beta_abs, snr_est,
    tnr_est, crb_deg2, cpi_index, valid}.
    Every inner block is C++: the chain works when only its flowgraph holds it."""

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/bistatic_doa_rx.yml):
      n_tx: transmit antennas (in1 vlen); [1, 4096] (default 16)
      n_rx: receive antennas; [2, 4096] (default 16)
      tx_deg: direction of departure (deg); [-90, 90] (default 0.0) [settable]
      cpi_len: snapshots per CPI (L); [1, 65536] (default 64)
      mode: gaussian (unknown transmit signal) or known (the reference on in1); "gaussian", "known" (default "known")
      grid_min_deg: grid start (deg); [-90, 90] (default -90.0)
      grid_max_deg: grid end (deg); (grid_min_deg, 90] (default 90.0)
      grid_step_deg: grid step (at most 1e6 points) (deg); (0, inf) (default 0.1)
      noise_var: total complex noise variance per antenna; (0, inf) (default 1.0) [settable]
      p_gauss: gaussian mode: g_T^T R_x g_T^* (scales beta_abs/tnr_est only; 0: unknown, treated as 1); known mode: g_T^T R_G g_T^* of an additional Gaussian part (0: pure known signal; > 0: mixed estimator); [0, inf) (default 0.0)
      refine: refinement of the grid maximum; "newton", "parabolic", "none" (default "newton")
      clutter_deg: known mode: angles of static clutter patches whose paths (the same angle on transmit and receive, as in a monostatic array: isac_channel's and emulated_radio's clutter_deg) are projected out of the estimate (doa_mle's clutter_deg; needs p_gauss = 0); [] = none (deg); each in [-90, 90] (default ()) [settable]
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, n_tx=16, n_rx=16, tx_deg=0.0, cpi_len=64, mode="known", grid_min_deg=-90.0,
                 grid_max_deg=90.0, grid_step_deg=0.1, noise_var=1.0, p_gauss=0.0, refine="newton",
                 clutter_deg=(), **removed):
    # gen_params:end signature
        reject_removed("bistatic_doa_rx", removed)
        # every parameter against its descriptor before the io_signature is built
        # gen_params:begin check
        n_tx = _hier.check(_params.bistatic_doa_rx.n_tx, n_tx)
        n_rx = _hier.check(_params.bistatic_doa_rx.n_rx, n_rx)
        tx_deg = _hier.check(_params.bistatic_doa_rx.tx_deg, tx_deg)
        cpi_len = _hier.check(_params.bistatic_doa_rx.cpi_len, cpi_len)
        mode = _hier.check(_params.bistatic_doa_rx.mode, mode)
        grid_min_deg = _hier.check(_params.bistatic_doa_rx.grid_min_deg, grid_min_deg)
        grid_step_deg = _hier.check(_params.bistatic_doa_rx.grid_step_deg, grid_step_deg)
        noise_var = _hier.check(_params.bistatic_doa_rx.noise_var, noise_var)
        p_gauss = _hier.check(_params.bistatic_doa_rx.p_gauss, p_gauss)
        refine = _hier.check(_params.bistatic_doa_rx.refine, refine)
        clutter_deg = _hier.check(_params.bistatic_doa_rx.clutter_deg, clutter_deg)
        grid_max_deg = _hier.check(_params.bistatic_doa_rx.grid_max_deg, grid_max_deg, lo=grid_min_deg)
        # gen_params:end check
        # known mode: doa_mle forms the reference c_t = g_T(tx_deg)^T x_t from x
        # itself (steering_reference's product, without its thread)
        known = mode == "known"
        doa = _blk.doa_mle(n_rx, cpi_len, mode, grid_min_deg, grid_max_deg, grid_step_deg, noise_var, p_gauss,
                           refine, n_tx if known else 0, tx_deg, list(clutter_deg))
        gr.hier_block2.__init__(self, "bistatic_doa_rx",
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex * n_rx, gr.sizeof_gr_complex * n_tx),
                                gr.io_signature(1, 1, gr.sizeof_float))
        self.doa = doa
        # the block that forms the reference (tx_deg()): doa_mle itself
        self.reference = doa if known else None
        self.message_port_register_hier_out("doa")
        _hier.msg_connect(self, self.doa, "doa", self, "doa")
        self.connect((self, 0), (self.doa, 0))
        if known:
            self.connect((self, 1), (self.doa, 1))
        else:
            self.connect((self, 1), blocks.null_sink(gr.sizeof_gr_complex * n_tx))
        self.connect(self.doa, self)

    def set_record_window(self, first_cpi, end_cpi):
        """doa_mle's record of the "doa" dicts of CPIs first_cpi <= cpi_index < end_cpi."""
        self.doa.set_record_window(first_cpi, end_cpi)

    def recorded(self):
        """The recorded "doa" dicts (a PMT vector; pmt.to_python gives a list)."""
        return self.doa.recorded()

    def set_tx_deg(self, tx_deg):
        tx_deg = _hier.check(_params.bistatic_doa_rx.tx_deg, tx_deg)
        if self.reference is not None:
            self.doa.set_tx_deg(tx_deg)

    # gen_params:begin setters
    def set_noise_var(self, noise_var):
        """total complex noise variance per antenna; (0, inf)"""
        self.doa.set_noise_var(_hier.check(_params.bistatic_doa_rx.noise_var, noise_var))

    def set_clutter_deg(self, clutter_deg):
        """known mode: angles of static clutter patches whose paths (the same angle on transmit and receive, as in a monostatic array: isac_channel's and emulated_radio's clutter_deg) are projected out of the estimate (doa_mle's clutter_deg; needs p_gauss = 0); [] = none (deg); each in [-90, 90]"""
        self.doa.set_clutter_deg(_hier.check(_params.bistatic_doa_rx.clutter_deg, clutter_deg))
    # gen_params:end setters
