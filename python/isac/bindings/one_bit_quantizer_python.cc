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
               std::shared_ptr<one_bit_quantizer>>(m, "one_bit_quantizer", R"doc(
1-bit DAC/ADC quantiser on vectors of vlen complex samples (one snapshot).

mode "dac": out = sqrt(power/(2 vlen)) (sgn Re + j sgn Im), ||out||^2 = power.
mode "adc": out = sgn Re + j sgn Im (entries +-1 +-j).
sgn(0) = +1 (also -0.0); NaN components map to +1 in "dac" mode and stay NaN
in "adc" mode (the receiver then discards the snapshot); they are counted on the
"stats" message port.

Raises ValueError for vlen < 1, a non-finite or non-positive power, or an
unknown mode.)doc")

        .def(py::init(&one_bit_quantizer::make),
             py::arg("vlen"),
             py::arg("mode") = "dac",
             py::arg("power") = 1.0f)
        .def("set_power", &one_bit_quantizer::set_power, py::arg("power"))
        .def("power", &one_bit_quantizer::power)
        .def("set_mode", &one_bit_quantizer::set_mode, py::arg("mode"))
        .def("mode", &one_bit_quantizer::mode)
        .def("nan_count", &one_bit_quantizer::nan_count);
}
