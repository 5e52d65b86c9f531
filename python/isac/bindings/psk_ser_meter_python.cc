/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/psk_ser_meter.h  */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(psk_ser_meter.h)                                         */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/psk_ser_meter.h>

void bind_psk_ser_meter(py::module& m)
{
    using blk = gr::isac::psk_ser_meter;
    auto arr = [](const auto& v) {
        using T = typename std::decay_t<decltype(v)>::value_type;
        return py::array_t<T>(v.size(), v.data());
    };
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "psk_ser_meter",
        R"doc(
Per-user M-PSK decisions (angular sector) and SER/BER against the transmitted
symbols. in0: y (n_users), in1: s (n_users); out0: each user's SER of the run
(since the last start()) after each snapshot (float vector). Message "ser": {"ser", "ber", "symbols", "ref_nonfinite"} each time the
count reaches a multiple of report_every, with the totals at that snapshot. The first `skip` snapshots after each start() are not
counted. ser(), ber(), errors() return numpy arrays; count(), reset(). A snapshot with a NaN/Inf sent
symbol on in1 is left out and counted by ref_nonfinite().)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_users: users; [1, 4096] (default 4)\n"
    "  psk_order: M; [2, 65536] (default 8)\n"
    "  skip: snapshots not counted after each start(); [0, inf) (default 0)\n"
    "  report_every: counted snapshots between \"ser\" messages (0: none); [0, inf) (default 0)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_users") = 4,
             py::arg("psk_order") = 8,
             py::arg("skip") = 0,
             py::arg("report_every") = 0)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("count", &blk::count)
        .def("errors", [arr](const blk& b) { return arr(b.errors()); })
        .def("ser", [arr](const blk& b) { return arr(b.ser()); })
        .def("ber", [arr](const blk& b) { return arr(b.ber()); })
        .def("ref_nonfinite", &blk::ref_nonfinite)
        .def("reset", &blk::reset);
}
