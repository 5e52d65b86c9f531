#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The 1-bit ISAC transmit chain: CI safe-margin precoder -> 1-bit DAC."""
from gnuradio import gr

from . import _hier
from . import isac_python as _blk


class one_bit_isac_tx(gr.hier_block2):
    """PSK symbols (vectors of n_users) -> ci_precoder -> one_bit_quantizer("dac")
    -> x (vectors of n_tx, entries sqrt(E/2N_T)(+-1 +-j), ||x||^2 = E).

    The same chain feeds isac_channel in the simulated loopback, a zeromq sink
    in the split flowgraphs and vector_to_streams + usrp_sink over the air.
    The DAC after the precoder is the hardware model: with dac="1bit" the
    precoder already emits alphabet points, so the quantizer reproduces them;
    with dac="inf" (the infinite-resolution benchmark) it is left out.
    Until the precoder has a channel the chain emits nothing (it holds its
    input back): it never radiates an unsteered alphabet vector.

    Message in `csi`: the channel dict (isac_channel's or los_csi_source's).
    Message out `stats`: the precoder's statistics dict.
    Message out `channel`: the precoder's acceptance of a channel (wire it to
    csi_gate).
    The parameters are those of ci_precoder (see its documentation); solver
    "lut" precomputes all M^U symbol vectors per channel (static channels,
    over the air).
    """

    def __init__(self, n_tx=16, n_users=4, psk_order=8, power=1.0, noise_var=0.316,
                 gamma_db=5.0, target_deg=10.0, clutter_deg=(-50.0, 30.0), snr_r_db=15.0,
                 cnr_db=(30.0, 30.0), n_rx=16, mode="qos", chi_db=8.0, dac="1bit", solver="realtime",
                 max_iter=10, radar_metric="theorem1"):
        # The inner blocks validate every parameter (errors name it) before the
        # hier block's io_signature is built.
        precoder = _blk.ci_precoder(_hier.check_int("n_tx", n_tx, 1, _hier.MAX_ANTENNAS),
                                    _hier.check_int("n_users", n_users, 1, _hier.MAX_USERS),
                                    int(psk_order), float(power),
                                    float(noise_var), float(gamma_db), float(target_deg),
                                    [float(c) for c in clutter_deg], float(snr_r_db),
                                    [float(c) for c in cnr_db], int(n_rx), mode, float(chi_db), dac,
                                    solver, int(max_iter), radar_metric=radar_metric)
        gr.hier_block2.__init__(self, "one_bit_isac_tx",
                                gr.io_signature(1, 1, gr.sizeof_gr_complex * n_users),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex * n_tx))
        self.precoder = precoder
        self.message_port_register_hier_in("csi")
        self.message_port_register_hier_out("stats")
        self.message_port_register_hier_out("channel")
        _hier.msg_connect(self, self, "csi", self.precoder, "csi")
        _hier.msg_connect(self, self.precoder, "stats", self, "stats")
        _hier.msg_connect(self, self.precoder, "channel", self, "channel")
        if dac == "1bit":
            self.dac = _blk.one_bit_quantizer(int(n_tx), "dac", float(power))
            self.connect(self, self.precoder, self.dac, self)
        else:
            self.dac = None
            self.connect(self, self.precoder, self)

    def set_channel(self, H):
        """Set the users' channel (n_users x n_tx, rows h_u^H) directly."""
        self.precoder.set_channel(H)

    # runtime settings (GRC callbacks, GUI controls): the precoder redesigns for
    # the current channel from its next work() call
    def set_target_deg(self, target_deg):
        self.precoder.set_target_deg(float(target_deg))

    def set_clutter(self, clutter_deg, cnr_db):
        self.precoder.set_clutter([float(c) for c in clutter_deg], [float(c) for c in cnr_db])

    def set_snr_r_db(self, snr_r_db):
        self.precoder.set_snr_r_db(float(snr_r_db))

    def set_gamma_db(self, gamma_db):
        self.precoder.set_gamma_db(float(gamma_db))

    def set_noise_var(self, noise_var):
        self.precoder.set_noise_var(float(noise_var))

    def set_solver(self, solver):
        self.precoder.set_solver(solver)
