/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/frame_builder.h    */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(frame_builder.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/frame_builder.h>

void bind_frame_builder(py::module& m)
{
    using frame_builder = gr::isac::frame_builder;

    py::class_<frame_builder, gr::block, gr::basic_block, std::shared_ptr<frame_builder>>(
        m,
        "frame_builder",
        R"doc(
Puts the users' symbols into downlink frames: preamble (preamble_reps x
preamble_block), header (one block), orthogonal pilots (pilot_len), then
payload_len symbol vectors (docs/frame.md).

In/out: vectors of n_users symbols; out has frame_len items per payload_len in
(zeros at the known snapshots). Tags: "isac_frame" (dict with the frame
geometry and index) on each frame start, "isac_pilot" on the first pilot,
"isac_payload" on the first payload snapshot. A precoder downstream sends the
known transmit vectors there instead of precoding.

preamble_block = 0: max(16, 2 x the Hadamard order); pilot_len = 0: the
Hadamard order (n_tx rounded up to a power of two). Raises ValueError naming
the parameter on bad values.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_users: users (streams, input and output vlen); [1, 4096]\n"
    "  n_tx: transmit antennas (sizes the pilots); [1, 4096]\n"
    "  payload_len: payload snapshots per frame; [1, 1048576] (default 880)\n"
    "  preamble_block: preamble block length (0: default; else >= 16); [0, 8192] (default 0)\n"
    "  preamble_reps: preamble block repetitions; [2, 64] (default 3)\n"
    "  pilot_len: pilot snapshots (0: the Hadamard order; else a multiple of it); [0, 65536] (default 0)\n"
    "  frame_seed: seed of the frame's known symbols; [1, inf) (default 1)\n"
    "  guard_len: silent snapshots at the frame's end (the precoders send zeros there: the TDD uplink slot); 0: none; [0, 1048576] (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&frame_builder::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_users"),
             py::arg("n_tx"),
             py::arg("payload_len") = 880,
             py::arg("preamble_block") = 0,
             py::arg("preamble_reps") = 3,
             py::arg("pilot_len") = 0,
             py::arg("frame_seed") = 1,
             py::arg("guard_len") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("frame_len", &frame_builder::frame_len)
        .def("known_len", &frame_builder::known_len)
        .def("frames", &frame_builder::frames);
}
