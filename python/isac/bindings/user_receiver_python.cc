/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/user_receiver.h    */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(user_receiver.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/user_receiver.h>

void bind_user_receiver(py::module& m)
{
    using user_receiver = gr::isac::user_receiver;

    py::class_<user_receiver, gr::block, gr::basic_block, std::shared_ptr<user_receiver>>(
        m,
        "user_receiver",
        R"doc(
One user's downlink receiver for frame_builder's frames (docs/user_receiver.md):
frame synchronisation by preamble correlation, fractional timing, CFO
estimation and tracking, LS/MMSE channel estimation from the orthogonal
pilots, common-phase tracking, M-PSK decisions and SER.

in0: the user's samples (complex). in1 (optional): the transmitted symbols,
vectors of n_users (element `user` is compared). out0: corrected payload
samples of the decoded frames. out1 (optional): running SER (float).
Message out "row" (the estimated row, to csi_feedback), "ser" (psk_ser_meter's
format {ser, ber, symbols} plus frames, missed, locked_frame), "stats" (per
frame: frame, start, timing, cfo, cfo_preamble, snr_db, noise_var, header,
decided, acquired). Message in "csi": the precoder's csi (exact phase
reference; optional).

The frame parameters must equal frame_builder's. ser(), ber(), errors(),
count(), reset() as psk_ser_meter (one user).)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (the frame, as frame_builder's); [1, 4096]\n"
    "  n_users: users (vector length of in1); [1, 4096]\n"
    "  user: this receiver's user index; [0, n_users)\n"
    "  psk_order: PSK order M; [2, 65536]\n"
    "  payload_len: payload snapshots per frame; [1, 1048576] (default 880)\n"
    "  preamble_block: preamble block length (0: default; else >= 16); [0, 8192] (default 0)\n"
    "  preamble_reps: preamble block repetitions; [2, 64] (default 3)\n"
    "  pilot_len: pilot snapshots (0: the Hadamard order; else a multiple of it); [0, 65536] (default 0)\n"
    "  frame_seed: seed of the frame's known symbols; [1, inf) (default 1)\n"
    "  power: the transmitter's E (pilot amplitude sqrt(E/(2 n_tx))); (0, inf) (default 1.0)\n"
    "  estimator: channel estimator; \"ls\", \"mmse\" (default \"ls\")\n"
    "  channel_var: MMSE prior variance per entry (0: estimated from the data); [0, inf) (default 0.0)\n"
    "  channel_corr: MMSE prior correlation r across antennas; [0, 1) (default 0.0)\n"
    "  csi_noise_var: report rows scaled so that this receiver's noise variance equals it (the precoder's noise_var; 0: as received); [0, inf) (default 0.0)\n"
    "  avg_frames: frames averaged (memory) before the first report; [1, 1048576] (default 8)\n"
    "  report_every: frames between reports (on the frame grid); [1, 1048576] (default 16)\n"
    "  sync_threshold: preamble detection threshold on |P|^2/(E1 E2); (0, 1) (default 0.15)\n"
    "  ser_every: symbols between \"ser\" messages (0: never); [0, 1073741824] (default 10000)\n"
    "  grid_offset: frame k starts near sample k frame_len + grid_offset of in0 (|grid_offset| <= frame_len; 0 in emulation and with the timed start of docs/ota.md) (samples); [-1048576, 1048576] (default 0)\n"
    "  pll_gain: decision-directed phase tracking loop gain (rad/rad); [0, 1] (default 0.01) [settable]\n"
    "  fll_gain: frame-to-frame frequency tracking loop gain (per frame); [0, 1] (default 0.25) [settable]\n"
    "  mismatch_margin_db: format check: a frame whose known-section fit lies further below the SNR its preamble shows is another frame format's (frame_seed, lengths) and is rejected, counted and logged (docs/user_receiver.md, format check); inf turns the check off (dB); (0, inf] (default 10.0)\n"
    "  mismatch_cap_db: format check: a fit at or above this SNR is always the transmitter's format (wrong formats fit at most ~11 dB; an IQ image or a clipping ADC caps a right format's fit while the preamble keeps rising) (dB); [0, 200] (default 13.0)\n"
    "  guard_len: silent snapshots at the frame's end (as frame_builder's; skipped); 0: none; [0, 1048576] (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&user_receiver::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("user"),
             py::arg("psk_order"),
             py::arg("payload_len") = 880,
             py::arg("preamble_block") = 0,
             py::arg("preamble_reps") = 3,
             py::arg("pilot_len") = 0,
             py::arg("frame_seed") = 1,
             py::arg("power") = 1.0,
             py::arg("estimator") = "ls",
             py::arg("channel_var") = 0.0,
             py::arg("channel_corr") = 0.0,
             py::arg("csi_noise_var") = 0.0,
             py::arg("avg_frames") = 8,
             py::arg("report_every") = 16,
             py::arg("sync_threshold") = 0.15,
             py::arg("ser_every") = 10000,
             py::arg("grid_offset") = 0,
             py::arg("pll_gain") = 0.01,
             py::arg("fll_gain") = 0.25,
             py::arg("mismatch_margin_db") = 10.0,
             py::arg("mismatch_cap_db") = 13.0,
             py::arg("guard_len") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_pll_gain", &gr::isac::user_receiver::set_pll_gain, py::arg("pll_gain"))
        .def("pll_gain", &gr::isac::user_receiver::pll_gain)
        .def("set_fll_gain", &gr::isac::user_receiver::set_fll_gain, py::arg("fll_gain"))
        .def("fll_gain", &gr::isac::user_receiver::fll_gain)
        // gen_params:end accessors
        // clang-format on
        .def("ser", &user_receiver::ser)
        .def("ber", &user_receiver::ber)
        .def("errors", &user_receiver::errors)
        .def("count", &user_receiver::count)
        .def("reset", &user_receiver::reset)
        .def("set_count_window",
             &user_receiver::set_count_window,
             py::arg("first"),
             py::arg("end") = 0)
        .def("locked", &user_receiver::locked)
        .def("cfo", &user_receiver::cfo)
        .def("frames", &user_receiver::frames)
        .def("missed", &user_receiver::missed)
        .def("acquisitions", &user_receiver::acquisitions)
        .def("locked_frame", &user_receiver::locked_frame)
        .def("first_report_frame", &user_receiver::first_report_frame)
        .def("last_row", &user_receiver::last_row)
        .def("last_stats", &user_receiver::last_stats)
        .def("nonfinite_count", &user_receiver::nonfinite_count)
        .def("ref_dropped", &user_receiver::ref_dropped)
        .def("ref_nonfinite", &user_receiver::ref_nonfinite)
        .def("format_mismatches", &user_receiver::format_mismatches)
        .def("csi_rejected", &user_receiver::csi_rejected)
        .def("set_loop_gains",
             &user_receiver::set_loop_gains,
             py::arg("pll_gain"),
             py::arg("fll_gain"));
}
