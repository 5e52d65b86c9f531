/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/beampattern_probe.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(beampattern_probe.h)                                     */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include "conventions_check.h"
#include <gnuradio/isac/beampattern_probe.h>

void bind_beampattern_probe(py::module& m)
{
    using blk = gr::isac::beampattern_probe;
    py::class_<blk,
               gr::sync_decimator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<blk>>(
        m,
        "beampattern_probe",
        R"doc(
Transmit beampattern of each frame: P(theta) = (1/L) sum_t |a(theta)^T x_t|^2 on
grid_min_deg:grid_step_deg:grid_max_deg (dB when db), the power radiated toward
theta. a: the module's unnormalised half-wavelength ULA vector
(docs/conventions.md); reverse_elements: stream channel k drives antenna n_tx-1-k. in: vectors of n_tx; out: one float vector
of n_grid() per frame_len snapshots. Raises ValueError naming the parameter
for a bad value or a grid whose table exceeds the memory limit.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (vlen); [1, 4096] (default 32)\n"
    "  frame_len: snapshots per pattern; [1, 16777216] (default 64)\n"
    "  grid_min_deg: first grid angle (deg); [-90, 90] (default -90.0)\n"
    "  grid_max_deg: last grid angle (deg); (grid_min_deg, 90] (default 90.0)\n"
    "  grid_step_deg: grid step (at most 1e6 grid points) (deg); (0, inf) (default 1.0)\n"
    "  reverse_elements: stream channel k drives antenna n_tx-1-k (default False)\n"
    "  db: output in dB (else linear power) (default True)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init([](int n_tx,
                         int frame_len,
                         double lo,
                         double hi,
                         double step,
                         py::object rev,
                         bool db,
                         py::kwargs kw) {
                 isac_bind::reject_removed("beampattern_probe", kw);
                 return blk::make(
                     n_tx,
                     frame_len,
                     lo,
                     hi,
                     step,
                     isac_bind::check_reverse_elements("beampattern_probe", rev),
                     db);
             }),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx") = 32,
             py::arg("frame_len") = 64,
             py::arg("grid_min_deg") = -90.0,
             py::arg("grid_max_deg") = 90.0,
             py::arg("grid_step_deg") = 1.0,
             py::arg("reverse_elements") = false,
             py::arg("db") = true)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("n_grid", &blk::n_grid)
        .def("grid_deg",
             [](const blk& b) {
                 const auto g = b.grid_deg();
                 return py::array_t<double>(g.size(), g.data());
             })
        .def_property_readonly(
            "grid",
            [](const blk& b) {
                const auto g = b.grid_deg();
                return py::array_t<double>(g.size(), g.data());
            },
            "The grid in degrees (numpy), as grid_deg().");
}
