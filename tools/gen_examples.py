#!/usr/bin/python3
#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""Writes the end-to-end flowgraphs examples/isac_*.grc.

The flowgraphs share their processing chains (python/isac/*.py hierarchical
blocks) and most of their parameters; generating them from one description
keeps the simulated, zeromq and over-the-air variants consistent. Re-run after
changing a chain's parameters:  /usr/bin/python3 tools/gen_examples.py
"""
import os

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "examples")


class Graph:
    def __init__(self, gid, title, description, gui):
        self.gid, self.blocks, self.conns = gid, [], []
        self.options = {
            "parameters": {
                "author": "gr-isac", "category": "[GRC Hier Blocks]", "description": description,
                "generate_options": "qt_gui" if gui else "no_gui", "id": gid, "output_language": "python",
                "run": "True", "run_options": "run" if not gui else "prompt", "title": title,
                "qt_qss_theme": "", "window_size": "(1000,1000)", "placement": "(0,0)",
            },
            "states": {"coordinate": [8, 8], "rotation": 0, "state": "enabled"},
        }
        self.x, self.y = 200, 12

    def _pos(self):
        pos = [self.x, self.y]
        self.x += 180
        if self.x > 1400:
            self.x, self.y = 8, self.y + 120
        return pos

    def add(self, bname, bid, /, **params):
        self.blocks.append({"name": bname, "id": bid,
                            "parameters": {k: str(v) for k, v in params.items()},
                            "states": {"coordinate": self._pos(), "rotation": 0, "state": "enabled"}})
        return bname

    def var(self, name, value):
        return self.add(name, "variable", value=value)

    def param(self, name, value, label, ptype="intx"):
        return self.add(name, "parameter", label=label, type=ptype, value=value, hide="none", short_id="")

    def conn(self, a, ap, b, bp):
        self.conns.append([a, str(ap), b, str(bp)])

    def write(self):
        doc = {"options": self.options, "blocks": self.blocks, "connections": self.conns,
               "metadata": {"file_format": 1, "grc_version": "3.10.5.1"}}
        path = os.path.join(OUT, self.gid + ".grc")
        with open(path, "w") as f:
            yaml.safe_dump(doc, f, default_flow_style=False, sort_keys=False, width=1000)
        print("wrote", os.path.relpath(path))


# ---------------------------------------------------------------- shared parts
def common_vars(g, n_tx=16, n_users=4, n_rx=128):
    g.var("n_tx", n_tx)
    g.var("n_users", n_users)
    g.var("n_rx", n_rx)
    g.var("psk_order", 8)
    g.var("power", 1.0)
    g.var("snr_c_db", 5.0)
    g.var("comm_noise_var", "power / 10 ** (snr_c_db / 10)")


def radar_vars(g):
    # an asymmetric scene (no +-theta pairs), so a mirrored angle convention
    # anywhere in the chain would show (docs/conventions.md)
    g.var("gamma_db", 5.0)
    g.var("target_deg", 23.0)
    g.var("clutter_deg", "[-47.0, 31.0]")
    g.var("snr_r_db", 15.0)
    g.var("cnr_db", "[30.0, 30.0]")
    g.var("radar_noise_var", 1.0)
    g.var("pfa", 0.01)


def tx_chain(g, name="tx", solver='"realtime"'):
    return g.add(name, "isac_one_bit_isac_tx", solver=solver, max_iter=10, n_tx="n_tx", n_users="n_users", psk_order="psk_order",
                 power="power", noise_var="comm_noise_var", gamma_db="gamma_db", target_deg="target_deg",
                 clutter_deg="clutter_deg", snr_r_db="snr_r_db", cnr_db="cnr_db", n_rx="n_rx",
                 mode='"qos"', chi_db="8.0", dac='"1bit"')


def radar_chain(g, name="radar", threshold_scale="1.0", cpi_len=1):
    return g.add(name, "isac_one_bit_radar_rx", cpi_len=cpi_len, threshold_scale=threshold_scale, n_tx="n_tx", n_rx="n_rx", target_deg="target_deg",
                 clutter_deg="clutter_deg", snr_r_db="snr_r_db", cnr_db="cnr_db",
                 radar_noise_var="radar_noise_var", pfa="pfa", adc='"1bit"')


def mono_channel(g, name="chan"):
    return g.add(name, "isac_isac_channel", n_tx="n_tx", n_users="n_users", n_rx="n_rx",
                 comm_model='"rayleigh"', user_deg="[]", comm_noise_var="[comm_noise_var]",
                 rician_k_db="10.0", coherence="0", seed="seed", geometry='"monostatic"',
                 target_deg="target_deg", tx_deg="0.0", rx_deg="0.0", target_snr_db="snr_r_db",
                 clutter_deg="clutter_deg", cnr_db="cnr_db", radar_noise_var="radar_noise_var",
                 gain_model='"swerling1"', cpi_len="1", target_delay="0")


def bi_channel(g, name="chan"):
    return g.add(name, "isac_isac_channel", n_tx="n_tx", n_users="n_users", n_rx="n_rx",
                 comm_model='"rayleigh"', user_deg="[]", comm_noise_var="[comm_noise_var]",
                 rician_k_db="10.0", coherence="0", seed="seed", geometry='"bistatic"',
                 target_deg="0.0", tx_deg="tx_deg", rx_deg="rx_deg", target_snr_db="sense_snr_db",
                 clutter_deg="[]", cnr_db="[]", radar_noise_var="radar_noise_var",
                 gain_model='"fixed"', cpi_len="cpi_len", target_delay="0")


def null(g, name, vlen=1, t="complex"):
    return g.add(name, "blocks_null_sink", type=t, vlen=vlen, num_inputs=1, bus_structure_sink="[[0,],]")


# ---------------------------------------------------- 1. 1-bit ISAC loopback
def one_bit_loopback(gui):
    gid = "isac_1bit_loopback" + ("" if gui else "_headless")
    g = Graph(gid, "gr-isac 1-bit ISAC loopback" + ("" if gui else " (headless)"),
              "PSK users -> CI precoder -> 1-bit DAC -> MIMO channel -> per-user SER; "
              "echo -> 1-bit ADC -> receive filter/GLRT -> detections", gui)
    common_vars(g)
    radar_vars(g)
    if gui:
        g.var("seed", 1)
        g.var("rate", 2000)
    else:
        g.param("n_snapshots", 20000, "Snapshots")
        g.param("seed", 1, "Channel/symbol seed")
    src = g.add("src", "isac_psk_source", n_users="n_users", psk_order="psk_order", seed="seed")
    if gui:
        lim = g.add("throttle", "blocks_throttle", type="complex", samples_per_second="rate",
                    vlen="n_users", ignoretag="True")
    else:
        lim = g.add("head", "blocks_head", type="complex", num_items="n_snapshots", vlen="n_users")
    g.conn(src, 0, lim, 0)
    tx = tx_chain(g)
    chan = mono_channel(g)
    radar = radar_chain(g)
    ser = g.add("ser", "isac_psk_ser_meter", n_users="n_users", psk_order="psk_order", skip=0,
                report_every=0)
    det = g.add("det", "isac_detection_meter", threshold=1.0, skip=0)
    g.conn(lim, 0, tx, 0)
    g.conn(tx, 0, chan, 0)
    g.conn(chan, "csi", tx, "csi")
    g.conn(chan, 0, ser, 0)
    g.conn(lim, 0, ser, 1)
    g.conn(chan, 1, radar, 0)
    g.conn(tx, 0, radar, 1)
    g.conn(radar, 1, det, 0)
    if not gui:
        # bounded runs keep x and the symbols, so a check can recompute the
        # safe margins and the Theorem-2 bounds (the per-snapshot QSCNR) from them
        g.add("x_sink", "blocks_vector_sink_x", type="complex", vlen="n_tx", reserve_items=1024)
        g.add("sym_sink", "blocks_vector_sink_x", type="complex", vlen="n_users", reserve_items=1024)
        g.add("stat_sink", "blocks_vector_sink_x", type="float", vlen=1, reserve_items=1024)
        g.conn(tx, 0, "x_sink", 0)
        g.conn(lim, 0, "sym_sink", 0)
        g.conn(radar, 1, "stat_sink", 0)
        null(g, "z_sink")
        null(g, "ser_sink", vlen="n_users", t="float")
        null(g, "det_sink", t="float")
        g.conn(radar, 0, "z_sink", 0)
        g.conn(ser, 0, "ser_sink", 0)
        g.conn(det, 0, "det_sink", 0)
    else:
        g.add("users", "blocks_vector_to_streams", type="complex", num_streams="n_users", vlen=1)
        g.conn(chan, 0, "users", 0)
        g.add("const", "qtgui_const_sink_x", type="complex", name='"Users (y_u)"', size=512,
              nconnections=4, autoscale="True", update_time=0.2, gui_hint="(0,0,1,1)",
              label1="user 0", label2="user 1", label3="user 2", label4="user 3", legend="True")
        for u in range(4):
            g.conn("users", u, "const", u)
        g.add("stat_plot", "qtgui_time_sink_x", type="float", name='"Detection statistic |z|/kappa"',
              size=1024, srate="rate", autoscale="True", nconnections=1, update_time=0.2,
              gui_hint="(0,1,1,1)", ylabel="|z|/kappa", label1="statistic", entags="True")
        g.conn(radar, 1, "stat_plot", 0)
        null(g, "z_sink")
        g.conn(radar, 0, "z_sink", 0)
        g.add("ser_split", "blocks_vector_to_streams", type="float", num_streams="n_users", vlen=1)
        g.conn(ser, 0, "ser_split", 0)
        g.add("ser_num", "qtgui_number_sink", name='"SER per user"', type="float", nconnections=4,
              graph_type="qtgui.NUM_GRAPH_HORIZ", min=0, max=1, update_time=0.5, gui_hint="(1,0,1,1)",
              label1="user 0", label2="user 1", label3="user 2", label4="user 3", autoscale="False", avg=0)
        for u in range(4):
            g.conn("ser_split", u, "ser_num", u)
        g.add("det_num", "qtgui_number_sink", name='"Detection rate (Pd)"', type="float", nconnections=1,
              graph_type="qtgui.NUM_GRAPH_HORIZ", min=0, max=1, update_time=0.5, gui_hint="(1,1,1,1)",
              label1="Pd", autoscale="False", avg=0)
        g.conn(det, 0, "det_num", 0)
        g.add("stats_dbg", "blocks_message_debug", en_uvec="True")
    g.write()


# ------------------------------------------- 2. null-space precoder loopback
def nullspace_loopback(gui):
    gid = "isac_nullspace_loopback" + ("" if gui else "_headless")
    g = Graph(gid, "gr-isac null-space ISAC loopback" + ("" if gui else " (headless)"),
              "PSK users -> null-space precoder (ZF + beampattern sensing) -> bistatic channel -> "
              "DoA MLE; users -> SER", gui)
    common_vars(g, n_tx=16, n_users=2, n_rx=16)
    g.var("sinr_db", 10.0)
    g.var("tx_deg", 23.0)
    g.var("targets_deg", "[tx_deg, -41.0]")
    g.var("beam_width_deg", 10.0)
    g.var("frame_len", 64)
    g.var("cpi_len", 64)
    g.var("sense_snr_db", 5.0)
    g.var("radar_noise_var", 1.0)
    if gui:
        g.var("seed", 1)
        g.var("rate", 4000)
        g.var("rx_deg", 37.0)
    else:
        g.param("n_snapshots", 6400, "Snapshots")
        g.param("seed", 1, "Channel/symbol seed")
        g.param("rx_deg", 37.0, "Target DoA at the sensing receiver (deg)", "eng_float")
    src = g.add("src", "isac_psk_source", n_users="n_users", psk_order="psk_order", seed="seed")
    if gui:
        lim = g.add("throttle", "blocks_throttle", type="complex", samples_per_second="rate",
                    vlen="n_users", ignoretag="True")
    else:
        lim = g.add("head", "blocks_head", type="complex", num_items="n_snapshots", vlen="n_users")
    g.conn(src, 0, lim, 0)
    pre = g.add("precoder", "isac_nullspace_precoder", n_tx="n_tx", n_users="n_users", power="power",
                comm='"zf"', sinr_db="sinr_db", noise_var="comm_noise_var", sensing='"beampattern"',
                targets_deg="targets_deg", beam_width_deg="beam_width_deg", frame_len="frame_len")
    chan = bi_channel(g)
    doa = g.add("doa", "isac_bistatic_doa_rx", n_tx="n_tx", n_rx="n_rx", tx_deg="tx_deg", cpi_len="cpi_len",
                mode='"known"', grid_min_deg=-90.0, grid_max_deg=90.0, grid_step_deg=0.1,
                noise_var="radar_noise_var", p_gauss=0.0, refine='"newton"')
    ser = g.add("ser", "isac_psk_ser_meter", n_users="n_users", psk_order="psk_order", skip=0,
                report_every=0)
    g.conn(lim, 0, pre, 0)
    g.conn(pre, 0, chan, 0)
    g.conn(chan, "csi", pre, "csi")
    g.conn(chan, 0, ser, 0)
    g.conn(lim, 0, ser, 1)
    g.conn(chan, 1, doa, 0)
    g.conn(pre, 0, doa, 1)
    if not gui:
        g.add("doa_sink", "blocks_vector_sink_x", type="float", vlen=1, reserve_items=1024)
        g.add("x_sink", "blocks_vector_sink_x", type="complex", vlen="n_tx", reserve_items=1024)
        g.conn(pre, 0, "x_sink", 0)
        g.conn(doa, 0, "doa_sink", 0)
        null(g, "ser_sink", vlen="n_users", t="float")
        g.conn(ser, 0, "ser_sink", 0)
        g.add("doa_msgs", "blocks_message_debug", en_uvec="True")
        g.conn(doa, "doa", "doa_msgs", "store")
        g.add("bp", "isac_beampattern_probe", n_tx="n_tx", frame_len="frame_len", grid_min_deg=-90.0,
              grid_max_deg=90.0, grid_step_deg=1.0, reverse_elements="False", db="False")
        g.conn(pre, 0, "bp", 0)
        g.add("bp_sink", "blocks_vector_sink_x", type="float", vlen=181, reserve_items=16)
        g.conn("bp", 0, "bp_sink", 0)
    else:
        g.add("bp", "isac_beampattern_probe", n_tx="n_tx", frame_len="frame_len", grid_min_deg=-90.0,
              grid_max_deg=90.0, grid_step_deg=1.0, reverse_elements="False", db="True")
        g.conn(pre, 0, "bp", 0)
        g.add("bp_plot", "qtgui_vector_sink_f", name='"Transmit beampattern per frame (dB)"', vlen=181,
              x_start=-90, x_step=1.0, x_axis_label='"angle (deg)"', y_axis_label='"dB"', x_units='""',
              y_units='""', ref_level=0, autoscale="True", average=1.0, ymin=-40, ymax=20,
              nconnections=1, update_time=0.2, gui_hint="(0,0,1,1)", label1="pattern")
        g.conn("bp", 0, "bp_plot", 0)
        g.add("truth", "analog_const_source_x", type="float", const="rx_deg")
        g.add("truth_lim", "blocks_keep_one_in_n", type="float", n="cpi_len", vlen=1)
        g.conn("truth", 0, "truth_lim", 0)
        g.add("doa_plot", "qtgui_time_sink_x", type="float", name='"DoA estimate vs truth (deg)"', size=256,
              srate="rate / cpi_len", autoscale="False", ymin=-90, ymax=90, nconnections=2, update_time=0.2,
              gui_hint="(0,1,1,1)", ylabel="deg", label1="estimate", label2="truth", legend="True")
        g.conn(doa, 0, "doa_plot", 0)
        g.conn("truth_lim", 0, "doa_plot", 1)
        g.add("users", "blocks_vector_to_streams", type="complex", num_streams="n_users", vlen=1)
        g.conn(chan, 0, "users", 0)
        g.add("const", "qtgui_const_sink_x", type="complex", name='"Users (y_u)"', size=512,
              nconnections=2, autoscale="True", update_time=0.2, gui_hint="(1,0,1,1)",
              label1="user 0", label2="user 1", legend="True")
        g.conn("users", 0, "const", 0)
        g.conn("users", 1, "const", 1)
        g.add("ser_split", "blocks_vector_to_streams", type="float", num_streams="n_users", vlen=1)
        g.conn(ser, 0, "ser_split", 0)
        g.add("ser_num", "qtgui_number_sink", name='"SER per user"', type="float", nconnections=2,
              graph_type="qtgui.NUM_GRAPH_HORIZ", min=0, max=1, update_time=0.5, gui_hint="(1,1,1,1)",
              label1="user 0", label2="user 1", autoscale="False", avg=0)
        g.conn("ser_split", 0, "ser_num", 0)
        g.conn("ser_split", 1, "ser_num", 1)
        g.add("doa_dbg", "blocks_message_debug", en_uvec="True")
        g.conn(doa, "doa", "doa_dbg", "print")
    g.write()


# ----------------------------------------------------------- 3. over the air
# The over-the-air flowgraph is built from the functions below (ota_*), so that
# its GUI and headless variants share every chain and the radio switch. One
# flowgraph parameter, `radio`, chooses UHD hardware ("usrp") or the emulated
# front-end ("emulated"); nothing else differs between the two.
def ota_vars(g):
    g.var("n_tx", 4)
    g.var("n_users", 2)
    g.var("n_rx", 4)
    g.var("psk_order", 4)
    g.var("power", 1.0)
    g.var("comm_noise_var", 0.1)
    # the radar scene of a 4 x 4 array (asymmetric, docs/conventions.md). Four
    # 1-bit receive channels cannot reach the Pfa = 0.01 threshold within one
    # snapshot (|z| is bounded), so the detector integrates radar_cpi snapshots;
    # clutter at 30 dB would saturate four 1-bit channels, hence clutter_cnr_db.
    g.var("gamma_db", 5.0)
    g.var("target_deg", 23.0)
    g.var("clutter_deg", "[-47.0, 31.0]")
    g.var("snr_r_db", 15.0)
    g.var("cnr_db", "[clutter_cnr_db, clutter_cnr_db]")
    g.var("radar_noise_var", 1.0)
    g.var("pfa", 0.01)
    g.var("radar_cpi", 16)
    g.var("user_deg", "[-34.0, 12.0]")
    g.var("tx_deg", "target_deg")
    g.var("cpi_len", 256)
    g.var("reverse_elements", "False")  # True if Rx channel k is wired to antenna n_rx-1-k
    # the far-field pilot receiver of the transmit calibration: user 0's radio
    g.var("txcal_deg", "user_deg[0]")
    g.var("payload_len", 880)


def ota_params(g, gui):
    g.param("radio", "usrp", "Radio: usrp (hardware) or emulated", "str")
    g.param("impairments", "typical", "Emulated impairments: none, typical or harsh", "str")
    g.param("emu_seed", 0, "Emulator seed (0 = random)", "intx")
    g.param("dev_args", '"type=n3xx"', "UHD device args (array)", "str")
    g.param("users_dev_args", '"type=b200"', "UHD device args (users' radios)", "str")
    g.param("clock_source", "external", "Clock source (10 MHz)", "str")
    g.param("time_source", "external", "Time source (PPS)", "str")
    g.param("samp_rate", 1e6, "Sample rate (snapshots/s)", "eng_float")
    g.param("center_freq", 2.45e9, "Carrier (Hz)", "eng_float")
    g.param("tx_gain", 40.0, "Tx gain (dB)", "eng_float")
    g.param("rx_gain", 30.0, "Rx gain (dB)", "eng_float")
    g.param("start_delay", 2.0, "Timed stream start after the PPS edge (s)", "eng_float")
    g.param("loop_delay", 0, "Tx->Rx latency until estimated (snapshots)", "intx")
    g.param("max_loop_delay", 64, "Largest loop delay searched (snapshots)", "intx")
    g.param("cal_deg", 0.0, "Receive calibration pilot angle (deg)", "eng_float")
    g.param("cal_freq", 0.0625, "Receive calibration pilot tone (cycles/sample)", "eng_float")
    g.param("n_cal", 65536, "Calibration snapshots", "intx")
    g.param("threshold_scale", 1.0, "Detector threshold scale (calibrated on target-free data)", "eng_float")
    g.param("clutter_cnr_db", 10.0, "Clutter-to-noise ratio of each clutter patch (dB; emulated scene and detector)",
            "eng_float")
    if not gui:
        g.param("n_snapshots", 262144, "Snapshots (bounded run)", "intx")


def ota_emulator(g, gui):
    # the emulated world: the same scene variables the chains use; the pilot
    # stands for the far-field calibration transmitter, on for n_cal snapshots
    g.add("emu", "isac_emulated_radio", n_tx="n_tx", n_rx="n_rx", n_users="n_users", samp_rate="samp_rate",
          center_freq="center_freq", impairments="impairments", seed="emu_seed", pace="True" if gui else "False",
          user_deg="user_deg", comm_model='"los"', user_gain=1.0, rician_k_db=10.0,
          comm_noise_var="comm_noise_var", target_deg="target_deg", target_snr_db="snr_r_db",
          clutter_deg="clutter_deg", cnr_db="cnr_db", radar_noise_var="radar_noise_var", pilot_deg="cal_deg",
          pilot_snr_db=20.0, pilot_freq="cal_freq", pilot_len="n_cal", loopback="False", loopback_snr_db=30.0, target_coherence="cpi_len")


def ota_radios(g):
    common = dict(radio="radio", clock_source="clock_source", time_source="time_source", num_mboards=1,
                  samp_rate="samp_rate", center_freq="center_freq", emulator="emu")
    g.add("usrp_tx", "isac_radio_sink", nchan="n_tx", dev_args="dev_args", gain="tx_gain", antenna='"TX/RX"',
          **common)
    g.add("usrp_rx", "isac_radio_source", nchan="n_rx", dev_args="dev_args", gain="rx_gain", antenna='"RX2"',
          role='"sensing"', sync='"pc_clock_next_pps"', **common)
    g.add("usrp_users", "isac_radio_source", nchan="n_users", dev_args="users_dev_args", gain="rx_gain",
          antenna='"RX2"', role='"users"', sync='"none"', **common)


def ota_snippet(g):
    g.add("timed_start", "snippet", section="main_after_init", priority=0, code=(
        "# Time sync: the sensing Rx radio's sync option (PC clock on next PPS) has\n"
        "# called set_time_next_pps, so every motherboard on the shared PPS holds the\n"
        "# same time. Timed commands: retune every Tx and Rx channel at one device time,\n"
        "# so the LOs settle together and keep a fixed phase relation (the array\n"
        "# calibrations then measure it once). The radio blocks answer these calls in\n"
        "# emulation too (radio = emulated), where the streams are aligned by construction.\n"
        "# (GRC calls this snippet with the top block as `self`.)\n"
        "from gnuradio import uhd\n"
        "_tune = self.usrp_rx.get_time_now() + uhd.time_spec(0.5)\n"
        "self.usrp_rx.set_command_time(_tune)\n"
        "self.usrp_tx.set_command_time(_tune)\n"
        "for _ch in range(self.n_rx):\n"
        "    self.usrp_rx.set_center_freq(uhd.tune_request(self.center_freq), _ch)\n"
        "for _ch in range(self.n_tx):\n"
        "    self.usrp_tx.set_center_freq(uhd.tune_request(self.center_freq), _ch)\n"
        "self.usrp_rx.clear_command_time()\n"
        "self.usrp_tx.clear_command_time()\n"
        "# Timed streaming: Tx and Rx start at the same device time, start_delay after\n"
        "# the last PPS edge, so snapshot k of x and of the echo are aligned up to the\n"
        "# Tx->Rx pipeline latency, which loop_est measures and x_delay removes.\n"
        "_t0 = uhd.time_spec(self.usrp_rx.get_time_last_pps().get_real_secs() + self.start_delay)\n"
        "self.usrp_rx.set_start_time(_t0)\n"
        "self.usrp_tx.set_start_time(_t0)\n"))


def ota_tx_chain(g, gui):
    src = g.add("src", "isac_psk_source", n_users="n_users", psk_order="psk_order", seed=0)
    # the symbols feed the frame builder and every user receiver, which takes
    # them a few frames later (its frames come back through the radio): the
    # buffer must hold those frames, or the whole flowgraph runs in lockstep
    # with tiny work calls
    sym = g.add("head", "blocks_head", type="complex", num_items="2**62" if gui else "n_snapshots",
                vlen="n_users", minoutbuf=65536)
    g.conn(src, 0, sym, 0)
    # frames: preamble, header and pilots orthogonal across the antennas go out
    # as known vectors (tags tell the precoder), then the precoded payload
    g.add("frames", "isac_frame_builder", n_users="n_users", n_tx="n_tx", payload_len="payload_len",
          preamble_block=0, preamble_reps=3, pilot_len=0, frame_seed=1)
    g.conn(sym, 0, "frames", 0)
    # the LoS users' channel is static: precompute every symbol vector once (lookup table)
    tx = tx_chain(g, solver='"lut"')
    g.conn("frames", 0, tx, 0)
    # transmit calibration, applied automatically before the radio (after the
    # precoder: the radar chains keep the precoder's x as their reference)
    g.add("txcal_fix", "isac_array_phase_corrector", n_rx="n_tx", phases_rad="[]", reverse_elements="False")
    g.conn(tx, 0, "txcal_fix", 0)
    g.add("tx_split", "blocks_vector_to_streams", type="complex", num_streams="n_tx", vlen=1)
    g.conn("txcal_fix", 0, "tx_split", 0)
    for ch in range(4):
        g.conn("tx_split", ch, "usrp_tx", ch)
    return tx, sym


def ota_users(g, tx, sym):
    """The users' side: one receiver per user radio (frame sync, CFO, channel
    estimate, decisions and SER), their channel rows back to the precoder over
    the feedback link."""
    g.add("feedback", "isac_csi_feedback", n_users="n_users", n_tx="n_tx", delay_frames=2, bits=0)
    g.conn("feedback", "csi", tx, "csi")
    for u in range(2):
        ur = "user%d" % u
        g.add(ur, "isac_user_receiver", n_tx="n_tx", n_users="n_users", user=u, psk_order="psk_order",
              payload_len="payload_len", preamble_block=0, preamble_reps=3, pilot_len=0, frame_seed=1,
              power="power", estimator='"ls"', csi_noise_var="comm_noise_var")
        g.conn("usrp_users", u, ur, 0)
        g.conn(sym, 0, ur, 1)
        g.conn(ur, "row", "feedback", "row")
        g.conn("feedback", "csi", ur, "csi")


def ota_acquisition(g, tx):
    """The blocks that replace genie knowledge: loop delay, receive and
    transmit calibration, each a message to the block that applies it."""
    g.add("rx_join", "blocks_streams_to_vector", type="complex", num_streams="n_rx", vlen=1)
    for ch in range(4):
        g.conn("usrp_rx", ch, "rx_join", ch)
    # loop delay: correlate x with the raw echo, post to the delay in front of
    # the radar and DoA chains
    g.add("loop_est", "isac_loop_delay_estimator", n_tx="n_tx", n_rx="n_rx", max_delay="max_loop_delay",
          n_avg=8192, continuous="False", min_peak_db=12.0)
    g.conn(tx, 0, "loop_est", 0)
    g.conn("rx_join", 0, "loop_est", 1)
    # the integer part delays x, the fraction the echo (the echo is then back
    # on the sample grid before the 1-bit ADC: no inter-snapshot interference)
    g.add("x_delay", "isac_fractional_delay", vlen="n_tx", delay="loop_delay", taps=16, max_delay=4096.0,
          key='"x_align"')
    g.conn(tx, 0, "x_delay", 0)
    g.conn("loop_est", "delay", "x_delay", "delay")
    g.add("rx_align", "isac_fractional_delay", vlen="n_rx", delay=0.0, taps=16, max_delay=4096.0,
          key='"echo_align"')
    g.conn("rx_join", 0, "rx_align", 0)
    g.conn("loop_est", "delay", "rx_align", "delay")
    # receive calibration from the far-field CW pilot at cal_deg
    g.add("cal_est", "isac_array_phase_estimator", n_rx="n_rx", cal_deg="cal_deg", n_avg="n_cal",
          spacing=0.5, reverse_elements="reverse_elements", continuous="False", tone_freq="cal_freq",
          tone_block=1024)
    g.add("cal_fix", "isac_array_phase_corrector", n_rx="n_rx", phases_rad="[]",
          reverse_elements="reverse_elements")
    g.conn("rx_align", 0, "cal_est", 0)
    g.conn("rx_align", 0, "cal_fix", 0)
    g.conn("cal_est", "cal", "cal_fix", "cal")
    # transmit calibration from user 0's radio (a far-field receiver at txcal_deg)
    g.add("txcal_est", "isac_tx_phase_estimator", n_tx="n_tx", ref_deg="txcal_deg", spacing=0.5,
          max_lag=1024, n_avg=16384, block_len=32, continuous="False", min_score=12.0)
    g.conn("txcal_fix", 0, "txcal_est", 0)
    g.conn("usrp_users", 0, "txcal_est", 1)
    g.conn("txcal_est", "cal", "txcal_fix", "cal")


def ota_sensing(g):
    radar = radar_chain(g, threshold_scale="threshold_scale", cpi_len="radar_cpi")
    g.conn("cal_fix", 0, radar, 0)
    g.conn("x_delay", 0, radar, 1)
    det = g.add("det", "isac_detection_meter", threshold=1.0, skip=0)
    g.conn(radar, 1, det, 0)
    null(g, "z_sink")
    g.conn(radar, 0, "z_sink", 0)
    doa = g.add("doa", "isac_bistatic_doa_rx", n_tx="n_tx", n_rx="n_rx", tx_deg="tx_deg", cpi_len="cpi_len",
                mode='"known"', grid_min_deg=-90.0, grid_max_deg=90.0, grid_step_deg=0.1,
                noise_var="radar_noise_var", p_gauss=0.0, refine='"newton"')
    g.conn("cal_fix", 0, doa, 0)
    g.conn("x_delay", 0, doa, 1)
    return radar, det, doa


def ota_gui(g, tx, radar, det, doa):
    g.add("stat_plot", "qtgui_time_sink_x", type="float", name='"Detection statistic |z|/kappa"', size=4096,
          srate="samp_rate", autoscale="True", nconnections=1, update_time=0.2, gui_hint="(0,0,1,1)",
          ylabel="|z|/kappa", label1="statistic", entags="True")
    g.conn(radar, 1, "stat_plot", 0)
    g.add("det_num", "qtgui_number_sink", name='"Detection rate"', type="float", nconnections=1,
          graph_type="qtgui.NUM_GRAPH_HORIZ", min=0, max=1, update_time=0.5, gui_hint="(1,0,1,1)",
          label1="rate", autoscale="False", avg=0)
    g.conn(det, 0, "det_num", 0)
    g.add("doa_num", "qtgui_number_sink", name='"DoA (deg)"', type="float", nconnections=1,
          graph_type="qtgui.NUM_GRAPH_HORIZ", min=-90, max=90, update_time=0.5, gui_hint="(1,1,1,1)",
          label1="DoA", autoscale="False", avg=0)
    g.conn(doa, 0, "doa_num", 0)
    g.add("users_const", "qtgui_const_sink_x", type="complex", name='"Users: corrected payload"', size=1024,
          nconnections=2, autoscale="True", update_time=0.2, gui_hint="(0,1,1,1)", label1="user 0",
          label2="user 1", legend="True")
    g.add("ser_num", "qtgui_number_sink", name='"SER per user"', type="float", nconnections=2,
          graph_type="qtgui.NUM_GRAPH_HORIZ", min=0, max=1, update_time=0.5, gui_hint="(2,0,1,2)",
          label1="user 0", label2="user 1", autoscale="False", avg=0)
    for u in range(2):
        g.conn("user%d" % u, 0, "users_const", u)
        g.conn("user%d" % u, 1, "ser_num", u)
    g.add("msgs", "blocks_message_debug", en_uvec="True")
    g.conn("cal_est", "cal", "msgs", "print")
    g.conn("txcal_est", "cal", "msgs", "print")
    g.conn("loop_est", "delay", "msgs", "print")
    g.conn(tx, "stats", "msgs", "store")


def ota_headless_sinks(g, tx, radar, det, doa):
    # what a check reads back: the radar statistic, the DoA per CPI and every
    # acquisition message
    g.add("stat_sink", "blocks_vector_sink_x", type="float", vlen=1, reserve_items=1024)
    g.conn(radar, 1, "stat_sink", 0)
    null(g, "det_sink", t="float")
    g.conn(det, 0, "det_sink", 0)
    g.add("doa_sink", "blocks_vector_sink_x", type="float", vlen=1, reserve_items=1024)
    g.conn(doa, 0, "doa_sink", 0)
    g.add("doa_msgs", "blocks_message_debug", en_uvec="True")
    g.conn(doa, "doa", "doa_msgs", "store")
    g.add("acq_msgs", "blocks_message_debug", en_uvec="True")
    g.conn("cal_est", "cal", "acq_msgs", "store")
    g.add("txcal_msgs", "blocks_message_debug", en_uvec="True")
    g.conn("txcal_est", "cal", "txcal_msgs", "store")
    g.add("delay_msgs", "blocks_message_debug", en_uvec="True")
    g.conn("loop_est", "delay", "delay_msgs", "store")
    for u in range(2):
        null(g, "payload_sink%d" % u)
        g.conn("user%d" % u, 0, "payload_sink%d" % u, 0)
    g.add("csi_msgs", "blocks_message_debug", en_uvec="True")
    g.conn("feedback", "csi", "csi_msgs", "store")


def usrp_ota(gui):
    gid = "isac_usrp_ota" + ("" if gui else "_headless")
    g = Graph(gid, "gr-isac 1-bit ISAC over the air (multi-channel USRP)" + ("" if gui else " (headless)"),
              "The 1-bit ISAC chains of isac_1bit_loopback against an N-channel radio sink/source pair: "
              "UHD hardware or the emulated front-end (parameter radio). Time-synchronised start, timed "
              "retune; loop delay, receive and transmit calibration acquired by blocks and applied by "
              "message. See docs/ota.md.", gui)
    ota_vars(g)
    ota_params(g, gui)
    ota_emulator(g, gui)
    ota_radios(g)
    tx, sym = ota_tx_chain(g, gui)
    ota_users(g, tx, sym)
    ota_acquisition(g, tx)
    radar, det, doa = ota_sensing(g)
    if gui:
        ota_gui(g, tx, radar, det, doa)
    else:
        ota_headless_sinks(g, tx, radar, det, doa)
    ota_snippet(g)
    g.write()


# --------------------------------------------------------------- 4. zeromq split
def zmq_pair():
    tx = Graph("isac_zmq_tx", "gr-isac zeromq split: transmitter host",
               "PSK users -> CI precoder -> 1-bit DAC -> zeromq; the channel (csi) comes back over "
               "zeromq from isac_zmq_rx", False)
    common_vars(tx)
    radar_vars(tx)
    tx.param("n_snapshots", 0, "Snapshots (0 = run forever)")
    tx.param("seed", 1, "Symbol seed")
    tx.param("data_addr", "tcp://127.0.0.1:5555", "Bind address: transmit vectors", "str")
    tx.param("sym_addr", "tcp://127.0.0.1:5556", "Bind address: symbols (for SER)", "str")
    tx.param("csi_addr", "tcp://127.0.0.1:5557", "Connect address: csi from the receiver", "str")
    tx.add("src", "isac_psk_source", n_users="n_users", psk_order="psk_order", seed="seed")
    tx.add("csi_in", "zeromq_pull_msg_source", address="csi_addr", timeout=100, bind="False")
    tx.add("gate", "isac_csi_gate", vlen="n_users")
    tx.conn("src", 0, "gate", 0)
    t = tx_chain(tx)
    tx.conn("csi_in", "out", t, "csi")
    tx.conn("csi_in", "out", "gate", "csi")
    tx.add("head", "blocks_head", type="complex", num_items="n_snapshots if n_snapshots > 0 else 2**62",
           vlen="n_users")
    tx.conn("gate", 0, "head", 0)
    tx.conn("head", 0, t, 0)
    tx.add("x_out", "zeromq_push_sink", type="complex", vlen="n_tx", address="data_addr", timeout=100,
           pass_tags="False", hwm=-1)
    tx.add("sym_out", "zeromq_push_sink", type="complex", vlen="n_users", address="sym_addr", timeout=100,
           pass_tags="False", hwm=-1)
    tx.conn(t, 0, "x_out", 0)
    tx.conn("head", 0, "sym_out", 0)
    tx.options["parameters"]["run_options"] = "prompt"
    tx.write()

    rx = Graph("isac_zmq_rx", "gr-isac zeromq split: channel and receivers host",
               "zeromq -> MIMO channel -> per-user SER and 1-bit radar detection; the channel's csi "
               "goes back to isac_zmq_tx over zeromq", False)
    common_vars(rx)
    radar_vars(rx)
    rx.param("n_snapshots", 0, "Snapshots (0 = run forever)")
    rx.param("seed", 1, "Channel seed")
    rx.param("data_addr", "tcp://127.0.0.1:5555", "Connect address: transmit vectors", "str")
    rx.param("sym_addr", "tcp://127.0.0.1:5556", "Connect address: symbols", "str")
    rx.param("csi_addr", "tcp://127.0.0.1:5557", "Bind address: csi to the transmitter", "str")
    rx.add("x_in", "zeromq_pull_source", type="complex", vlen="n_tx", address="data_addr", timeout=100,
           pass_tags="False", hwm=-1)
    rx.add("sym_in", "zeromq_pull_source", type="complex", vlen="n_users", address="sym_addr", timeout=100,
           pass_tags="False", hwm=-1)
    rx.add("head", "blocks_head", type="complex", num_items="n_snapshots if n_snapshots > 0 else 2**62",
           vlen="n_tx")
    rx.add("sym_head", "blocks_head", type="complex", num_items="n_snapshots if n_snapshots > 0 else 2**62",
           vlen="n_users")
    rx.conn("x_in", 0, "head", 0)
    rx.conn("sym_in", 0, "sym_head", 0)
    chan = mono_channel(rx)
    rx.add("csi_out", "zeromq_push_msg_sink", address="csi_addr", timeout=100, bind="True")
    rx.conn(chan, "csi", "csi_out", "in")
    rx.conn("head", 0, chan, 0)
    ser = rx.add("ser", "isac_psk_ser_meter", n_users="n_users", psk_order="psk_order", skip=0,
                 report_every=1000)
    rx.conn(chan, 0, ser, 0)
    rx.conn("sym_head", 0, ser, 1)
    radar = radar_chain(rx)
    rx.conn(chan, 1, radar, 0)
    rx.conn("head", 0, radar, 1)
    det = rx.add("det", "isac_detection_meter", threshold=1.0, skip=0)
    rx.conn(radar, 1, det, 0)
    null(rx, "z_sink")
    null(rx, "ser_sink", vlen="n_users", t="float")
    null(rx, "det_sink", t="float")
    rx.conn(radar, 0, "z_sink", 0)
    rx.conn(ser, 0, "ser_sink", 0)
    rx.conn(det, 0, "det_sink", 0)
    rx.add("ser_print", "blocks_message_debug", en_uvec="True")
    rx.conn(ser, "ser", "ser_print", "print")
    # gr-zeromq sources never report end-of-stream, so a receiver does not stop on
    # its own: run until Enter (the SER report says when n_snapshots arrived)
    rx.options["parameters"]["run_options"] = "prompt"
    rx.write()


if __name__ == "__main__":
    one_bit_loopback(True)
    one_bit_loopback(False)
    nullspace_loopback(True)
    nullspace_loopback(False)
    usrp_ota(True)
    usrp_ota(False)
    zmq_pair()
