/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/loop_delay_estimator.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(loop_delay_estimator.h) */
/* BINDTOOL_HEADER_FILE_HASH(cc96b74fd1dd5c1975c1c1d63efddc8e) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/loop_delay_estimator.h>

void bind_loop_delay_estimator(py::module& m)
{
    using loop_delay_estimator = gr::isac::loop_delay_estimator;

    py::class_<loop_delay_estimator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<loop_delay_estimator>>(
        m,
        "loop_delay_estimator",
        R"doc(
Estimates the Tx->Rx loop delay from in0 = x (vectors of n_tx, as sent) and
in1 = the echo (vectors of n_rx): lag of the largest correlation energy, then
the fraction from the correlation's phase slope. Posts {"delay", "integer",
"fractional", "peak_db", "valid", "snapshots", "offset"} on "delay" after
every n_avg snapshots until a valid estimate (or every n_avg when
continuous); wire it to fractional_delay's "delay" port. Any message on
"restart" starts over. Optional outputs: out0 = x delayed by "x_align",
out1 (needs out0) = the echo delayed by "echo_align", as two fractional_delay
blocks on those keys put them out; each valid estimate applies from the first
snapshot of the work() call that completed it (tag "isac_delay"), until then
x is delayed by initial_delay.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas; [1, 4096]\n"
    "  n_rx: receive antennas; [1, 4096]\n"
    "  max_delay: largest delay searched (samples); [4, 65536] (default 64)\n"
    "  n_avg: snapshots per estimate; [16, 2^40] (default 8192)\n"
    "  continuous: keep estimating (false: one estimate, then restart()) (default False)\n"
    "  min_peak_db: detection margin of the correlation peak (dB); [0, 100] (default 12.0)\n"
    "  initial_delay: with the outputs connected: the delay of x on out0 until the first valid estimate (the echo on out1: none) (samples); [0, max_delay] (default 0.0)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&loop_delay_estimator::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("max_delay") = 64,
             py::arg("n_avg") = 8192,
             py::arg("continuous") = false,
             py::arg("min_peak_db") = 12.0,
             py::arg("initial_delay") = 0.0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("last_estimate", &loop_delay_estimator::last_estimate)
        .def("delay", &loop_delay_estimator::delay)
        .def("estimates", &loop_delay_estimator::estimates)
        .def("valid_estimates", &loop_delay_estimator::valid_estimates)
        .def("restart", &loop_delay_estimator::restart);
}
