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
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/ci_precoder.h>

void bind_ci_precoder(py::module& m)
{
    using ci_precoder = gr::isac::ci_precoder;

    py::class_<ci_precoder,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<ci_precoder>>(m, "ci_precoder", R"doc(
Constructive-interference safe-margin symbol-level precoder for 1-bit DACs
(1-bit ISAC paper Sec. III-B, IV). In: vectors of n_users PSK symbols. Out: vectors of n_tx x.

mode "qos": max radar QSCNR s.t. every safe margin >= sqrt(Gamma noise_var).
mode "qod": max min safe margin s.t. QSCNR >= chi. dac "1bit" or "inf".
solver "realtime" (heuristic, certified gap), "quality" (more starts and searches),
"exact" (branch and bound) or "lut" (per-channel table over all M^U symbol vectors,
built in the background).
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
clutter it lights (chi in its units; docs/ci_precoder.md).)doc")
        .def(py::init(&ci_precoder::make),
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
             py::arg("chi_db") = 10.0f,
             py::arg("dac") = "1bit",
             py::arg("solver") = "realtime",
             py::arg("max_iter") = 10,
             py::arg("stats_interval") = 1000,
             py::arg("threads") = 0,
             py::arg("radar_metric") = "theorem1")
        .def("set_channel", &ci_precoder::set_channel, py::arg("H"))
        .def("has_channel", &ci_precoder::has_channel)
        .def("lut_ready", &ci_precoder::lut_ready)
        .def("last_stats", &ci_precoder::last_stats)
        .def("infeasible_count", &ci_precoder::infeasible_count)
        .def("bad_symbol_count", &ci_precoder::bad_symbol_count)
        .def("dropped_csi_count", &ci_precoder::dropped_csi_count)
        .def("channel_epoch", &ci_precoder::channel_epoch)
        .def("threads", &ci_precoder::threads)
        .def("set_target_deg", &ci_precoder::set_target_deg, py::arg("target_deg"))
        .def("set_clutter",
             &ci_precoder::set_clutter,
             py::arg("clutter_deg"),
             py::arg("cnr_db"))
        .def("set_snr_r_db", &ci_precoder::set_snr_r_db, py::arg("snr_r_db"))
        .def("set_gamma_db", &ci_precoder::set_gamma_db, py::arg("gamma_db"))
        .def("set_noise_var", &ci_precoder::set_noise_var, py::arg("noise_var"))
        .def("set_solver", &ci_precoder::set_solver, py::arg("solver"))
        .def("target_deg", &ci_precoder::target_deg)
        .def("clutter_deg", &ci_precoder::clutter_deg)
        .def("cnr_db", &ci_precoder::cnr_db)
        .def("snr_r_db", &ci_precoder::snr_r_db)
        .def("gamma_db", &ci_precoder::gamma_db)
        .def("noise_var", &ci_precoder::noise_var)
        .def("solver", &ci_precoder::solver);
}
