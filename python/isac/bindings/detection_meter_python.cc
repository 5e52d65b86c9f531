/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/detection_meter.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(detection_meter.h)                                       */
/* BINDTOOL_HEADER_FILE_HASH(ac319f00449ef06bce72420d8b7e88b2) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/detection_meter.h>

void bind_detection_meter(py::module& m)
{
    using blk = gr::isac::detection_meter;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "detection_meter",
        R"doc(
Counts detections of a normalised statistic (|z|/kappa >= threshold). in0: the
float statistic; out0 (optional): the run's detection rate after each item
(run_detections() / run_count(): a GUI number shows the run since start()).
NaN/Inf statistics are never detections (nonfinite_count()); a negative one is no
decision (one_bit_rx_filter's -1 where nothing was transmitted), counted by
no_decision_count() alone. Items i count from 0 at each start(); the meter counts
those with i >= skip and (i - s + 1) % period == 0, s the CPI start: 0, then the
last isac_cpi tag on in0 (one_bit_rx_filter tags a mid-stream CPI restart); period =
cpi_len: one_bit_rx_filter's CPI ends. count(), detections(), rate(), mean_statistic() (of the finite
statistics), skip(), period(); their totals accumulate across restarts, and
run_count(), run_detections(), run_nonfinite_count(), run_no_decision_count()
are the counts since the last start(); run_counts() reads (run_detections,
run_count, run_no_decision_count, run_nonfinite_count) under one lock.
set_record_window(first, end, every=1) keeps the statistic of items first <= i <
end with (i + 1) % every == 0 (counted from each start()) for recorded(): a
bounded record, e.g. one decision per CPI. Set while running, it records the
window's items still to come; start() clears the record (the window stays).)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  threshold: a statistic >= threshold is a detection; (0, inf) (default 1.0)\n"
    "  skip: items not counted after each start(); [0, inf) (default 0)\n"
    "  period: counts only items i (from 0 at each start()) with (i - s + 1) % period == 0, s the CPI start: 0, then the item of the last isac_cpi tag on in0 (one_bit_rx_filter tags a CPI it restarts mid-stream): one_bit_rx_filter's CPI ends with period = cpi_len; [1, inf) (default 1)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("threshold") = 1.0,
             py::arg("skip") = 0,
             py::arg("period") = 1)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("count", &blk::count)
        .def("detections", &blk::detections)
        .def("rate", &blk::rate)
        .def("mean_statistic", &blk::mean_statistic)
        .def("nonfinite_count", &blk::nonfinite_count)
        .def("no_decision_count", &blk::no_decision_count)
        .def("run_count", &blk::run_count)
        .def("run_detections", &blk::run_detections)
        .def("run_nonfinite_count", &blk::run_nonfinite_count)
        .def("run_no_decision_count", &blk::run_no_decision_count)
        .def("run_counts", &blk::run_counts)
        .def("skip", &blk::skip)
        .def("period", &blk::period)
        .def("set_record_window",
             &blk::set_record_window,
             py::arg("first"),
             py::arg("end"),
             py::arg("every") = 1)
        .def("recorded", &blk::recorded);
}
