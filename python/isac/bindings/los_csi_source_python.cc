/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/los_csi_source.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(los_csi_source.h)                                        */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/los_csi_source.h>

void bind_los_csi_source(py::module& m)
{
    using blk = gr::isac::los_csi_source;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "los_csi_source",
        R"doc(
Publishes the line-of-sight csi of users at user_deg (rows h_u^H = gain a(theta_u)^T)
on "csi" at start and whenever set_user_deg()/set_gain() changes it. channel()
returns the n_users x n_tx matrix.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas; [1, 4096] (default 16)\n"
    "  user_deg: one angle per user, at least one (deg); each in [-90, 90] (default [-30.0, 0.0, 30.0, 50.0]) [settable]\n"
    "  gain: channel amplitude; (0, inf) (default 1.0) [settable]\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx") = 16,
             py::arg("user_deg") = std::vector<double>{ -30.0, 0.0, 30.0, 50.0 },
             py::arg("gain") = 1.0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_user_deg", &gr::isac::los_csi_source::set_user_deg, py::arg("user_deg"))
        .def("user_deg", &gr::isac::los_csi_source::user_deg)
        .def("set_gain", &gr::isac::los_csi_source::set_gain, py::arg("gain"))
        .def("gain", &gr::isac::los_csi_source::gain)
        // gen_params:end accessors
        // clang-format on
        .def("channel", &blk::channel);
}
