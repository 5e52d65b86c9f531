/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
// set_channel's one Python convention, for every block that takes a channel:
// H is a 2-D array n_users x n_tx, a numpy array of any numeric dtype or a list
// of lists. Anything else (1-D, 3-D, ragged, text) raises ValueError naming H.
#ifndef INCLUDED_ISAC_BINDINGS_CHANNEL_ARG_H
#define INCLUDED_ISAC_BINDINGS_CHANNEL_ARG_H

#include <gnuradio/isac/core/types.h>
#include <Eigen/Dense>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <complex>
#include <string>

namespace isac_bind {
namespace py = pybind11;

inline Eigen::MatrixXcd channel_matrix(const py::object& H)
{
    using rowmat = Eigen::
        Matrix<std::complex<double>, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const char* allowed = "a 2-D array n_users x n_tx (numpy or a list of lists)";
    py::array a;
    try {
        a = py::module_::import("numpy").attr("asarray")(H, "complex128");
    } catch (const py::error_already_set&) {
        gr::isac::core::throw_param("H", "not a numeric array", allowed);
    }
    if (a.ndim() != 2)
        gr::isac::core::throw_param(
            "H", "a " + std::to_string(a.ndim()) + "-D array", allowed);
    return a.cast<rowmat>();
}
} // namespace isac_bind

#endif
