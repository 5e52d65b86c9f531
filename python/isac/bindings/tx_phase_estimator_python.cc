/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/tx_phase_estimator.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(tx_phase_estimator.h) */
/* BINDTOOL_HEADER_FILE_HASH(535aef9ee90373a146aceed1a7c7e50b) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/tx_phase_estimator.h>

void bind_tx_phase_estimator(py::module& m)
{
    using tx_phase_estimator = gr::isac::tx_phase_estimator;

    py::class_<tx_phase_estimator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<tx_phase_estimator>>(
        m,
        "tx_phase_estimator",
        R"doc(
Transmit-array phase calibration from one reference receiver: in0 = x as sent
to the radio (vectors of n_tx, after the corrector this block drives), in1 =
the reference receiver's samples (a loopback combiner channel with ref_deg = 0,
or a far-field receiver at ref_deg, e.g. a user's radio; its own CFO and timing
are fine). Publishes array_phase_estimator's cal dict ("phases_rad",
"weights" = exp(-j phases), "reverse_elements" = False, plus "gains_db", "lag",
"lag_score", "condition_db", "snapshots") on "cal" when valid; wire it to an
array_phase_corrector(n_tx) in front of the radio sink. Any message on
"recalibrate" starts over.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas; [1, 4096]\n"
    "  ref_deg: angle of the reference receiver (deg); [-90, 90] (default 0.0)\n"
    "  spacing: element spacing (wavelengths); (0, inf) (default 0.5)\n"
    "  max_lag: largest lag searched (samples); [0, 65536] (default 64)\n"
    "  n_avg: nonzero (radiated) snapshots per phase estimate; [block_len, 2^40] (default 16384)\n"
    "  block_len: LS block in snapshots (>= 2 n_tx and >= 6); (1, 1048576] (default 32)\n"
    "  continuous: keep estimating (false: one estimate, then restart()) (default False)\n"
    "  min_score: lag detection score; [0, inf) (default 12.0)\n"
    "  equalize_gains: equalise the chains' gains too (default True)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&tx_phase_estimator::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("ref_deg") = 0.0,
             py::arg("spacing") = 0.5,
             py::arg("max_lag") = 64,
             py::arg("n_avg") = 16384,
             py::arg("block_len") = 32,
             py::arg("continuous") = false,
             py::arg("min_score") = 12.0,
             py::arg("equalize_gains") = true)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("last_estimate", &tx_phase_estimator::last_estimate)
        .def("phases_rad", &tx_phase_estimator::phases_rad)
        .def("estimates", &tx_phase_estimator::estimates)
        .def("recalibrate", &tx_phase_estimator::recalibrate);
}
