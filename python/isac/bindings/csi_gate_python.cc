/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/csi_gate.h       */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(csi_gate.h)                                              */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/csi_gate.h>

void bind_csi_gate(py::module& m)
{
    using blk = gr::isac::csi_gate;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "csi_gate",
        R"doc(
Holds a vector stream back until a precoder has accepted a channel.

in/out: vectors of vlen complex, passed unchanged once open (nothing dropped).
Message in "channel": wire a precoder's "channel" port here (ci_precoder,
nullspace_precoder, one_bit_isac_tx). Opens on {"accepted": #t}; a raw csi or
anything else is ignored with a warning (ignored_count()): the gate never parses
a csi, so a csi the precoder rejected cannot open it. Stays open across
restarts; finishes without output when its input ends while closed.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  vlen: vector length; [1, 1048576] (default 4)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("vlen") = 4)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("is_open", &blk::is_open)
        .def("ignored_count", &blk::ignored_count);
}
