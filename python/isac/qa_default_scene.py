#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""The simulation blocks' defaults describe one scene (docs/blocks.md, "Your own
flowgraph"): N_T = 32, N_R = 128, U = 4, 8-PSK, sigma_C^2 = 0.316, target 10 deg at
15 dB, clutter -50/30 deg at 30 dB, sigma_R^2 = 1, CPIs of 64.

The values are read from the GRC block files (grc/isac_*.block.yml, what a user's
canvas shows), so a default changed in one descriptor and not in the others fails
test_001; test_002 checks that GRC and make() agree wherever make() has a default.
qa_shared_defaults (slow) compiles and runs a flowgraph of these defaults.
"""
import glob
import os

import yaml
from gnuradio import gr_unittest

SRC = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GRC = os.path.join(SRC, "grc")


def defaults(block):
    """{parameter: evaluated GRC default} of isac_<block>."""
    with open(os.path.join(GRC, f"isac_{block}.block.yml")) as f:
        doc = yaml.safe_load(f)
    out = {}
    for p in doc["parameters"]:
        if "default" in p:
            v = p["default"]
            out[p["id"]] = eval(v, {"__builtins__": {}}) if isinstance(v, str) else v
    return out


# (block, parameter) pairs that must hold one shared value; a per-angle list is
# compared after broadcasting one value to every clutter angle
SHARED = {
    "n_tx": [("isac_channel", "n_tx"), ("ci_precoder", "n_tx"), ("one_bit_isac_tx", "n_tx"),
             ("one_bit_rx_filter", "n_tx"), ("one_bit_radar_rx", "n_tx"), ("beampattern_probe", "n_tx"),
             ("steering_reference", "n_tx"),
             # the quantizer's default mode is the DAC, on the transmit vectors
             ("one_bit_quantizer", "vlen")],
    "n_rx": [("isac_channel", "n_rx"), ("ci_precoder", "n_rx"), ("one_bit_isac_tx", "n_rx"),
             ("one_bit_rx_filter", "n_rx"), ("one_bit_radar_rx", "n_rx"), ("doa_mle", "n_rx")],
    "n_users": [("isac_channel", "n_users"), ("ci_precoder", "n_users"), ("one_bit_isac_tx", "n_users"),
                ("psk_source", "n_users"), ("psk_ser_meter", "n_users")],
    "psk_order": [("ci_precoder", "psk_order"), ("one_bit_isac_tx", "psk_order"), ("psk_source", "psk_order"),
                  ("psk_ser_meter", "psk_order")],
    "comm_noise_var": [("isac_channel", "comm_noise_var"), ("ci_precoder", "noise_var"),
                       ("one_bit_isac_tx", "noise_var")],
    "radar_noise_var": [("isac_channel", "radar_noise_var"), ("one_bit_rx_filter", "radar_noise_var"),
                        ("one_bit_radar_rx", "radar_noise_var"), ("doa_mle", "noise_var")],
    "target_deg": [("isac_channel", "target_deg"), ("ci_precoder", "target_deg"), ("one_bit_isac_tx", "target_deg"),
                   ("one_bit_rx_filter", "target_deg"), ("one_bit_radar_rx", "target_deg")],
    "snr_r_db": [("isac_channel", "target_snr_db"), ("ci_precoder", "snr_r_db"), ("one_bit_isac_tx", "snr_r_db"),
                 ("one_bit_rx_filter", "snr_r_db"), ("one_bit_radar_rx", "snr_r_db")],
    "clutter_deg": [("isac_channel", "clutter_deg"), ("ci_precoder", "clutter_deg"),
                    ("one_bit_isac_tx", "clutter_deg"), ("one_bit_rx_filter", "clutter_deg"),
                    ("one_bit_radar_rx", "clutter_deg")],
    "cnr_db": [("isac_channel", "cnr_db"), ("ci_precoder", "cnr_db"), ("one_bit_isac_tx", "cnr_db"),
               ("one_bit_rx_filter", "cnr_db"), ("one_bit_radar_rx", "cnr_db")],
    "cpi_len": [("isac_channel", "cpi_len"), ("doa_mle", "cpi_len")],
}
# one_bit_isac_tx is ci_precoder with its csi wired in (docs/blocks.md): one design
PAIR = ["power", "gamma_db", "mode", "chi_db", "dac", "solver"]
# GRC defaults that differ from make()'s on purpose (GRC shows a runnable canvas;
# Python code passes its own): anything else must be one default in both
GRC_ONLY = {
    ("radio_emulator", "user_deg"): "the GRC canvas needs users to show; make() has none by default",
    ("emulated_radio", "pace"): "a GUI flowgraph runs at the radio's rate; scripts run as fast as they can",
}
SCENE = {"n_tx": 32, "n_rx": 128, "n_users": 4, "psk_order": 8, "comm_noise_var": [0.316],
         "radar_noise_var": 1.0, "target_deg": 10.0, "snr_r_db": 15.0, "clutter_deg": [-50.0, 30.0],
         "cnr_db": [30.0, 30.0], "cpi_len": 64}


def as_list(v, n):
    v = list(v) if isinstance(v, (list, tuple)) else [v]
    return v * n if len(v) == 1 else v


class qa_default_scene(gr_unittest.TestCase):

    def test_001_descriptors_share_one_scene(self):
        cache = {}
        for name, pairs in SHARED.items():
            want = SCENE[name]
            for block, param in pairs:
                d = cache.setdefault(block, defaults(block))
                self.assertIn(param, d, f"{block}.{param} has no GRC default")
                got = d[param]
                if isinstance(want, list):
                    n = len(want)
                    self.assertEqual(as_list(got, n), as_list(want, n), f"{block}.{param}")
                else:
                    self.assertEqual(got, want, f"{block}.{param}")
        # the canvas shows the noise as typed: a plain number, not an expression
        with open(os.path.join(GRC, "isac_ci_precoder.block.yml")) as f:
            noise = [p for p in yaml.safe_load(f)["parameters"] if p["id"] == "noise_var"][0]
        self.assertEqual(str(noise["default"]), "0.316")

    def test_003_one_bit_isac_tx_designs_as_ci_precoder(self):
        ci, tx = defaults("ci_precoder"), defaults("one_bit_isac_tx")
        for param in PAIR:
            self.assertEqual(tx[param], ci[param], param)

    def test_002_grc_defaults_are_make_defaults(self):
        differ = {}
        for f in glob.glob(os.path.join(SRC, "lib", "core", "params", "*.yml")) + \
                glob.glob(os.path.join(SRC, "python", "isac", "params", "*.yml")):
            with open(f) as fh:
                d = yaml.safe_load(fh)
            for p in d.get("params", []):
                g = p.get("grc") or {}
                if "default" in p and "default" in g:
                    v = g["default"]
                    v = eval(v, {"__builtins__": {}}) if isinstance(v, str) else v
                    if v != p["default"]:
                        differ[(d["block"], p["name"])] = (p["default"], v)
        self.assertEqual(sorted(differ), sorted(GRC_ONLY), differ)


if __name__ == "__main__":
    gr_unittest.run(qa_default_scene)
