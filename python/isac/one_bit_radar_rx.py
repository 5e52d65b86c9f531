#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The 1-bit radar receive chain: 1-bit ADC -> receive filter / GLRT detector."""
from gnuradio import gr

from . import _hier, _params
from . import isac_python as _blk


class one_bit_radar_rx(gr.hier_block2):
    """in0: the radar echo r (vectors of n_rx, before the ADC); in1: the transmit
    vector x of the same snapshot (vectors of n_tx).
    r -> one_bit_rx_filter <- x, the filter being the 1-bit ADC (it takes the
    signs of r, as one_bit_quantizer("adc") does).
    out0: z = u^H r~ (complex); out1: |z|/kappa (float, >= 1 is a detection,
    the filter also tags "isac_detect"; -1 is no decision: nothing was transmitted
    in the CPI, x = 0 as in a TDD guard, tagged "isac_no_tx").
    adc = "inf": no quantization (infinite-resolution benchmark). cpi_len > 1
    integrates coherently over CPIs (out1 then carries |Z|/kappa_CPI on each
    CPI's last snapshot and 0 elsewhere). threshold = "exact" (default) holds
    the set Pfa also when lit clutter saturates the 1-bit ADC; "theorem1" is the
    paper's eq. 15. threshold_scale multiplies kappa: over the air (noise that is
    not Gaussian, a room's static clutter) calibrate it on target-free out1
    statistics with gnuradio.isac.rx_calibration.threshold_scale_from_data.
    The parameters are those of one_bit_rx_filter."""

    # gen_params:begin doc
    __doc__ += """

    Parameters (python/isac/params/one_bit_radar_rx.yml):
      n_tx: transmit antennas (in1 vlen); [1, 4096] (default 32)
      n_rx: receive antennas (in0 vlen); [1, 4096] (default 128)
      target_deg: target angle theta_0 (deg); [-90, 90] (default 10.0) [settable]
      clutter_deg: clutter angles theta_1..theta_Q (may be empty) (deg); each in [-90, 90] (default (-50.0, 30.0)) [settable]
      snr_r_db: SNR_R = zeta_0^2/sigma_R^2 (enters the expected QSCNR, not the filter) (dB); [-200, 200] (default 15.0) [settable]
      cnr_db: zeta_q^2/sigma_R^2, one per clutter angle or one for all (dB); each in [-200, 200] (default (30.0, 30.0)) [settable]
      radar_noise_var: sigma_R^2; (0, inf) (default 1.0) [settable]
      pfa: false-alarm probability of the threshold; (0, 1) (default 0.01) [settable]
      adc: 1-bit ADC or infinite resolution; "1bit", "inf" (default "1bit")
      cpi_len: snapshots integrated per decision; with adc 1bit, threshold exact and at most 16 antennas a CPI adds the distortion's cross terms between its distinct x, which costs several times the filter when x never repeats (possibly below real time: use a table-driven x, threshold theorem1 or a lower rate; docs/one_bit_rx_filter.md); [1, 16777216] (default 1)
      threshold_scale: scales the threshold kappa; [1e-30, 1000000000000000019884624838656] (default 1.0) [settable]
      threshold: threshold model, fixed at construction: exact, or theorem1 (eq. 15); "exact", "theorem1" (default "exact")
      tag_detections: tag each detection "isac_detect" (value = stat) and the first output of each stretch without a decision "isac_no_tx" (value = snapshots of the CPI) on both outputs (false: none; stat >= 1 is the detection itself, stat = -1 no decision) (default True)
      clutter_model: law of the clutter amplitudes the exact threshold assumes (set at construction): swerling1 (redrawn per CPI, the paper's) or fixed (constant amplitude and phase: a room, the radio emulator, isac_channel gain_model fixed); "swerling1", "fixed" (default "swerling1")
      cpi_weights: weights of the CPI sum (set at construction): equal (sum z_l) or inverse_variance (w_l = 1/V_l, snapshot l's H0 variance; the threshold carries the weights, a weakly lit snapshot no longer takes most of the CPI's noise); "equal", "inverse_variance" (default "equal")
    """
    # gen_params:end doc

    # gen_params:begin signature
    def __init__(self, n_tx=32, n_rx=128, target_deg=10.0, clutter_deg=(-50.0, 30.0), snr_r_db=15.0,
                 cnr_db=(30.0, 30.0), radar_noise_var=1.0, pfa=0.01, adc="1bit", cpi_len=1,
                 threshold_scale=1.0, threshold="exact", tag_detections=True, clutter_model="swerling1",
                 cpi_weights="equal"):
    # gen_params:end signature
        # every parameter against its descriptor before the io_signature is built;
        # cross-parameter rules (cnr_db's length): one_bit_rx_filter's
        # gen_params:begin check
        n_tx = _hier.check(_params.one_bit_radar_rx.n_tx, n_tx)
        n_rx = _hier.check(_params.one_bit_radar_rx.n_rx, n_rx)
        target_deg = _hier.check(_params.one_bit_radar_rx.target_deg, target_deg)
        clutter_deg = _hier.check(_params.one_bit_radar_rx.clutter_deg, clutter_deg)
        snr_r_db = _hier.check(_params.one_bit_radar_rx.snr_r_db, snr_r_db)
        cnr_db = _hier.check(_params.one_bit_radar_rx.cnr_db, cnr_db)
        radar_noise_var = _hier.check(_params.one_bit_radar_rx.radar_noise_var, radar_noise_var)
        pfa = _hier.check(_params.one_bit_radar_rx.pfa, pfa)
        adc = _hier.check(_params.one_bit_radar_rx.adc, adc)
        cpi_len = _hier.check(_params.one_bit_radar_rx.cpi_len, cpi_len)
        threshold_scale = _hier.check(_params.one_bit_radar_rx.threshold_scale, threshold_scale)
        threshold = _hier.check(_params.one_bit_radar_rx.threshold, threshold)
        tag_detections = _hier.check(_params.one_bit_radar_rx.tag_detections, tag_detections)
        clutter_model = _hier.check(_params.one_bit_radar_rx.clutter_model, clutter_model)
        cpi_weights = _hier.check(_params.one_bit_radar_rx.cpi_weights, cpi_weights)
        # gen_params:end check
        filt = _blk.one_bit_rx_filter(n_tx, n_rx, target_deg, clutter_deg, snr_r_db, cnr_db, radar_noise_var,
                                      pfa, adc, cpi_len, threshold_scale, threshold, tag_detections,
                                      clutter_model, cpi_weights)
        gr.hier_block2.__init__(self, "one_bit_radar_rx",
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex * n_rx, gr.sizeof_gr_complex * n_tx),
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex, gr.sizeof_float))
        self.filter = filt
        # The filter takes the signs of r itself with adc = "1bit" (the ADC
        # quantizer's very function, NaN kept), so no quantizer block (and
        # thread) stands before it: the result is the same bit for bit.
        self.adc = None
        self.connect((self, 0), (self.filter, 0))
        self.connect((self, 1), (self.filter, 1))
        self.connect((self.filter, 0), (self, 0))
        self.connect((self.filter, 1), (self, 1))

    def set_min_output_buffer(self, *args):
        """GRC's Min Output Buffer (items; all ports, or port, items): set on
        the filter, whose outputs these are."""
        self.filter.set_min_output_buffer(*args)

    def pfa_coarse(self):
        """True where the 1-bit statistic holds the set Pfa only roughly (the filter's
        pfa_coarse(); settings it cannot hold at all raise ValueError)."""
        return self.filter.pfa_coarse()

    def set_clutter(self, clutter_deg, cnr_db):
        self.filter.set_clutter(_hier.check(_params.one_bit_radar_rx.clutter_deg, clutter_deg),
                                _hier.check(_params.one_bit_radar_rx.cnr_db, cnr_db))

    # gen_params:begin setters
    def set_target_deg(self, target_deg):
        """target angle theta_0 (deg); [-90, 90]"""
        self.filter.set_target_deg(_hier.check(_params.one_bit_radar_rx.target_deg, target_deg))

    def set_snr_r_db(self, snr_r_db):
        """SNR_R = zeta_0^2/sigma_R^2 (enters the expected QSCNR, not the filter) (dB); [-200, 200]"""
        self.filter.set_snr_r_db(_hier.check(_params.one_bit_radar_rx.snr_r_db, snr_r_db))

    def set_radar_noise_var(self, radar_noise_var):
        """sigma_R^2; (0, inf)"""
        self.filter.set_radar_noise_var(_hier.check(_params.one_bit_radar_rx.radar_noise_var, radar_noise_var))

    def set_pfa(self, pfa):
        """false-alarm probability of the threshold; (0, 1)"""
        self.filter.set_pfa(_hier.check(_params.one_bit_radar_rx.pfa, pfa))

    def set_threshold_scale(self, threshold_scale):
        """scales the threshold kappa; [1e-30, 1000000000000000019884624838656]"""
        self.filter.set_threshold_scale(_hier.check(_params.one_bit_radar_rx.threshold_scale, threshold_scale))
    # gen_params:end setters
