/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/fractional_delay.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(fractional_delay.h) */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/fractional_delay.h>

void bind_fractional_delay(py::module& m)
{
    using fractional_delay = gr::isac::fractional_delay;

    py::class_<fractional_delay,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<fractional_delay>>(
        m,
        "fractional_delay",
        R"doc(
Delay of vectors of vlen complex samples by an integer + fractional number of
snapshots (Kaiser-windowed sinc; an integer delay is an exact FIFO), settable by
set_delay() or a "delay" message: a dict with the field `key` (default "delay";
"valid" false is ignored), as loop_delay_estimator posts, or a plain number.
Over the air: key "x_align" on x and "echo_align" on the echo. The first item
after a change is tagged "isac_delay". Raises ValueError for vlen < 1, taps not
even in [2, 256], or a delay outside [0, max_delay].)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  vlen: channels per vector; [1, 65536]\n"
    "  delay: delay applied to every channel (samples); [0, max_delay] (default 0.0) [settable]\n"
    "  taps: windowed-sinc kernel taps (even); [2, 256] (default 16)\n"
    "  max_delay: largest delay (sizes the history) (samples); [0, 16777216] (default 4096.0)\n"
    "  key: field of the \"delay\" message dict that sets the delay (non-empty; \"x_align\", \"echo_align\" over the air) (default \"delay\")\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&fractional_delay::make),
             // clang-format off
             // gen_params:begin args
             py::arg("vlen"),
             py::arg("delay") = 0.0,
             py::arg("taps") = 16,
             py::arg("max_delay") = 4096.0,
             py::arg("key") = "delay")
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_delay", &gr::isac::fractional_delay::set_delay, py::arg("delay"))
        .def("delay", &gr::isac::fractional_delay::delay)
        // gen_params:end accessors
        // clang-format on
        .def("updates", &fractional_delay::updates);
}
