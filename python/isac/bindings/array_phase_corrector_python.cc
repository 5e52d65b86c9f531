/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/array_phase_corrector.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(array_phase_corrector.h)                                 */
/* BINDTOOL_HEADER_FILE_HASH(edf64eb89b31dcf7139ecc5b9cb26d4e) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include "conventions_check.h"
#include <gnuradio/isac/array_phase_corrector.h>

void bind_array_phase_corrector(py::module& m)
{
    using blk = gr::isac::array_phase_corrector;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "array_phase_corrector",
        R"doc(
Multiplies stream channel n of each n_rx snapshot by w_n = exp(-j phi_n); with
reverse_elements (stream channel k is antenna n_rx-1-k) it then outputs the
channels in antenna order (docs/conventions.md). Message in "cal":
{"weights": c32vector} or {"phases_rad": f64vector}; a malformed one, or one
estimated for the other element order ("reverse_elements"), is logged and ignored. Weights must be finite and non-zero (ValueError otherwise).
phases_rad=None or [] starts from zeros.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_rx: receive channels (vlen); [1, 4096] (default 4)\n"
    "  phases_rad: per-channel phase offsets to remove (empty: all zero) (rad); length 0 or n_rx (default [])\n"
    "  reverse_elements: the estimate came from the other element order (stream channel k is antenna n_rx-1-k) (default False)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init([](int n_rx, py::object phases, py::object rev, py::kwargs kw) {
                 isac_bind::reject_removed("array_phase_corrector", kw);
                 const bool r =
                     isac_bind::check_reverse_elements("array_phase_corrector", rev);
                 std::vector<double> ph;
                 if (!phases.is_none())
                     ph = phases.cast<std::vector<double>>();
                 return blk::make(n_rx, ph, r);
             }),
             // clang-format off
             // gen_params:begin args
             py::arg("n_rx") = 4,
             py::arg("phases_rad") = std::vector<double>{},
             py::arg("reverse_elements") = false)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("_handle", &blk::handle_cal, py::arg("msg"))
        .def("set_phases", &blk::set_phases, py::arg("phases_rad"))
        .def("set_weights", &blk::set_weights, py::arg("weights"))
        .def("weights",
             [](const blk& b) {
                 const auto w = b.weights();
                 return py::array_t<std::complex<float>>(w.size(), w.data());
             })
        .def("updates", &blk::updates);
}
