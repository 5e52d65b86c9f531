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
        m, "los_csi_source", R"doc(
Publishes the line-of-sight csi of users at user_deg (rows h_u^H = gain a(theta_u)^T)
on "csi" at start and whenever set_user_deg()/set_gain() changes it. channel()
returns the n_users x n_tx matrix.)doc")
        .def(py::init(&blk::make),
             py::arg("n_tx") = 16,
             py::arg("user_deg") = std::vector<double>{ -30.0, 0.0, 30.0, 50.0 },
             py::arg("gain") = 1.0)
        .def("channel", &blk::channel)
        .def("set_user_deg", &blk::set_user_deg, py::arg("user_deg"))
        .def("set_gain", &blk::set_gain, py::arg("gain"))
        .def("user_deg", &blk::user_deg)
        .def("gain", &blk::gain);
}
