#!/usr/bin/env python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""One antenna and user limit for every block (core/limits.h): each block
accepts an array of isac.max_antennas elements and refuses one more with a
ValueError naming the parameter, so no block accepts a size that the CSI
messages (which carry at most max_antennas columns) cannot describe."""
from gnuradio import gr_unittest

try:
    from gnuradio import isac
except ImportError:
    import os
    import sys
    sys.path.append(os.path.join(os.path.dirname(__file__), "bindings"))
    from gnuradio import isac

RADAR = dict(target_deg=10.0, clutter_deg=[-50.0], snr_r_db=15.0, cnr_db=[30.0])


def ci_precoder(n_tx, n_users=1):
    return isac.ci_precoder(n_tx=n_tx, n_users=n_users, psk_order=8, power=1.0, noise_var=0.3,
                            gamma_db=5.0, n_rx=8, **RADAR)


def rx_filter(n_tx, n_rx=8):
    return isac.one_bit_rx_filter(n_tx, n_rx, 10.0, [-50.0], 15.0, [30.0], 1.0, 1e-3, "1bit")


# (block, parameter, make(value)) for every array or user-count parameter
CASES = [
    ("ci_precoder", "n_tx", ci_precoder),
    ("ci_precoder", "n_users", lambda v: ci_precoder(max(v, 1), v)),
    ("isac_channel", "n_tx", lambda v: isac.isac_channel(v, 1, 1, comm_noise_var=[1.0],
                                                         clutter_deg=[], cnr_db=[], cpi_len=1)),
    ("isac_channel", "n_users", lambda v: isac.isac_channel(8, v, 1, comm_noise_var=[1.0],
                                                            clutter_deg=[], cnr_db=[], cpi_len=1)),
    ("isac_channel", "n_rx", lambda v: isac.isac_channel(1, 1, v, comm_noise_var=[1.0],
                                                         clutter_deg=[], cnr_db=[], cpi_len=1)),
    ("one_bit_rx_filter", "n_tx", rx_filter),
    ("one_bit_rx_filter", "n_rx", lambda v: rx_filter(8, v)),
    ("doa_mle", "n_rx", lambda v: isac.doa_mle(v, 8, "gaussian", -60.0, 60.0, 1.0, 1.0)),
    ("steering_reference", "n_tx", lambda v: isac.steering_reference(v, 0.0)),
    ("snapshot_framer", "n_tx", lambda v: isac.snapshot_framer(v, 1)),
    ("snapshot_framer", "n_users", lambda v: isac.snapshot_framer(4096, v)),
    ("psk_ser_meter", "n_users", lambda v: isac.psk_ser_meter(v, 4)),
    ("los_csi_source", "n_tx", lambda v: isac.los_csi_source(v, [10.0])),
    ("nullspace_precoder", "n_tx",
     lambda v: isac.nullspace_precoder(v, 1, 1.0, "zf", 10.0, 0.01, "none", [0.0], 10.0, 8)),
    ("beampattern_probe", "n_tx", lambda v: isac.beampattern_probe(v, 8, -60.0, 60.0, 1.0)),
    ("array_phase_estimator", "n_rx", lambda v: isac.array_phase_estimator(v)),
    ("frame_builder", "n_users", lambda v: isac.frame_builder(v, 4)),
    ("frame_builder", "n_tx", lambda v: isac.frame_builder(1, v)),
    ("csi_feedback", "n_users", lambda v: isac.csi_feedback(v, 4)),
    ("csi_feedback", "n_tx", lambda v: isac.csi_feedback(1, v)),
    ("user_receiver", "n_tx", lambda v: isac.user_receiver(v, 1, 0, 4)),
    ("user_receiver", "n_users", lambda v: isac.user_receiver(4, v, 0, 4)),
    ("tx_phase_estimator", "n_tx", lambda v: isac.tx_phase_estimator(v, block_len=2 * v, n_avg=2 * v)),
    ("loop_delay_estimator", "n_tx", lambda v: isac.loop_delay_estimator(v, 4)),
    ("loop_delay_estimator", "n_rx", lambda v: isac.loop_delay_estimator(4, v)),
]


class qa_antenna_limit(gr_unittest.TestCase):

    def test_one_limit(self):
        self.assertEqual(isac.max_antennas, 4096)
        self.assertEqual(isac.max_users, 4096)

    def test_every_block_refuses_one_more(self):
        for blk, param, make in CASES:
            with self.subTest(block=blk, param=param):
                over = (isac.max_users if param == "n_users" else isac.max_antennas) + 1
                with self.assertRaises(ValueError) as cm:
                    make(over)
                self.assertIn(param, str(cm.exception))
                self.assertIn(str(over), str(cm.exception))

    def test_ci_precoder_5000(self):
        # the case of the report: n_tx = 5000 was accepted, then every csi
        # message describing its channel (5000 columns) was rejected
        with self.assertRaisesRegex(ValueError, "n_tx = 5000"):
            ci_precoder(5000)

    def test_limit_itself_accepted(self):
        ci_precoder(isac.max_antennas)
        isac.isac_channel(isac.max_antennas, 1, 1, comm_noise_var=[1.0], clutter_deg=[],
                          cnr_db=[], cpi_len=1)
        rx_filter(isac.max_antennas)

    def test_hier_blocks(self):
        with self.assertRaisesRegex(ValueError, "n_tx"):
            isac.one_bit_radar_rx(isac.max_antennas + 1, 8, 10.0, [-50.0], 15.0, [30.0], 1.0, 1e-3)
        with self.assertRaisesRegex(ValueError, "n_users"):
            isac.psk_source(isac.max_users + 1, 4)


if __name__ == "__main__":
    gr_unittest.run(qa_antenna_limit)
