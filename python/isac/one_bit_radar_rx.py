#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The 1-bit radar receive chain: 1-bit ADC -> receive filter / GLRT detector."""
from gnuradio import gr

from . import _hier
from . import isac_python as _blk


class one_bit_radar_rx(gr.hier_block2):
    """in0: the radar echo r (vectors of n_rx, before the ADC); in1: the transmit
    vector x of the same snapshot (vectors of n_tx).
    r -> one_bit_quantizer("adc") -> one_bit_rx_filter <- x
    out0: z = u^H r~ (complex); out1: |z|/kappa (float, >= 1 is a detection,
    the filter also tags "isac_detect").
    adc = "inf" skips the quantizer (infinite-resolution benchmark). cpi_len > 1
    integrates coherently over CPIs (out1 then carries |Z|/kappa_CPI on each
    CPI's last snapshot and 0 elsewhere). threshold = "exact" (default) holds
    the set Pfa also when lit clutter saturates the 1-bit ADC; "theorem1" is the
    paper's eq. 15. threshold_scale multiplies kappa: over the air (noise that is
    not Gaussian) calibrate it on target-free data with
    gnuradio.isac.rx_calibration.calibrate_threshold_scale.
    The parameters are those of one_bit_rx_filter."""

    def __init__(self, n_tx=16, n_rx=16, target_deg=10.0, clutter_deg=(-50.0, 30.0), snr_r_db=15.0,
                 cnr_db=(30.0, 30.0), radar_noise_var=1.0, pfa=1e-2, adc="1bit", cpi_len=1,
                 threshold_scale=1.0, threshold="exact"):
        # the filter validates every parameter before the io_signature is built
        filt = _blk.one_bit_rx_filter(_hier.check_int("n_tx", n_tx, 1, _hier.MAX_ANTENNAS),
                                      _hier.check_int("n_rx", n_rx, 1, _hier.MAX_ANTENNAS), float(target_deg),
                                      [float(c) for c in clutter_deg], float(snr_r_db),
                                      [float(c) for c in cnr_db], float(radar_noise_var), float(pfa), adc,
                                      int(cpi_len), float(threshold_scale), str(threshold))
        gr.hier_block2.__init__(self, "one_bit_radar_rx",
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex * n_rx, gr.sizeof_gr_complex * n_tx),
                                gr.io_signature2(2, 2, gr.sizeof_gr_complex, gr.sizeof_float))
        self.filter = filt
        if adc == "1bit":
            self.adc = _blk.one_bit_quantizer(int(n_rx), "adc", 1.0)
            self.connect((self, 0), self.adc, (self.filter, 0))
        else:
            self.adc = None
            self.connect((self, 0), (self.filter, 0))
        self.connect((self, 1), (self.filter, 1))
        self.connect((self.filter, 0), (self, 0))
        self.connect((self.filter, 1), (self, 1))

    def set_pfa(self, pfa):
        self.filter.set_pfa(pfa)

    def set_threshold_scale(self, threshold_scale):
        self.filter.set_threshold_scale(threshold_scale)

    def set_target_deg(self, target_deg):
        self.filter.set_target_deg(target_deg)

    def set_clutter(self, clutter_deg, cnr_db):
        self.filter.set_clutter([float(c) for c in clutter_deg], [float(c) for c in cnr_db])

    def set_snr_r_db(self, snr_r_db):
        self.filter.set_snr_r_db(float(snr_r_db))

    def set_radar_noise_var(self, radar_noise_var):
        self.filter.set_radar_noise_var(float(radar_noise_var))
