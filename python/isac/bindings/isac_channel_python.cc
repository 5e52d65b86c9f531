/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/isac_channel.h     */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(isac_channel.h)                                            */
/* BINDTOOL_HEADER_FILE_HASH(4ffe9c77bf1319511354d4ac69425e79) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/isac_channel.h>

void bind_isac_channel(py::module& m)
{
    using isac_channel = gr::isac::isac_channel;

    py::class_<isac_channel,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<isac_channel>>(
        m,
        "isac_channel",
        R"doc(
MIMO ISAC channel simulator (1-bit ISAC paper Sec. II, eq. (2); bistatic CRB paper Sec. II).

Input: vectors of n_tx (snapshot x). out0: vectors of n_users,
y = H x + n (rows of H are h_u^H). out1: vectors of n_rx, the radar echo:
monostatic r = sum_q gamma_q g_R(theta_q) g_T(theta_q)^T x + n_R, bistatic
r = beta g_R(rx_deg) g_T(tx_deg)^T x + n_R, with the module's unit-norm steering
vectors (docs/conventions.md). target_snr_db and cnr_db are target- and
clutter-to-noise ratios |gamma|^2/sigma_R^2 of this unit-norm model.

Message ports: csi (out) {"H","rows","cols","offset"}; truth (out) gains and
angles per CPI; set (in) dict with keys user_deg, comm_noise_var, rician_k_db,
target_deg, tx_deg, rx_deg, target_snr_db, clutter_deg, cnr_db,
radar_noise_var. Tag "isac_cpi" (CPI index) on out1 at each CPI start.

Raises ValueError for sizes < 1, unknown model names, list lengths that do not
match (user_deg vs n_users, cnr_db vs clutter_deg, comm_noise_var 1 or
n_users), angles outside [-90, 90] and non-finite values.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (input vlen); [1, 4096]\n"
    "  n_users: users (out0 vlen); [1, 4096]\n"
    "  n_rx: radar receive antennas (out1 vlen); [1, 4096]\n"
    "  comm_model: users' channel model; \"rayleigh\", \"los\", \"rician\" (default \"rayleigh\")\n"
    "  user_deg: user angles (needed for los/rician) (deg); each in [-90, 90] (default []) [settable]\n"
    "  comm_noise_var: sigma_C^2: one value or one per user; each in [0, inf); length 1 or n_users (default [0.316]) [settable]\n"
    "  rician_k_db: Rician K factor (dB); [-200, 200] (default 10.0) [settable]\n"
    "  coherence: snapshots per channel draw, 0 = static; [0, 2^62] (default 0)\n"
    "  seed: 0 = random, otherwise deterministic; [0, inf) (default 0)\n"
    "  geometry: radar geometry; \"monostatic\", \"bistatic\" (default \"monostatic\")\n"
    "  target_deg: monostatic target angle (deg); [-90, 90] (default 10.0) [settable]\n"
    "  tx_deg: bistatic DoD from the transmitter (deg); [-90, 90] (default 0.0) [settable]\n"
    "  rx_deg: bistatic DoA at the sensing receiver (deg); [-90, 90] (default 0.0) [settable]\n"
    "  target_snr_db: target-to-noise ratio zeta_0^2/sigma_R^2 (unit-norm steering; docs/conventions.md) (dB); [-200, 200] (default 15.0) [settable]\n"
    "  clutter_deg: clutter angles (monostatic) (deg); each in [-90, 90] (default [-50.0, 30.0]) [settable]\n"
    "  cnr_db: clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg) (default [30.0, 30.0]) [settable]\n"
    "  radar_noise_var: sigma_R^2; (0, inf) (default 1.0) [settable]\n"
    "  gain_model: target/clutter gains: redrawn per CPI (swerling1) or fixed; \"swerling1\", \"fixed\" (default \"swerling1\")\n"
    "  cpi_len: snapshots per CPI (gain redraw); [1, 2^62] (default 64)\n"
    "  target_delay: target echo delay in snapshots; [0, 1048576] (default 0)\n"
    "  csi_lead: publish each draw's csi this many snapshots before its offset, so a precoder upstream has H in time (at most 65536 draws ahead); [0, inf) (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&isac_channel::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("n_rx"),
             py::arg("comm_model") = "rayleigh",
             py::arg("user_deg") = std::vector<double>{},
             py::arg("comm_noise_var") = std::vector<double>{ 0.316 },
             py::arg("rician_k_db") = 10.0,
             py::arg("coherence") = 0,
             py::arg("seed") = 0,
             py::arg("geometry") = "monostatic",
             py::arg("target_deg") = 10.0,
             py::arg("tx_deg") = 0.0,
             py::arg("rx_deg") = 0.0,
             py::arg("target_snr_db") = 15.0,
             py::arg("clutter_deg") = std::vector<double>{ -50.0, 30.0 },
             py::arg("cnr_db") = std::vector<double>{ 30.0, 30.0 },
             py::arg("radar_noise_var") = 1.0,
             py::arg("gain_model") = "swerling1",
             py::arg("cpi_len") = 64,
             py::arg("target_delay") = 0,
             py::arg("csi_lead") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_user_deg", &gr::isac::isac_channel::set_user_deg, py::arg("user_deg"))
        .def("user_deg", &gr::isac::isac_channel::user_deg)
        .def("set_comm_noise_var", &gr::isac::isac_channel::set_comm_noise_var, py::arg("comm_noise_var"))
        .def("comm_noise_var", &gr::isac::isac_channel::comm_noise_var)
        .def("set_rician_k_db", &gr::isac::isac_channel::set_rician_k_db, py::arg("rician_k_db"))
        .def("rician_k_db", &gr::isac::isac_channel::rician_k_db)
        .def("set_target_deg", &gr::isac::isac_channel::set_target_deg, py::arg("target_deg"))
        .def("target_deg", &gr::isac::isac_channel::target_deg)
        .def("set_tx_deg", &gr::isac::isac_channel::set_tx_deg, py::arg("tx_deg"))
        .def("tx_deg", &gr::isac::isac_channel::tx_deg)
        .def("set_rx_deg", &gr::isac::isac_channel::set_rx_deg, py::arg("rx_deg"))
        .def("rx_deg", &gr::isac::isac_channel::rx_deg)
        .def("set_target_snr_db", &gr::isac::isac_channel::set_target_snr_db, py::arg("target_snr_db"))
        .def("target_snr_db", &gr::isac::isac_channel::target_snr_db)
        .def("set_clutter_deg", &gr::isac::isac_channel::set_clutter_deg, py::arg("clutter_deg"))
        .def("clutter_deg", &gr::isac::isac_channel::clutter_deg)
        .def("set_cnr_db", &gr::isac::isac_channel::set_cnr_db, py::arg("cnr_db"))
        .def("cnr_db", &gr::isac::isac_channel::cnr_db)
        .def("set_radar_noise_var", &gr::isac::isac_channel::set_radar_noise_var, py::arg("radar_noise_var"))
        .def("radar_noise_var", &gr::isac::isac_channel::radar_noise_var)
        // gen_params:end accessors
        // clang-format on
        .def("set_clutter",
             &isac_channel::set_clutter,
             py::arg("clutter_deg"),
             py::arg("cnr_db"))
        .def("channel", &isac_channel::channel, "Current H, row-major n_users x n_tx.")
        .def("gains",
             &isac_channel::gains,
             "Current [gamma_0..gamma_Q] (bistatic [beta]).")
        .def("seed_used", &isac_channel::seed_used)
        .def("nonfinite_count", &isac_channel::nonfinite_count);
}
