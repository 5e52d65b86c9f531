/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/ci_precoder.h      */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(ci_precoder.h)                                             */
/* BINDTOOL_HEADER_FILE_HASH(b726aadfb5aa6b4194508dda7df96a2d) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include "channel_arg.h"
#include <gnuradio/isac/ci_precoder.h>

void bind_ci_precoder(py::module& m)
{
    using ci_precoder = gr::isac::ci_precoder;

    py::class_<ci_precoder,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<ci_precoder>>(
        m,
        "ci_precoder",
        R"doc(
Constructive-interference safe-margin symbol-level precoder for 1-bit DACs
(1-bit ISAC paper Sec. III-B, IV). In: vectors of n_users PSK symbols. Out: vectors of n_tx x.

mode "qos": max radar QSCNR s.t. every safe margin >= sqrt(Gamma noise_var).
mode "qod": max min safe margin s.t. QSCNR >= chi. dac "1bit" or "inf".
solver "realtime" (heuristic, certified gap), "quality" (more starts and searches),
"exact" (branch and bound), "lut" (per-channel table over all M^U symbol vectors,
built in the background) or "fast" (realtime from the target beam alone).
Channel through set_channel(H) (n_users x n_tx, y = H x + n) or the "csi" port
(dict H/rows/cols/offset/epoch). No output until a channel is known (the input
is held back: nothing is radiated); every accepted channel is announced on the
"channel" port (csi_gate opens on it). Channels queued for future offsets are
bounded by gnuradio.isac.set_queue_limit (oldest dropped, dropped_csi_count()).
Infeasible QoS
snapshots get the max-min margin design and an "isac_infeasible" tag. Stats
dict on the "stats" port every stats_interval vectors. set_target_deg, set_clutter,
set_snr_r_db, set_gamma_db, set_noise_var and set_solver change the design while
running (validated; from the next work() call, the current channel redesigned).
threads: threads designing vectors (0: all cores); the output does not depend on it.
radar_metric "theorem1" (the paper's QSCNR) or "exact": the design maximises the
exact arcsine-law deflection of the same receive filter, which charges it for the
clutter it lights (chi in its units; docs/ci_precoder.md).)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas N_T (output vlen); [n_users, 4096]\n"
    "  n_users: users U (input vlen); [1, 4096]\n"
    "  psk_order: PSK order M; [2, 65536]\n"
    "  power: transmit energy per vector E; (0, inf)\n"
    "  noise_var: users' noise variance sigma_C^2; (0, inf) [settable]\n"
    "  gamma_db: QoS SNR threshold Gamma (dB); [-200, 200] [settable]\n"
    "  target_deg: target angle theta_0 (deg); [-90, 90] [settable]\n"
    "  clutter_deg: clutter angles (may be empty) (deg); each in [-90, 90]\n"
    "  snr_r_db: target-to-noise ratio SNR_R = zeta_0^2/sigma_R^2 (dB); [-200, 200] [settable]\n"
    "  cnr_db: clutter-to-noise ratio zeta_q^2/sigma_R^2 per clutter angle (dB); each in [-200, 200]; length len(clutter_deg)\n"
    "  n_rx: radar receive antennas N_R of the receiver the design serves; [1, 4096]\n"
    "  mode: \"qos\": max QSCNR subject to the users' margin; \"qod\": max min margin subject to QSCNR >= chi; \"qos\", \"qod\" (default \"qos\")\n"
    "  chi_db: QoD radar requirement (QSCNR) (dB); [-200, 200] (default 10.0)\n"
    "  dac: 1-bit DAC or infinite resolution; \"1bit\", \"inf\" (default \"1bit\")\n"
    "  solver: realtime (heuristic; more starts at fewer antennas, so its speed depends on N_T: ~4k vectors per CPU s at N_T = 16, ~1.5k at 32, ~1k at 33-55, 5-7k at 56-63, ~25k from 64, docs/ci_precoder.md, Summary), quality (homotopy paths, slower), exact (branch and bound), lut (lookup table per channel), fast (realtime from the target beam alone: the same as realtime from N_T = 64, ~20x faster at 33-55 for 1-1.8 dB less QSCNR; pick it when realtime cannot keep up with the sample rate). From N_T = 64 realtime runs from the beam alone, trading QSCNR for speed (docs/ci_precoder_measurements.md, Between the family's array sizes); choose quality when that loss matters; \"realtime\", \"quality\", \"exact\", \"lut\", \"fast\" (default \"realtime\") [settable]\n"
    "  max_iter: MM iterations per snapshot and start; [1, 1000] (default 10)\n"
    "  stats_interval: vectors between two stats messages; [1, 1073741824] (default 1000)\n"
    "  threads: threads designing vectors and building tables; 0: all cores (the output does not depend on it); [0, 1024] (default 0)\n"
    "  radar_metric: radar objective: Theorem 1's QSCNR (the paper's) or the exact 1-bit deflection; \"theorem1\", \"exact\" (default \"theorem1\")\n"
    "  tag_infeasible: tag each vector that misses the QoS margin \"isac_infeasible\" (false: none; infeasible_count() and the stats count them either way) (default True)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&ci_precoder::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("psk_order"),
             py::arg("power"),
             py::arg("noise_var"),
             py::arg("gamma_db"),
             py::arg("target_deg"),
             py::arg("clutter_deg"),
             py::arg("snr_r_db"),
             py::arg("cnr_db"),
             py::arg("n_rx"),
             py::arg("mode") = "qos",
             py::arg("chi_db") = 10.0,
             py::arg("dac") = "1bit",
             py::arg("solver") = "realtime",
             py::arg("max_iter") = 10,
             py::arg("stats_interval") = 1000,
             py::arg("threads") = 0,
             py::arg("radar_metric") = "theorem1",
             py::arg("tag_infeasible") = true)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_noise_var", &gr::isac::ci_precoder::set_noise_var, py::arg("noise_var"))
        .def("noise_var", &gr::isac::ci_precoder::noise_var)
        .def("set_gamma_db", &gr::isac::ci_precoder::set_gamma_db, py::arg("gamma_db"))
        .def("gamma_db", &gr::isac::ci_precoder::gamma_db)
        .def("set_target_deg", &gr::isac::ci_precoder::set_target_deg, py::arg("target_deg"))
        .def("target_deg", &gr::isac::ci_precoder::target_deg)
        .def("clutter_deg", &gr::isac::ci_precoder::clutter_deg)
        .def("set_snr_r_db", &gr::isac::ci_precoder::set_snr_r_db, py::arg("snr_r_db"))
        .def("snr_r_db", &gr::isac::ci_precoder::snr_r_db)
        .def("cnr_db", &gr::isac::ci_precoder::cnr_db)
        .def("set_solver", &gr::isac::ci_precoder::set_solver, py::arg("solver"))
        .def("solver", &gr::isac::ci_precoder::solver)
        .def("threads", &gr::isac::ci_precoder::threads)
        .def("tag_infeasible", &gr::isac::ci_precoder::tag_infeasible)
        // gen_params:end accessors
        // clang-format on
        .def(
            "set_channel",
            [](ci_precoder& b, const py::object& H) {
                const Eigen::MatrixXcd M = isac_bind::channel_matrix(H);
                std::vector<std::vector<gr_complex>> rows(M.rows());
                for (long u = 0; u < M.rows(); ++u)
                    for (long n = 0; n < M.cols(); ++n)
                        rows[u].push_back(gr_complex(M(u, n)));
                b.set_channel(rows);
            },
            py::arg("H"),
            "H: 2-D array n_users x n_tx (numpy or a list of lists), y = H x + n.")
        .def("has_channel", &ci_precoder::has_channel)
        .def("channel_in_use", &ci_precoder::channel_in_use)
        .def("lut_ready", &ci_precoder::lut_ready)
        .def("last_stats", &ci_precoder::last_stats)
        .def("infeasible_count", &ci_precoder::infeasible_count)
        .def("bad_symbol_count", &ci_precoder::bad_symbol_count)
        .def("dropped_csi_count", &ci_precoder::dropped_csi_count)
        .def("channel_epoch", &ci_precoder::channel_epoch)
        .def("set_clutter",
             &ci_precoder::set_clutter,
             py::arg("clutter_deg"),
             py::arg("cnr_db"));
}
