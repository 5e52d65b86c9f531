/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/steering_reference.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(steering_reference.h)                                    */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/steering_reference.h>

void bind_steering_reference(py::module& m)
{
    using blk = gr::isac::steering_reference;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "steering_reference",
        R"doc(
c_t = g_T(tx_deg)^T x_t, the field radiated toward the DoD, g_T the module's
unit-norm steering vector (docs/conventions.md): the known reference of
doa_mle's "known" mode.
in0: vectors of n_tx; out0: one complex per snapshot. set_tx_deg() while running.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (input vlen); [1, 4096] (default 32)\n"
    "  tx_deg: direction of departure (deg); [-90, 90] (default 0.0) [settable]\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx") = 32,
             py::arg("tx_deg") = 0.0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_tx_deg", &gr::isac::steering_reference::set_tx_deg, py::arg("tx_deg"))
        .def("tx_deg", &gr::isac::steering_reference::tx_deg)
        // gen_params:end accessors
        // clang-format on
        ;
}
