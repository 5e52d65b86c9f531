/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/psk_symbol_source.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(psk_symbol_source.h)                                     */
/* BINDTOOL_HEADER_FILE_HASH(2a9024a9997d4260e16af9e41cf834ef) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/psk_symbol_source.h>

void bind_psk_symbol_source(py::module& m)
{
    using blk = gr::isac::psk_symbol_source;
    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "psk_symbol_source",
        R"doc(
Uniform i.i.d. M-PSK symbols exp(j 2 pi m / M), one vector of n_users per
snapshot: the block inside psk_source (the sequence of GNU Radio's
random_uniform_source_b -> chunks_to_symbols_bc -> stream_to_vector with the
same seed, in one thread).)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_users: users U (output vlen); [1, 4096] (default 4)\n"
    "  psk_order: PSK order M; [2, 256] (default 8)\n"
    "  seed: seed of GNU Radio's gr::random (the generator of analog.random_uniform_source_b); [1, 2147483647] (default 1)\n"
    // gen_params:end doc
        // clang-format on
        )
        .def(py::init(&blk::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_users") = 4,
             py::arg("psk_order") = 8,
             py::arg("seed") = 1)
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        // gen_params:end accessors
        // clang-format on
        .def("set_n_items", &blk::set_n_items, py::arg("n_items"))
        .def("n_items", &blk::n_items);
}
