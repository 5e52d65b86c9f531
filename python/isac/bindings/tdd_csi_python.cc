/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/tdd_csi.h          */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(tdd_csi.h)                                                 */
/* BINDTOOL_HEADER_FILE_HASH(f0ebdd877d03870d865127739ce93e9f) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/tdd_csi.h>

void bind_tdd_csi(py::module& m)
{
    using tdd_csi = gr::isac::tdd_csi;

    py::class_<tdd_csi,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<tdd_csi>>(
        m,
        "tdd_csi",
        R"doc(
TDD acquisition of the users' downlink channel: uplink pilots received on the
transmit array's own receive chains (n_tx complex inputs, radio_source role
"uplink") plus the reciprocity calibration kappa_n = t_n / r_n.

Message in "row": the reference user's downlink rows (user_receiver "row";
rows of other users are ignored): kappa_n = g_ref,n / h_n,ref. Message in
"kappa": {kappa: vector of n_tx} from an external calibration ({kappa: #f}
returns to the reference rows). Message out "csi": {H, rows, cols, offset},
offset = (floor(slot_end / frame_len) + 1 + delay_frames) frame_len, every
report_every frames. Message out "stats": {posts, offset, slots, bad_slots, nmse,
noise_var}.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (input streams, their TDD receive chains); [1, 4096]\n"
    "  n_users: users (rows of H); [1, 4096]\n"
    "  uplink_len: uplink pilot snapshots per slot (a multiple of n_users rounded up to a power of two; above n_users: the noise is estimated too) (snapshots); [2, 1048576] (default 32)\n"
    "  uplink_period: snapshots from one uplink slot to the next (snapshots); [uplink_len, 2^40] (default 1024)\n"
    "  uplink_offset: absolute index of the first slot (snapshots); [0, 2^40] (default 0)\n"
    "  pilot_seed: seed of the users' orthogonal uplink pilots (the radio's uplink_seed); [1, inf) (default 3)\n"
    "  ref_user: reference user whose reported downlink row calibrates reciprocity (-1: only a kappa message); [-1, n_users) (default 0)\n"
    "  memory: slots (and reference rows) averaged; [1, 1048576] (default 32)\n"
    "  frame_len: downlink frame length, the csi offset grid (0: the reference rows' frame_len) (snapshots); [0, 1048576] (default 0)\n"
    "  delay_frames: frames from the end of a slot's frame until the csi takes effect; [0, 1048576] (default 2)\n"
    "  user_scale: scale each user's row to the energy of its reported rows on \"row\" (a scalar report per user, CQI-like; only the norm of rows of users other than ref_user is used) (default False)\n"
    "  report_every: frames between publications (a new csi makes the CI precoder rebuild its table; user_receiver's report_every) (frames); [1, 1048576] (default 16)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&tdd_csi::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("uplink_len") = 32,
             py::arg("uplink_period") = 1024,
             py::arg("uplink_offset") = 0,
             py::arg("pilot_seed") = 3,
             py::arg("ref_user") = 0,
             py::arg("memory") = 32,
             py::arg("frame_len") = 0,
             py::arg("delay_frames") = 2,
             py::arg("user_scale") = false,
             py::arg("report_every") = 16)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("posts", &tdd_csi::posts)
        .def("first_offset", &tdd_csi::first_offset)
        .def("last_offset", &tdd_csi::last_offset)
        .def("channel", &tdd_csi::channel)
        .def("kappa", &tdd_csi::kappa)
        .def("slots", &tdd_csi::slots)
        .def("bad_slots", &tdd_csi::bad_slots)
        .def("rows_received", &tdd_csi::rows_received)
        .def("rows_rejected", &tdd_csi::rows_rejected);
}
