/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// The removed `sign` knob and the reverse_elements flag checked by the one
// Python statement of them (gnuradio.isac.conventions), so the C++ blocks fail
// with the same TypeError as the Python ones.
#ifndef INCLUDED_ISAC_BINDINGS_CONVENTIONS_CHECK_H
#define INCLUDED_ISAC_BINDINGS_CONVENTIONS_CHECK_H

#include <pybind11/pybind11.h>

namespace isac_bind {
namespace py = pybind11;

inline void reject_removed(const char* block, const py::kwargs& kw)
{
    py::module_::import("gnuradio.isac.conventions").attr("reject_removed")(block, kw);
}

inline bool check_reverse_elements(const char* block, const py::object& value)
{
    return py::module_::import("gnuradio.isac.conventions")
        .attr("check_reverse_elements")(block, value)
        .cast<bool>();
}
} // namespace isac_bind

#endif
