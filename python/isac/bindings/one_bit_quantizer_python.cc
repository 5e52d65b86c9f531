/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/one_bit_quantizer.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(one_bit_quantizer.h)                                       */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/one_bit_quantizer.h>

void bind_one_bit_quantizer(py::module& m)
{
    using one_bit_quantizer = gr::isac::one_bit_quantizer;

    py::class_<one_bit_quantizer,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<one_bit_quantizer>>(
        m,
        "one_bit_quantizer",
        R"doc(
1-bit DAC/ADC quantiser on vectors of vlen complex samples (one snapshot).

mode "dac": out = sqrt(power/(2 vlen)) (sgn Re + j sgn Im), ||out||^2 = power.
mode "adc": out = sgn Re + j sgn Im (entries +-1 +-j).
sgn(0) = +1 (also -0.0); NaN components map to +1 in "dac" mode and stay NaN
in "adc" mode (the receiver then discards the snapshot); they are counted on the
"stats" message port (totals, at most one message per work() call).

Raises ValueError for vlen < 1, a non-finite or non-positive power, or an
unknown mode.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  vlen: antennas per snapshot; [1, 1048576]\n"
    "  mode: 1-bit DAC (scaled to power) or 1-bit ADC (+-1 +-j); \"dac\", \"adc\" (default \"dac\") [settable]\n"
    "  power: transmit energy per vector E (dac mode; validated in both modes so a later switch to dac is safe); (0, inf) (default 1.0) [settable]\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&one_bit_quantizer::make),
             // clang-format off
             // gen_params:begin args
             py::arg("vlen"),
             py::arg("mode") = "dac",
             py::arg("power") = 1.0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_mode", &gr::isac::one_bit_quantizer::set_mode, py::arg("mode"))
        .def("mode", &gr::isac::one_bit_quantizer::mode)
        .def("set_power", &gr::isac::one_bit_quantizer::set_power, py::arg("power"))
        .def("power", &gr::isac::one_bit_quantizer::power)
        // gen_params:end accessors
        // clang-format on
        .def("nan_count", &one_bit_quantizer::nan_count);
}
