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
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
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
               std::shared_ptr<tx_phase_estimator>>(m, "tx_phase_estimator", R"doc(
Transmit-array phase calibration from one reference receiver: in0 = x as sent
to the radio (vectors of n_tx, after the corrector this block drives), in1 =
the reference receiver's samples (a loopback combiner channel with ref_deg = 0,
or a far-field receiver at ref_deg, e.g. a user's radio; its own CFO and timing
are fine). Publishes array_phase_estimator's cal dict ("phases_rad",
"weights" = exp(-j phases), "reverse_elements" = False, plus "gains_db", "lag",
"lag_score", "condition_db", "snapshots") on "cal" when valid; wire it to an
array_phase_corrector(n_tx) in front of the radio sink. Any message on
"recalibrate" starts over.)doc")
        .def(py::init(&tx_phase_estimator::make),
             py::arg("n_tx"),
             py::arg("ref_deg") = 0.0,
             py::arg("spacing") = 0.5,
             py::arg("max_lag") = 64,
             py::arg("n_avg") = 16384,
             py::arg("block_len") = 32,
             py::arg("continuous") = false,
             py::arg("min_score") = 12.0,
             py::arg("equalize_gains") = true)
        .def("last_estimate", &tx_phase_estimator::last_estimate)
        .def("phases_rad", &tx_phase_estimator::phases_rad)
        .def("estimates", &tx_phase_estimator::estimates)
        .def("recalibrate", &tx_phase_estimator::recalibrate);
}
