/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/csi_feedback.h     */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(csi_feedback.h)                                            */
/* BINDTOOL_HEADER_FILE_HASH(0e0e8556af26e66f4a6cab5c8061b835) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/csi_feedback.h>

void bind_csi_feedback(py::module& m)
{
    using csi_feedback = gr::isac::csi_feedback;

    py::class_<csi_feedback, gr::block, gr::basic_block, std::shared_ptr<csi_feedback>>(
        m,
        "csi_feedback",
        R"doc(
The users' channel feedback as a message link with a delay and a quantiser.

Message in "row": user_receiver rows ({user, row, frame, frame_len, ...}).
Message out "csi": {H, rows, cols, offset} with offset = (frame + 1 +
delay_frames) frame_len; published when every user has a row, then when all
users reported the same frame and a row changed. Rows are quantised with
`bits` bits per real component (0 = none). Message out "stats": {posts,
offset, frame, quant_nmse}.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_users: users (rows of H); [1, 4096]\n"
    "  n_tx: transmit antennas (columns of H); [1, 4096]\n"
    "  delay_frames: feedback delay in frames; [0, 1048576] (default 2)\n"
    "  bits: bits per real component (0: no quantisation); [0, 24] (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&csi_feedback::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_users"),
             py::arg("n_tx"),
             py::arg("delay_frames") = 2,
             py::arg("bits") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("posts", &csi_feedback::posts)
        .def("first_offset", &csi_feedback::first_offset)
        .def("last_offset", &csi_feedback::last_offset)
        .def("channel", &csi_feedback::channel)
        .def("rows_received", &csi_feedback::rows_received)
        .def("rows_rejected", &csi_feedback::rows_rejected);
}
