/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/snapshot_deframer.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(snapshot_deframer.h)                                     */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/snapshot_deframer.h>

void bind_snapshot_deframer(py::module& m)
{
    using blk = gr::isac::snapshot_deframer;
    py::class_<blk, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "snapshot_deframer",
        R"doc(
Unpacks snapshot_framer frames: out0 x (n_tx), out1 s (n_users), always aligned;
HELLO and malformed frames produce nothing. Tags "isac_snap" {session, index,
epoch} at new sessions, gaps and epoch changes; message "peer" {event: hello |
session | gap, ...} (wire it to isac_channel "resync").)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (output vlen); [1, 4096] (default 16)\n"
    "  n_users: users (frame payload); [1, 4096] (default 4)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx") = 16,
             py::arg("n_users") = 4)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("frames", &blk::frames)
        .def("hellos", &blk::hellos)
        .def("sessions", &blk::sessions)
        .def("gaps", &blk::gaps)
        .def("lost", &blk::lost)
        .def("bad_frames", &blk::bad_frames)
        .def("session", &blk::session);
}
