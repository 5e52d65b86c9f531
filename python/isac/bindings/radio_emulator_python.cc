/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/radio_emulator.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(radio_emulator.h) */
/* BINDTOOL_HEADER_FILE_HASH(a5c9ec999d6c2478cba8ca4ec43a032c) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/radio_emulator.h>

void bind_radio_emulator(py::module& m)
{
    using radio_emulator = gr::isac::radio_emulator;
    namespace core = gr::isac::core;

    py::class_<radio_emulator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<radio_emulator>>(
        m,
        "radio_emulator",
        R"doc(
The emulated radio front-end and room of an over-the-air flowgraph
(core.frontend_emulator), one complex stream per radio channel: inputs 0..n_tx-1
(to the transmit radio), outputs 0..n_rx-1 (+1 with loopback: the coupler
channel) from the sensing radio, then n_users outputs from the users' radios. Use it through radio_sink/radio_source with
radio = "emulated"; impairments is "none", "typical", "harsh" or a
core.impairment_profile (docs/ota.md). target_coherence: 0 static target, > 0
Swerling 1 redrawn every that many snapshots (clutter is static). pilot_len: receive calibration pilot on
for that many snapshots (0 always, < 0 off). pace holds the stream to samp_rate.

Truth getters (radians, row-major matrices) report what was drawn.
Raises ValueError naming the parameter for any value out of range.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (inputs); [1, 4096]\n"
    "  n_rx: sensing receive antennas (outputs, +1 with loopback); [1, 4096]\n"
    "  n_users: users (one output each, after the sensing outputs); [1, 4096]\n"
    "  samp_rate: sample rate (converts ppm CFOs and drift times) (Hz); (0, inf) (default 1000000.0)\n"
    "  center_freq: carrier frequency (Hz); (0, inf) (default 2450000000.0)\n"
    "  user_deg: user angles (n_users values for \"los\" and \"rician\") (deg); each in [-90, 90] (default [])\n"
    "  comm_model: users' channel (one static draw); \"los\", \"rician\", \"rayleigh\" (default \"los\")\n"
    "  user_gain: LoS amplitude of every user's channel; (0, inf) (default 1.0)\n"
    "  rician_k_db: K factor for \"rician\" (dB); [-200, 200] (default 10.0)\n"
    "  comm_noise_var: users' receiver noise variance (the SNR reference); (0, inf) (default 0.1)\n"
    "  target_deg: monostatic target angle (deg); [-90, 90] (default 0.0)\n"
    "  target_snr_db: target-to-noise ratio zeta_0^2/radar_noise_var (unit-norm steering, as isac_channel; docs/conventions.md) (dB); [-200, 200] (default 15.0)\n"
    "  clutter_deg: static clutter angles (random phases) (deg); each in [-90, 90] (default [])\n"
    "  cnr_db: clutter-to-noise ratio of each clutter angle (dB); each in [-200, 200]; length len(clutter_deg) (default [])\n"
    "  radar_noise_var: sensing receivers' noise variance; (0, inf) (default 1.0)\n"
    "  target_coherence: 0: static target gain; > 0: Swerling 1, a new CN(0, zeta_0^2) gain every that many snapshots; [0, 2^40] (default 0)\n"
    "  pilot_deg: angle of the receive-calibration pilot (deg); [-90, 90] (default 0.0)\n"
    "  pilot_snr_db: per-antenna SNR of the pilot (dB); [-200, 200] (default 20.0)\n"
    "  pilot_freq: pilot CW tone frequency (cycles per sample); (-0.5, 0.5) (default 0.0625)\n"
    "  pilot_len: the pilot is on for the first pilot_len snapshots (0: always, < 0: no pilot) (default -1)\n"
    "  loopback: add the coupler channel (Tx calibration through a combiner) (default False)\n"
    "  loopback_snr_db: coupler output SNR for a unit-power transmit vector (dB); [-200, 200] (default 30.0)\n"
    "  impairments: impairment profile (docs/ota.md); Python also takes a core.impairment_profile; \"none\", \"typical\", \"harsh\" (default \"typical\")\n"
    "  seed: 0: random; [0, inf) (default 0)\n"
    "  pace: hold the stream to samp_rate in real time (default False) [settable]\n"
    "  uplink_len: TDD uplink pilot snapshots per slot (0: no uplink; else n_tx more outputs, the array's own receive chains); [0, 1048576] (default 0)\n"
    "  uplink_period: snapshots from one uplink slot to the next (slots start at multiples of it plus uplink_offset); [1, 2^40] (default 1024)\n"
    "  uplink_snr_db: per-antenna SNR of one user's uplink pilot at the array (|h| = user_gain) (dB); [-200, 200] (default 20.0)\n"
    "  uplink_seed: seed of the uplink pilots (core.orthogonal_pilots; tdd_csi's pilot_seed); [1, inf) (default 3)\n"
    "  vector_ports: true: one port of n_tx-vectors in, the sensing channels as one port of n_sense_out()-vectors out (and the uplink as one of n_tx-vectors); the users stay one stream each (default False)\n"
    "  uplink_offset: first uplink slot (slots at k uplink_period + uplink_offset of the array's receive snapshots; TDD frames: inside their guard, docs/ota.md); [0, uplink_period) (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init([](int n_tx,
                         int n_rx,
                         int n_users,
                         double samp_rate,
                         double center_freq,
                         const std::vector<double>& user_deg,
                         const std::string& comm_model,
                         double user_gain,
                         double rician_k_db,
                         double comm_noise_var,
                         double target_deg,
                         double target_snr_db,
                         const std::vector<double>& clutter_deg,
                         const std::vector<double>& cnr_db,
                         double radar_noise_var,
                         int64_t target_coherence,
                         double pilot_deg,
                         double pilot_snr_db,
                         double pilot_freq,
                         int64_t pilot_len,
                         bool loopback,
                         double loopback_snr_db,
                         py::object impairments,
                         int64_t seed,
                         bool pace,
                         int uplink_len,
                         int64_t uplink_period,
                         double uplink_snr_db,
                         int64_t uplink_seed,
                         bool vector_ports,
                         int64_t uplink_offset) {
                 const bool named = py::isinstance<py::str>(impairments);
                 auto blk = radio_emulator::make(n_tx,
                                                 n_rx,
                                                 n_users,
                                                 samp_rate,
                                                 center_freq,
                                                 user_deg,
                                                 comm_model,
                                                 user_gain,
                                                 rician_k_db,
                                                 comm_noise_var,
                                                 target_deg,
                                                 target_snr_db,
                                                 clutter_deg,
                                                 cnr_db,
                                                 radar_noise_var,
                                                 target_coherence,
                                                 pilot_deg,
                                                 pilot_snr_db,
                                                 pilot_freq,
                                                 pilot_len,
                                                 loopback,
                                                 loopback_snr_db,
                                                 named ? impairments.cast<std::string>()
                                                       : std::string("none"),
                                                 seed,
                                                 pace,
                                                 uplink_len,
                                                 uplink_period,
                                                 uplink_snr_db,
                                                 uplink_seed,
                                                 vector_ports,
                                                 uplink_offset);
                 if (named)
                     return blk;
                 // a custom profile: the same parameters with these ranges
                 core::frontend_params p;
                 p.n_tx = n_tx;
                 p.n_rx = n_rx;
                 p.n_users = n_users;
                 p.samp_rate = samp_rate;
                 p.center_freq = center_freq;
                 p.users = core::parse_comm_model(comm_model);
                 for (double d : user_deg)
                     p.user_rad.push_back(core::deg2rad(d));
                 p.user_gain = user_gain;
                 p.rician_k_db = rician_k_db;
                 p.comm_noise_var = comm_noise_var;
                 p.target_rad = core::deg2rad(target_deg);
                 p.target_snr_db = target_snr_db;
                 for (double d : clutter_deg)
                     p.clutter_rad.push_back(core::deg2rad(d));
                 p.cnr_db = cnr_db;
                 p.radar_noise_var = radar_noise_var;
                 p.target_coherence = long(target_coherence);
                 p.pilot_rad = core::deg2rad(pilot_deg);
                 if (pilot_len >= 0) {
                     p.pilot_snr_db = pilot_snr_db;
                     p.pilot_len = uint64_t(pilot_len);
                 }
                 p.pilot_freq = pilot_freq;
                 p.loopback = loopback;
                 p.loopback_snr_db = loopback_snr_db;
                 p.imp = impairments.cast<core::impairment_profile>();
                 p.seed = uint64_t(seed);
                 p.uplink_len = uplink_len;
                 p.uplink_period = uint64_t(uplink_period);
                 p.uplink_snr_db = uplink_snr_db;
                 p.uplink_seed = uint64_t(uplink_seed);
                 p.uplink_offset = uint64_t(uplink_offset);
                 return radio_emulator::make_with_profile(p, pace, vector_ports);
             }),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("n_users"),
             py::arg("samp_rate") = 1000000.0,
             py::arg("center_freq") = 2450000000.0,
             py::arg("user_deg") = std::vector<double>{},
             py::arg("comm_model") = "los",
             py::arg("user_gain") = 1.0,
             py::arg("rician_k_db") = 10.0,
             py::arg("comm_noise_var") = 0.1,
             py::arg("target_deg") = 0.0,
             py::arg("target_snr_db") = 15.0,
             py::arg("clutter_deg") = std::vector<double>{},
             py::arg("cnr_db") = std::vector<double>{},
             py::arg("radar_noise_var") = 1.0,
             py::arg("target_coherence") = 0,
             py::arg("pilot_deg") = 0.0,
             py::arg("pilot_snr_db") = 20.0,
             py::arg("pilot_freq") = 0.0625,
             py::arg("pilot_len") = -1,
             py::arg("loopback") = false,
             py::arg("loopback_snr_db") = 30.0,
             py::arg("impairments") = "typical",
             py::arg("seed") = 0,
             py::arg("pace") = false,
             py::arg("uplink_len") = 0,
             py::arg("uplink_period") = 1024,
             py::arg("uplink_snr_db") = 20.0,
             py::arg("uplink_seed") = 3,
             py::arg("vector_ports") = false,
             py::arg("uplink_offset") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_pace", &gr::isac::radio_emulator::set_pace, py::arg("pace"))
        .def("pace", &gr::isac::radio_emulator::pace)
        // gen_params:end accessors
        // clang-format on
        .def("impairments", &radio_emulator::impairments)
        .def("profile", &radio_emulator::profile)
        .def("seed_used", &radio_emulator::seed_used)
        .def("position", &radio_emulator::position)
        .def("n_sense_out", &radio_emulator::n_sense_out)
        .def("loop_delay", &radio_emulator::loop_delay)
        .def("tx_phases_rad", &radio_emulator::tx_phases_rad)
        .def("rx_phases_rad", &radio_emulator::rx_phases_rad)
        .def("tx_phases_rad_over",
             &radio_emulator::tx_phases_rad_over,
             py::arg("first"),
             py::arg("last"))
        .def("rx_phases_rad_over",
             &radio_emulator::rx_phases_rad_over,
             py::arg("first"),
             py::arg("last"))
        .def("tx_gains", &radio_emulator::tx_gains)
        .def("rx_gains", &radio_emulator::rx_gains)
        .def("user_gains", &radio_emulator::user_gains)
        .def("user_cfo", &radio_emulator::user_cfo)
        .def("user_delay", &radio_emulator::user_delay)
        .def("rx_cfo", &radio_emulator::rx_cfo)
        .def("rx_delay", &radio_emulator::rx_delay)
        .def("channel", &radio_emulator::channel)
        .def("channel_effective", &radio_emulator::channel_effective)
        .def("echo_matrix", &radio_emulator::echo_matrix)
        .def("echo_gains", &radio_emulator::echo_gains)
        .def("rx_clipped", &radio_emulator::rx_clipped)
        .def("user_clipped", &radio_emulator::user_clipped)
        .def("tx_clipped", &radio_emulator::tx_clipped)
        .def("nonfinite_count", &radio_emulator::nonfinite_count)
        .def("uplink_channel", &radio_emulator::uplink_channel)
        .def("uplink_collisions", &radio_emulator::uplink_collisions)
        .def("channel_reported", &radio_emulator::channel_reported);
}
