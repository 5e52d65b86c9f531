/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Common types of the gr-isac algorithm core. The core is plain C++ on Eigen
 * (and VOLK where a kernel needs it); it never includes GNU Radio runtime
 * headers, so every algorithm can be unit-tested, benchmarked and bound to
 * Python on its own.
 */
#ifndef INCLUDED_ISAC_CORE_TYPES_H
#define INCLUDED_ISAC_CORE_TYPES_H

#include <Eigen/Dense>
#include <cmath>
#include <complex>
#include <stdexcept>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

using cdouble = std::complex<double>;
using cfloat = std::complex<float>;
using cvec = Eigen::VectorXcd;
using cmat = Eigen::MatrixXcd;
using rvec = Eigen::VectorXd;
using rmat = Eigen::MatrixXd;
using cvecf = Eigen::VectorXcf;
using cmatf = Eigen::MatrixXcf;

constexpr double pi = 3.14159265358979323846;

inline double deg2rad(double d) { return d * pi / 180.0; }
inline double rad2deg(double r) { return r * 180.0 / pi; }
//! 10^(db/10), unchecked (a user's dB parameter goes through db_to_linear of limits.h).
inline double db2lin(double db) { return std::pow(10.0, db / 10.0); }
//! Modified Bessel function of the first kind, order 0 (the Kaiser window's),
//! by its power series: exact to rounding for the windows' arguments (< ~50)
//! and many times faster than std::cyl_bessel_i.
double bessel_i0(double x);
//! bessel_i0 of x[0..n) into out, several arguments side by side: each value
//! bit-identical to bessel_i0's (the same operations in the same order per lane).
void bessel_i0_n(const double* x, double* out, int n);

/*!
 * Thrown by the core for bad parameters. Bindings map it to Python's
 * ValueError (std::invalid_argument is mapped by pybind11 the same way).
 */
class param_error : public std::invalid_argument
{
public:
    using std::invalid_argument::invalid_argument;
};

//! A matrix shape as the error messages print it ("4x16").
std::string shape_str(long rows, long cols);

//! Throws param_error "<name> = <value> is out of range; allowed: <range>".
[[noreturn]] void throw_param(const std::string& name,
                              const std::string& value,
                              const std::string& allowed);

//! Helpers that validate one parameter and name it in the message.
void check_int_range(const std::string& name, long v, long lo, long hi);
void check_positive_finite(const std::string& name, double v);
void check_finite(const std::string& name, double v);
void check_angle_deg(const std::string& name, double v);

//! An angle parameter in degrees: checked as check_angle_deg does, returned in radians.
double angle_deg_to_rad(const std::string& name, double deg);
std::vector<double> angle_deg_to_rad(const std::string& name,
                                     const std::vector<double>& deg);

} // namespace core
} // namespace isac
} // namespace gr

#endif
