/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bindings of the algorithm core's steering-vector and quantiser helpers into
 * gnuradio.isac.core. Angles are in degrees here (the Python/GRC surface);
 * derivatives are per radian.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/steering.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/quantize.h>
#include <gnuradio/isac/core/steering.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
array_convention conv(double spacing, int sign, const std::string& ref, bool normalize)
{
    array_convention c;
    c.spacing = spacing;
    c.sign = sign;
    if (ref == "first")
        c.ref = phase_ref::first;
    else if (ref == "center" || ref == "centre")
        c.ref = phase_ref::center;
    else
        throw_param("ref", "'" + ref + "'", "'first' or 'center'");
    c.normalize = normalize;
    c.validate();
    return c;
}
} // namespace

void bind_core_steering(py::module& m)
{
    py::class_<array_convention>(m, "array_convention", R"doc(
Steering-vector convention: a_n = exp(sign*j*2*pi*spacing*(n - n0)*sin(theta)),
n0 = 0 (ref 'first') or (N-1)/2 (ref 'center'), optional 1/sqrt(N).)doc")
        .def(py::init(
                 [](double spacing, int sign, const std::string& ref, bool normalize) {
                     return conv(spacing, sign, ref, normalize);
                 }),
             py::arg("spacing") = 0.5,
             py::arg("sign") = -1,
             py::arg("ref") = "first",
             py::arg("normalize") = false)
        .def_readonly("spacing", &array_convention::spacing)
        .def_readonly("sign", &array_convention::sign)
        .def_readonly("normalize", &array_convention::normalize)
        .def_property_readonly("ref",
                               [](const array_convention& c) {
                                   return c.ref == phase_ref::first ? "first" : "center";
                               })
        .def_static("first_element_unit_norm", &array_convention::first_element_unit_norm)
        .def_static("first_element_positive", &array_convention::first_element_positive)
        .def_static("midpoint_positive", &array_convention::midpoint_positive);

#define ULA_KW                                                                         \
    py::arg("spacing") = 0.5, py::arg("sign") = -1, py::arg("ref") = "first",          \
    py::arg("normalize") = false

    m.def(
        "ula_steering",
        [](int n,
           double theta_deg,
           double spacing,
           int sign,
           const std::string& ref,
           bool normalize) {
            return ula_steering(n, deg2rad(theta_deg), conv(spacing, sign, ref, normalize));
        },
        py::arg("n"),
        py::arg("theta_deg"),
        ULA_KW,
        "ULA steering vector a(theta) (module default: 1-bit ISAC paper convention, "
        "sign -1, first-element reference, d/lambda 0.5).");
    m.def(
        "ula_steering_derivative",
        [](int n, double theta_deg, double spacing, int sign, const std::string& ref, bool normalize) {
            return ula_steering_derivative(
                n, deg2rad(theta_deg), conv(spacing, sign, ref, normalize));
        },
        py::arg("n"),
        py::arg("theta_deg"),
        ULA_KW,
        "da/dtheta of ula_steering, per radian.");
    m.def(
        "ula_steering_matrix",
        [](int n, std::vector<double> thetas_deg, double spacing, int sign, const std::string& ref, bool normalize) {
            for (auto& t : thetas_deg)
                t = deg2rad(t);
            return ula_steering_matrix(n, thetas_deg, conv(spacing, sign, ref, normalize));
        },
        py::arg("n"),
        py::arg("thetas_deg"),
        ULA_KW,
        "N x K matrix of ULA steering vectors, one column per angle.");
#undef ULA_KW

#define UPA_KW                                                                         \
    py::arg("spacing") = 0.5, py::arg("sign") = 1, py::arg("ref") = "center",          \
    py::arg("normalize") = false
    m.def(
        "upa_steering",
        [](int nh,
           int nv,
           double th,
           double ph,
           double spacing,
           int sign,
           const std::string& ref,
           bool normalize) {
            return upa_steering(nh, nv, deg2rad(th), deg2rad(ph), conv(spacing, sign, ref, normalize));
        },
        py::arg("n_h"),
        py::arg("n_v"),
        py::arg("theta_deg"),
        py::arg("phi_deg"),
        UPA_KW,
        "UPA steering vector of the massive-MIMO ISAC paper: a_h(theta, phi) kron "
        "a_v(phi), centre reference.");
    m.def(
        "upa_steering_dtheta",
        [](int nh, int nv, double th, double ph, double spacing, int sign, const std::string& ref, bool normalize) {
            return upa_steering_dtheta(nh, nv, deg2rad(th), deg2rad(ph), conv(spacing, sign, ref, normalize));
        },
        py::arg("n_h"),
        py::arg("n_v"),
        py::arg("theta_deg"),
        py::arg("phi_deg"),
        UPA_KW,
        "d/dtheta of upa_steering, per radian.");
    m.def(
        "upa_steering_dphi",
        [](int nh, int nv, double th, double ph, double spacing, int sign, const std::string& ref, bool normalize) {
            return upa_steering_dphi(nh, nv, deg2rad(th), deg2rad(ph), conv(spacing, sign, ref, normalize));
        },
        py::arg("n_h"),
        py::arg("n_v"),
        py::arg("theta_deg"),
        py::arg("phi_deg"),
        UPA_KW,
        "d/dphi of upa_steering, per radian.");
#undef UPA_KW

    m.def("one_bit_dac", &one_bit_dac, py::arg("x"), py::arg("power"),
          "1-bit DAC of one snapshot: sqrt(power/(2N)) (sgn Re + j sgn Im).");
    m.def("one_bit_adc",
          &one_bit_adc,
          py::arg("r"),
          "1-bit ADC of one snapshot: sgn Re + j sgn Im, sgn(0) = +1; a NaN component "
          "maps to +1 (the one_bit_quantizer block's 'adc' mode passes NaN on instead).");
}
