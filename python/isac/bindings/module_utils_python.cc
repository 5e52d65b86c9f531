/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Module-level functions: the memory and queue limits (core/limits.h) and the
 * message connection that lets a Python hier block expose a message port
 * without owning itself, and the check of a Python block's parameter against
 * its descriptor (the C++ blocks' check, so both fail with the same message).
 */

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/hier_block2.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/param_spec.h>
#include <gnuradio/isac/core/types.h>
#include <cmath>
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

    // The parameter check of the Python blocks (python/isac/_params.py holds
    // their specs): the core's check_value/check_values/check_option/
    // check_length, so a Python block fails with the C++ blocks' message.
    // lo/hi are the bounds in force (a bound may be another parameter's value).
    m.def(
        "_check_param",
        [](py::object spec,
           py::object value,
           double lo,
           double hi,
           const std::vector<long>& lengths) {
            auto text = [&](const char* attr) {
                py::object o = spec.attr(attr);
                return o.is_none() ? std::string() : o.cast<std::string>();
            };
            const std::string name = text("name"), type = text("type"),
                              unit = text("unit");
            const std::string lo_ref = text("lo_ref"), hi_ref = text("hi_ref");
            const std::string options = text("options"), length = text("length");
            auto opt = [](const std::string& s) {
                return s.empty() ? nullptr : s.c_str();
            };
            core::param_spec s{ name.c_str(),
                                core::param_type::real,
                                unit.c_str(),
                                lo,
                                hi,
                                spec.attr("lo_open").cast<bool>(),
                                spec.attr("hi_open").cast<bool>(),
                                opt(lo_ref),
                                opt(hi_ref),
                                opt(options),
                                opt(length),
                                false,
                                nullptr,
                                "" };
            const std::string repr = py::repr(value).cast<std::string>();
            if (type == "integer" || type == "real") {
                if (type == "integer")
                    s.type = core::param_type::integer;
                double v;
                try {
                    if (py::isinstance<py::str>(value) ||
                        py::isinstance<py::bytes>(value))
                        throw py::cast_error();
                    v = value.cast<double>();
                } catch (const py::cast_error&) {
                    core::throw_param(name, repr, core::allowed_range(s, lo, hi));
                }
                if (type == "integer" && std::isfinite(v) && v != std::floor(v))
                    core::throw_param(
                        name, repr, "integers in " + core::allowed_range(s, lo, hi));
                core::check_value(s, v, lo, hi);
            } else if (type == "reals") {
                s.type = core::param_type::reals;
                std::vector<double> v;
                try {
                    if (py::isinstance<py::str>(value))
                        throw py::cast_error();
                    v = value.cast<std::vector<double>>();
                } catch (const py::cast_error&) {
                    core::throw_param(name, repr, "a list of numbers");
                }
                if (!lengths.empty())
                    core::check_length(s, v.size(), lengths);
                core::check_values(s, v, lo, hi);
            } else if (type == "text" && !options.empty()) {
                s.type = core::param_type::text;
                // a value that is not text fails with the options listed
                core::check_option(s,
                                   py::isinstance<py::str>(value)
                                       ? value.cast<std::string>()
                                       : "<" + repr + ">");
            }
        },
        py::arg("spec"),
        py::arg("value"),
        py::arg("lo"),
        py::arg("hi"),
        py::arg("lengths") = std::vector<long>{});
}
