/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/nullspace_precoder.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(nullspace_precoder.h)                                      */
/* BINDTOOL_HEADER_FILE_HASH(8dc56d8195aa0ba5d259d55850a68938) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include "channel_arg.h"
#include <gnuradio/isac/nullspace_precoder.h>

void bind_nullspace_precoder(py::module& m)
{
    using blk = gr::isac::nullspace_precoder;

    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "nullspace_precoder",
        R"doc(
Null-space superimposing (SD-ISAC) precoder (null-space paper): x = F s + P b.

in0: n_users symbols per item; in1 (sensing="external"): n_tx sensing samples,
projected onto the users' null space; out0: n_tx samples per item.
comm: "zf" | "mrt" (SINR power control at sinr_db, or equal powers summing to
comm_power > 0) | "minpower" (exact duality fixed point).
sensing: "beampattern" (MM-LineSearch toward rectangular beams) | "isl"
(Riemannian CG on the range ISL) | "external" | "none".
The channel comes from set_channel(H) (numpy n_users x n_tx) or the "csi"
message port; each change is designed on a background thread and switched in
at a frame boundary, tagged "isac_design" = design id. Per-design statistics
go to the "stats" port; design() returns the design in use (F, P, B, ...).

Raises ValueError for a bad parameter (named, with its allowed range).)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: antennas N; [2, 4096]\n"
    "  n_users: users K; [1, n_tx)\n"
    "  power: total power per snapshot P_t; (0, inf) [settable]\n"
    "  comm: communication precoder; \"zf\", \"mrt\", \"minpower\"\n"
    "  sinr_db: per-user SINR target (dB); [-200, 200] [settable]\n"
    "  noise_var: user noise variance; (0, inf)\n"
    "  sensing: sensing design in the null space; \"beampattern\", \"isl\", \"external\", \"none\"\n"
    "  targets_deg: target angles (non-empty for \"beampattern\") (deg); each in [-90, 90] [settable]\n"
    "  beam_width_deg: width of each rectangular beam (deg); (0, 180] [settable]\n"
    "  frame_len: L, columns of B (>= 2 for \"isl\"); [1, 65536]\n"
    "  comm_power: > 0: zf/mrt equal-power P_c instead of SINR control; [0, power] (default 0.0)\n"
    "  grid_step_deg: beampattern grid step (deg); [0.01, 10] (default 0.5)\n"
    "  isl_lags: largest ISL lag T (0: frame_len - 1); [0, frame_len) (default 0)\n"
    "  csi_error: CSI error tau_e; [0, 1] (default 0.0)\n"
    "  csi_weight: omega, weight of the CSI-error term; [0, 1] (default 1.0)\n"
    "  csi_corr: r of the transmit correlation r^|i-j|; [0, 1) (default 0.0)\n"
    "  sensing_beams: 0: full rank, -1: the sensing-rank bound, > 0: cap (beampattern); [-1, n_tx] (default 0)\n"
    "  max_iter: MM / RCG iteration cap; [0, 100000] (default 200)\n"
    "  max_seconds: work budget of one design (0: none); at its end the design keeps its current iterate, noted in the stats message (s); [0, 1000000] (default 30.0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("power"),
             py::arg("comm"),
             py::arg("sinr_db"),
             py::arg("noise_var"),
             py::arg("sensing"),
             py::arg("targets_deg"),
             py::arg("beam_width_deg"),
             py::arg("frame_len"),
             py::arg("comm_power") = 0.0,
             py::arg("grid_step_deg") = 0.5,
             py::arg("isl_lags") = 0,
             py::arg("csi_error") = 0.0,
             py::arg("csi_weight") = 1.0,
             py::arg("csi_corr") = 0.0,
             py::arg("sensing_beams") = 0,
             py::arg("max_iter") = 200,
             py::arg("max_seconds") = 30.0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_power", &gr::isac::nullspace_precoder::set_power, py::arg("power"))
        .def("set_sinr_db", &gr::isac::nullspace_precoder::set_sinr_db, py::arg("sinr_db"))
        .def("set_targets_deg", &gr::isac::nullspace_precoder::set_targets_deg, py::arg("targets_deg"))
        .def("set_beam_width_deg", &gr::isac::nullspace_precoder::set_beam_width_deg, py::arg("beam_width_deg"))
        // gen_params:end accessors
        // clang-format on
        .def(
            "set_channel",
            [](blk& b, const py::object& H) {
                b.set_channel(isac_bind::channel_matrix(H));
            },
            py::arg("H"),
            "H: 2-D array n_users x n_tx (numpy or a list of lists), y = H x + n.")
        .def("wait_design",
             &blk::wait_design,
             py::arg("timeout_s") = 10.0,
             py::call_guard<py::gil_scoped_release>(),
             "Block the calling Python thread until no redesign is pending.")
        .def("wait_designs",
             &blk::wait_designs,
             py::arg("count"),
             py::arg("timeout_s") = 10.0,
             py::call_guard<py::gil_scoped_release>(),
             "Block the calling Python thread until `count` designs have finished since "
             "start.")
        .def("designs_finished", &blk::designs_finished)
        .def("post_csi",
             &blk::post_csi,
             py::arg("msg"),
             "Handle a csi dict exactly as the 'csi' port does, synchronously.")
        .def("design_id", &blk::design_id)
        .def("design",
             &blk::design,
             "The design in use (gnuradio.isac.core.sdisac_design).")
        .def("last_design",
             &blk::last_design,
             "The most recent finished design, feasible or not.")
        .def("nonfinite_count", &blk::nonfinite_count)
        .def("dropped_design_count", &blk::dropped_design_count)
        .def("set_csi",
             &blk::set_csi,
             py::arg("csi_error"),
             py::arg("csi_weight"),
             py::arg("csi_corr"));
}
