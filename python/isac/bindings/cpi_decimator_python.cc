/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/cpi_decimator.h  */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(cpi_decimator.h)                                         */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/pybind11.h>

namespace py = pybind11;

#include <gnuradio/isac/cpi_decimator.h>

void bind_cpi_decimator(py::module& m)
{
    using blk = gr::isac::cpi_decimator;
    py::class_<blk,
               gr::sync_decimator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<blk>>(
        m,
        "cpi_decimator",
        R"doc(
Keeps the CPI end of every cpi_len items. CPIs start at item 0 of each start()
(after stop()/wait()) and at each isac_cpi tag on in0, which
one_bit_rx_filter puts on its statistic where it restarts a CPI mid-stream; CPI
ends are s + m cpi_len - 1 (m >= 1) after a CPI start s. Without tags out[k] =
in[k cpi_len + cpi_len - 1]; a group a restart leaves without a CPI end gives
its last item. GNU Radio's keep_one_in_n keeps its count across a stop(), wait()
and start() and follows no restart. The items kept are those detection_meter
counts with period = cpi_len.
A tag on input item i goes to output item i // cpi_len (its CPI's decision);
tags of a run's unfinished last CPI go nowhere. in0, out0: float. cpi_len().)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  cpi_len: keeps items i (from 0 at each start()) with (i + 1) % cpi_len == 0: one_bit_rx_filter's CPI ends with its cpi_len; [1, 16777216] (default 1)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("cpi_len") = 1)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("cpi_len", &blk::cpi_len);
}
