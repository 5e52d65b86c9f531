/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/array_phase_estimator.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(array_phase_estimator.h)                                 */
/* BINDTOOL_HEADER_FILE_HASH(a6f07cde1f61b38153e01eee7207220c) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include "conventions_check.h"
#include <gnuradio/isac/array_phase_estimator.h>

void bind_array_phase_estimator(py::module& m)
{
    using blk = gr::isac::array_phase_estimator;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "array_phase_estimator",
        R"doc(
Per-channel phase offsets of an n_rx array from a calibration source at cal_deg
(module steering vector, docs/conventions.md; reverse_elements: stream channel k
is antenna n_rx-1-k).
Message out "cal": {"phases_rad", "weights"} after n_avg snapshots (every n_avg
when continuous); message in "recalibrate": start a new average. Nothing is
published from NaN, zero or denormal data, or with a channel uncorrelated with
channel 0 (rejected_count()). phases(): the last estimate (numpy) or None.
tone_freq != 0 (cycles per sample): the pilot is a CW tone; each channel is
demodulated and summed over tone_block snapshots first, so the radar's own echo
does not bias the estimate while the transmitter runs.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_rx: receive channels (vlen); [1, 4096] (default 4)\n"
    "  cal_deg: direction of the calibration source (deg); [-90, 90] (default 0.0)\n"
    "  n_avg: snapshots per estimate; [1, 2^40] (default 4096)\n"
    "  spacing: element spacing (wavelengths); (0, 1000] (default 0.5)\n"
    "  reverse_elements: stream channel k is antenna n_rx-1-k (default False)\n"
    "  continuous: publish after every n_avg snapshots (else once) (default False)\n"
    "  tone_freq: 0, or the pilot is a CW tone at this offset: each channel is demodulated and summed over blocks of tone_block snapshots before the products z_n z_0^* are averaged, so wideband signals at the array (the radar's echo) are suppressed by 1/tone_block (cycles/sample); (-0.5, 0.5) (default 0.0)\n"
    "  tone_block: snapshots per coherent tone sum; [1, 1073741824] (default 1024)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init([](int n_rx,
                         double cal_deg,
                         int64_t n_avg,
                         double spacing,
                         py::object rev,
                         bool continuous,
                         double tone_freq,
                         int64_t tone_block,
                         py::kwargs kw) {
                 isac_bind::reject_removed("array_phase_estimator", kw);
                 return blk::make(
                     n_rx,
                     cal_deg,
                     n_avg,
                     spacing,
                     isac_bind::check_reverse_elements("array_phase_estimator", rev),
                     continuous,
                     tone_freq,
                     tone_block);
             }),
             // clang-format off
             // gen_params:begin args
             py::arg("n_rx") = 4,
             py::arg("cal_deg") = 0.0,
             py::arg("n_avg") = 4096,
             py::arg("spacing") = 0.5,
             py::arg("reverse_elements") = false,
             py::arg("continuous") = false,
             py::arg("tone_freq") = 0.0,
             py::arg("tone_block") = 1024)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("phases",
             [](const blk& b) -> py::object {
                 const auto p = b.phases();
                 if (p.empty())
                     return py::none();
                 return py::array_t<double>(p.size(), p.data());
             })
        .def("rejected_count", &blk::rejected_count)
        .def("estimates", &blk::estimates);
}
