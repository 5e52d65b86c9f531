#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""gnuradio.isac.design.energy: 1-bit ISAC paper energy model (eq. (38)) and REE."""

import numpy as np
from gnuradio import gr_unittest

try:
    from gnuradio.isac.design import energy
except ImportError:
    import os
    import sys
    dirname, filename = os.path.split(os.path.abspath(__file__))
    sys.path.append(os.path.join(dirname, "bindings"))
    from gnuradio.isac.design import energy


class qa_design_energy(gr_unittest.TestCase):

    def test_001_spec_values_at_128(self):
        # 1-bit ISAC paper simulation set-up: 16.27 W / 147.1 W / 277.9 W at N_T = N_R = 128
        self.assertAlmostEqual(energy.total_power(128, 128, 1, 1), 16.272, 9)
        self.assertAlmostEqual(energy.total_power(128, 128, 1, energy.INF_BITS), 147.088, 9)
        self.assertAlmostEqual(energy.total_power(128, 128, energy.INF_BITS, energy.INF_BITS),
                               277.904, 9)
        self.assertAlmostEqual(energy.converter_power(1), 1e-3, 15)
        self.assertAlmostEqual(energy.converter_power(10), 0.512, 12)
        # vectorised over antenna counts: linear in N_R with slope
        # E_RF + E_LNA + 2 E_ADC
        e = energy.total_power(64, np.array([16, 32]), 1, 1)
        self.assertAlmostEqual(e[1] - e[0], 16 * (0.06 + 2e-3), 12)

    def test_002_ree_trends_fig4b_fig5b(self):
        # REE falls with N_R (Fig. 4b) and N_T (Fig. 5b); 1-bit/1-bit is best;
        # the 1-bit ADC loses 10 log10(pi/2) = 1.96 dB of SCNR (clutter shifts it
        # slightly, 1-bit ISAC paper eq. (13)-(16))
        nr = np.array([16, 32, 64, 128, 256])
        res = {}
        for bits in ((1, 1), (1, energy.INF_BITS), (energy.INF_BITS, energy.INF_BITS)):
            scnr, e, ree = energy.ree_curve(128, nr, *bits)
            self.assertTrue(np.all(np.diff(ree) < 0))
            res[bits] = (scnr, ree)
        inf = energy.INF_BITS
        self.assertTrue(np.all(res[(1, 1)][1] > res[(1, inf)][1]))
        self.assertTrue(np.all(res[(1, inf)][1] > res[(inf, inf)][1]))
        gap = 10 * np.log10(res[(1, inf)][0] / res[(1, 1)][0])
        np.testing.assert_allclose(gap, 10 * np.log10(np.pi / 2), atol=0.05)
        nt = np.array([32, 64, 128, 256])
        for bits in ((1, 1), (inf, inf)):
            _, _, ree = energy.ree_curve(nt, 128, *bits)
            self.assertTrue(np.all(np.diff(ree) < 0))

    def test_003_bad_input(self):
        with self.assertRaises(ValueError):
            energy.total_power(0, 128, 1, 1)
        with self.assertRaises(ValueError):
            energy.total_power(128, 128, 0, 1)
        with self.assertRaises(ValueError):
            energy.ree(-1.0, 128, 128, 1, 1)
        with self.assertRaises(ValueError):
            energy.EnergyParams(e_rf=-1.0)
        with self.assertRaises(ValueError):
            energy.total_power(128.5, 128, 1, 1)


if __name__ == "__main__":
    gr_unittest.run(qa_design_energy)
