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
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/nullspace_precoder.h>

void bind_nullspace_precoder(py::module& m)
{
    using blk = gr::isac::nullspace_precoder;

    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m, "nullspace_precoder", R"doc(
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

Raises ValueError for a bad parameter (named, with its allowed range).)doc")

        .def(py::init(&blk::make),
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
        .def("set_channel", &blk::set_channel, py::arg("H"))
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
        .def("set_power", &blk::set_power, py::arg("power"))
        .def("set_sinr_db", &blk::set_sinr_db, py::arg("sinr_db"))
        .def("set_targets_deg", &blk::set_targets_deg, py::arg("targets_deg"))
        .def("set_beam_width_deg", &blk::set_beam_width_deg, py::arg("beam_width_deg"))
        .def("set_csi",
             &blk::set_csi,
             py::arg("csi_error"),
             py::arg("csi_weight"),
             py::arg("csi_corr"));
}
