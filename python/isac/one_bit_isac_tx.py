#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The 1-bit ISAC transmit chain: CI safe-margin precoder -> 1-bit DAC."""
from gnuradio import gr

from . import _hier, _params
from . import isac_python as _blk


class one_bit_isac_tx(gr.hier_block2):
    """PSK symbols (vectors of n_users) -> ci_precoder (with the 1-bit DAC)
    -> x (vectors of n_tx, entries sqrt(E/2N_T)(+-1 +-j), ||x||^2 = E).

    The same chain feeds isac_channel in the simulated loopback, a zeromq sink
    in the split flowgraphs and the radio sink over the air.
    The DAC is the hardware model: with dac="1bit" the precoder's output is
    the 1-bit DAC's (one_bit_quantizer("dac") semantics, muted snapshots zero),
    so no quantizer block (and thread) follows it; with dac="inf" (the
    infinite-resolution benchmark) there is no DAC.
    Until the precoder has a channel the chain emits nothing (it holds its
    input back): it never radiates an unsteered alphabet vector.

    Message in `csi`: the channel dict (isac_channel's or los_csi_source's).
    Message in `cal`: the transmit calibration (tx_phase_estimator's dict): the
    payload is muted from its correction's item until a csi measured after it.
    Message out `stats`: the precoder's statistics dict.
    Message out `channel`: the precoder's acceptance of a channel (wire it to
    csi_gate).
    The parameters are those of ci_precoder (see its documentation); solver
    "lut" precomputes all M^U symbol vectors per channel (static channels,
    over the air).
    """

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/one_bit_isac_tx.yml):
      n_tx: transmit antennas N_T (output vlen); [n_users, 4096] (default 32)
      n_users: users U (input vlen); [1, 4096] (default 4)
      psk_order: PSK order M; [2, 65536] (default 8)
      power: transmit energy per vector E; (0, inf) (default 1.0)
      noise_var: users' noise variance sigma_C^2; (0, inf) (default 0.316) [settable]
      gamma_db: QoS SNR threshold Gamma (dB); [-200, 200] (default 5.0) [settable]
      target_deg: target angle theta_0 (deg); [-90, 90] (default 10.0) [settable]
      clutter_deg: clutter angles (may be empty) (deg); each in [-90, 90] (default (-50.0, 30.0)) [settable]
      snr_r_db: target-to-noise ratio SNR_R = zeta_0^2/sigma_R^2 (dB); [-200, 200] (default 15.0) [settable]
      cnr_db: clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg) (default (30.0, 30.0)) [settable]
      n_rx: radar receive antennas N_R of the receiver the design serves; [1, 4096] (default 128)
      mode: "qos": max QSCNR subject to the users' margin; "qod": max min margin subject to QSCNR >= chi; "qos", "qod" (default "qos")
      chi_db: QoD radar requirement (QSCNR) (dB); [-200, 200] (default 10.0)
      dac: 1-bit DAC or infinite resolution; "1bit", "inf" (default "1bit")
      solver: realtime (heuristic; more starts at fewer antennas, so its speed depends on N_T: ~4k vectors per CPU s at N_T = 16, ~1.5k at 32, ~1k at 33-55, 5-7k at 56-63, ~25k from 64, docs/ci_precoder.md, Summary), quality (homotopy paths, slower), exact (branch and bound), lut (lookup table per channel), fast (realtime from the target beam alone: the same as realtime from N_T = 64, ~20x faster at 33-55 for 1-1.8 dB less QSCNR; pick it when realtime cannot keep up with the sample rate). From N_T = 64 realtime runs from the beam alone, trading QSCNR for speed (docs/ci_precoder_measurements.md, Between the family's array sizes); choose quality when that loss matters; "realtime", "quality", "exact", "lut", "fast" (default "realtime") [settable]
      max_iter: MM iterations per snapshot and start; [1, 1000] (default 10)
      radar_metric: radar objective: Theorem 1's QSCNR (the paper's) or the exact 1-bit deflection; "theorem1", "exact" (default "theorem1")
      tag_infeasible: tag each vector that misses the QoS margin "isac_infeasible" (false: none; infeasible_count() and the stats count them either way) (default True)
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, n_tx=32, n_users=4, psk_order=8, power=1.0, noise_var=0.316, gamma_db=5.0,
                 target_deg=10.0, clutter_deg=(-50.0, 30.0), snr_r_db=15.0, cnr_db=(30.0, 30.0), n_rx=128,
                 mode="qos", chi_db=10.0, dac="1bit", solver="realtime", max_iter=10,
                 radar_metric="theorem1", tag_infeasible=True):
    # gen_params:end signature
        # every parameter against its descriptor (errors name it) before the hier
        # block's io_signature is built; cross-parameter rules: ci_precoder's
        # gen_params:begin check
        n_users = _hier.check(_params.one_bit_isac_tx.n_users, n_users)
        psk_order = _hier.check(_params.one_bit_isac_tx.psk_order, psk_order)
        power = _hier.check(_params.one_bit_isac_tx.power, power)
        noise_var = _hier.check(_params.one_bit_isac_tx.noise_var, noise_var)
        gamma_db = _hier.check(_params.one_bit_isac_tx.gamma_db, gamma_db)
        target_deg = _hier.check(_params.one_bit_isac_tx.target_deg, target_deg)
        clutter_deg = _hier.check(_params.one_bit_isac_tx.clutter_deg, clutter_deg)
        snr_r_db = _hier.check(_params.one_bit_isac_tx.snr_r_db, snr_r_db)
        n_rx = _hier.check(_params.one_bit_isac_tx.n_rx, n_rx)
        mode = _hier.check(_params.one_bit_isac_tx.mode, mode)
        chi_db = _hier.check(_params.one_bit_isac_tx.chi_db, chi_db)
        dac = _hier.check(_params.one_bit_isac_tx.dac, dac)
        solver = _hier.check(_params.one_bit_isac_tx.solver, solver)
        max_iter = _hier.check(_params.one_bit_isac_tx.max_iter, max_iter)
        radar_metric = _hier.check(_params.one_bit_isac_tx.radar_metric, radar_metric)
        tag_infeasible = _hier.check(_params.one_bit_isac_tx.tag_infeasible, tag_infeasible)
        n_tx = _hier.check(_params.one_bit_isac_tx.n_tx, n_tx, lo=n_users)
        cnr_db = _hier.check(_params.one_bit_isac_tx.cnr_db, cnr_db, lengths=(len(clutter_deg),))
        # gen_params:end check
        precoder = _blk.ci_precoder(n_tx, n_users, psk_order, power, noise_var, gamma_db, target_deg,
                                    clutter_deg, snr_r_db, cnr_db, n_rx, mode, chi_db, dac, solver, max_iter,
                                    radar_metric=radar_metric, tag_infeasible=tag_infeasible)
        gr.hier_block2.__init__(self, "one_bit_isac_tx",
                                gr.io_signature(1, 1, gr.sizeof_gr_complex * n_users),
                                gr.io_signature(1, 1, gr.sizeof_gr_complex * n_tx))
        self.precoder = precoder
        self.message_port_register_hier_in("csi")
        self.message_port_register_hier_in("cal")
        self.message_port_register_hier_out("stats")
        self.message_port_register_hier_out("channel")
        _hier.msg_connect(self, self, "csi", self.precoder, "csi")
        _hier.msg_connect(self, self, "cal", self.precoder, "cal")
        _hier.msg_connect(self, self.precoder, "stats", self, "stats")
        _hier.msg_connect(self, self.precoder, "channel", self, "channel")
        self.connect(self, self.precoder, self)

    def set_channel(self, H):
        """Set the users' channel (n_users x n_tx, rows h_u^H) directly."""
        self.precoder.set_channel(H)

    # runtime settings (GRC callbacks, GUI controls): the precoder redesigns for
    # the current channel from its next work() call
    def set_clutter(self, clutter_deg, cnr_db):
        self.precoder.set_clutter(_hier.check(_params.one_bit_isac_tx.clutter_deg, clutter_deg),
                                  _hier.check(_params.one_bit_isac_tx.cnr_db, cnr_db))

    # gen_params:begin setters
    def set_noise_var(self, noise_var):
        """users' noise variance sigma_C^2; (0, inf)"""
        self.precoder.set_noise_var(_hier.check(_params.one_bit_isac_tx.noise_var, noise_var))

    def set_gamma_db(self, gamma_db):
        """QoS SNR threshold Gamma (dB); [-200, 200]"""
        self.precoder.set_gamma_db(_hier.check(_params.one_bit_isac_tx.gamma_db, gamma_db))

    def set_target_deg(self, target_deg):
        """target angle theta_0 (deg); [-90, 90]"""
        self.precoder.set_target_deg(_hier.check(_params.one_bit_isac_tx.target_deg, target_deg))

    def set_snr_r_db(self, snr_r_db):
        """target-to-noise ratio SNR_R = zeta_0^2/sigma_R^2 (dB); [-200, 200]"""
        self.precoder.set_snr_r_db(_hier.check(_params.one_bit_isac_tx.snr_r_db, snr_r_db))

    def set_solver(self, solver):
        """realtime (heuristic; more starts at fewer antennas, so its speed depends on N_T: ~4k vectors per CPU s at N_T = 16, ~1.5k at 32, ~1k at 33-55, 5-7k at 56-63, ~25k from 64, docs/ci_precoder.md, Summary), quality (homotopy paths, slower), exact (branch and bound), lut (lookup table per channel), fast (realtime from the target beam alone: the same as realtime from N_T = 64, ~20x faster at 33-55 for 1-1.8 dB less QSCNR; pick it when realtime cannot keep up with the sample rate). From N_T = 64 realtime runs from the beam alone, trading QSCNR for speed (docs/ci_precoder_measurements.md, Between the family's array sizes); choose quality when that loss matters; "realtime", "quality", "exact", "lut", "fast" """
        self.precoder.set_solver(_hier.check(_params.one_bit_isac_tx.solver, solver))
    # gen_params:end setters
