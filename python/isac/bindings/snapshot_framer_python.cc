/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/snapshot_framer.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(snapshot_framer.h)                                       */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/snapshot_framer.h>

void bind_snapshot_framer(py::module& m)
{
    using blk = gr::isac::snapshot_framer;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "snapshot_framer",
        R"doc(
Packs x (in0, n_tx, from a precoder) and s (in1, n_users) into frames of
3 + n_users + n_tx complex values: header v1 (session, snapshot index, channel
epoch), s, x. Sends a HELLO frame every hello_ms while no snapshot flows (the
precoder waits for a channel), so the receiving side can publish its channel.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (input vlen); [1, 4096] (default 16)\n"
    "  n_users: users (frame payload); [1, 4096] (default 4)\n"
    "  hello_ms: HELLO period while no snapshot flows (ms); [10, 60000] (default 100)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx") = 16,
             py::arg("n_users") = 4,
             py::arg("hello_ms") = 100)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("session", &blk::session)
        .def("frames", &blk::frames)
        .def("hellos", &blk::hellos);
}
