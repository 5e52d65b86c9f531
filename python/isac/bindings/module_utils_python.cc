/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Module-level functions: the memory and queue limits (core/limits.h) and the
 * message connection that lets a Python hier block expose a message port
 * without owning itself.
 */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/hier_block2.h>
#include <gnuradio/isac/core/limits.h>
#include <stdexcept>

void bind_module_utils(py::module& m)
{
    namespace core = gr::isac::core;
    // the one array/user limit of every block and CSI message (core/limits.h)
    m.attr("max_antennas") = core::max_antennas;
    m.attr("max_users") = core::max_users;
    m.def("memory_limit",
          &core::memory_limit,
          "Module-wide memory limit (bytes) that "
          "constructors and setters check their estimated allocation against.");
    m.def(
        "set_memory_limit",
        [](py::object v) {
            core::set_memory_limit(
                py::isinstance<py::str>(v)
                    ? core::parse_bytes("memory_limit", v.cast<std::string>())
                    : v.cast<uint64_t>());
        },
        py::arg("bytes"),
        "Set the memory limit: bytes, or a string such as '8G' (default 2 GiB, "
        "environment GR_ISAC_MEMORY_LIMIT).");
    m.def("queue_limit",
          &core::queue_limit,
          "Module-wide limit (bytes) on the messages "
          "each block keeps queued for a future offset.");
    m.def(
        "set_queue_limit",
        [](py::object v) {
            core::set_queue_limit(
                py::isinstance<py::str>(v)
                    ? core::parse_bytes("queue_limit", v.cast<std::string>())
                    : v.cast<uint64_t>());
        },
        py::arg("bytes"),
        "Set the queue limit: bytes, or a string such as '64M' (default 64 MiB, "
        "environment GR_ISAC_QUEUE_LIMIT).");
    m.def(
        "_hier_msg_connect",
        [](gr::basic_block_sptr hier,
           gr::basic_block_sptr src,
           const std::string& srcport,
           gr::basic_block_sptr dst,
           const std::string& dstport) {
            auto h = std::dynamic_pointer_cast<gr::hier_block2>(hier);
            if (!h)
                throw std::invalid_argument("_hier_msg_connect: not a hier_block2");
            // GNU Radio stores both endpoints of a message edge as shared pointers
            // in the hier block, so an edge to the hier block's own port makes it
            // own itself: it (and every inner block) is never freed. A non-owning
            // alias keeps the endpoint's identity (pointer comparisons) without
            // the cycle; the hier block is alive whenever its own edges are used.
            const gr::basic_block_sptr self(gr::basic_block_sptr(), hier.get());
            if (src.get() == hier.get())
                src = self;
            if (dst.get() == hier.get())
                dst = self;
            h->msg_connect(src, pmt::mp(srcport), dst, pmt::mp(dstport));
        },
        py::arg("hier"),
        py::arg("src"),
        py::arg("srcport"),
        py::arg("dst"),
        py::arg("dstport"));
}
