/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * isac.core: exact 1-bit radar statistics (arcsine law, exact deflection and its
 * gradient, the conditional-Gaussian tail model, the exact threshold table and the
 * predicted Pd). Powers p are linear, in units of sigma_R^2: p[0] the target, p[q]
 * the clutter patch q (the threshold table takes the Q clutter powers only).
 */
/* BINDTOOL_HEADER_FILE(core/one_bit_stats.h)                                      */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/one_bit_stats.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
void check_len(const std::vector<double>& p, int n, const char* what)
{
    if (int(p.size()) != n)
        throw_param(what, std::to_string(p.size()) + " values", std::to_string(n));
}
} // namespace

void bind_core_one_bit_stats(py::module& m)
{
    py::enum_<threshold_model>(m, "threshold_model")
        .value("theorem1", threshold_model::theorem1)
        .value("exact", threshold_model::exact);
    py::enum_<clutter_model>(m, "clutter_model")
        .value("swerling1", clutter_model::swerling1)
        .value("fixed", clutter_model::fixed);
    m.def("parse_clutter_model",
          &parse_clutter_model,
          py::arg("name"),
          py::arg("value"),
          "clutter_model from 'swerling1' or 'fixed' (a ValueError naming `name` else).");

    py::class_<arcsine_stats>(m, "arcsine_stats", R"doc(
Arcsine-law (exact) covariance of the 1-bit ADC output r~ = sgn(Re r) + j sgn(Im r)
for the scene's Gaussian echo with patch powers p (Q+1 values, p[0] the target, in
units of sigma_R^2): Cq = (4/pi)(asin(Re C/d) + j asin(Im C/d)), C = I + sum p_q g_q g_q^H.)doc")
        .def(py::init<const radar_scene&>(), py::arg("scene"))
        .def(
            "per_antenna_power",
            [](const arcsine_stats& s, std::vector<double> p) {
                check_len(p, s.n_patches(), "p");
                return s.per_antenna_power(p.data());
            },
            py::arg("p"))
        .def(
            "lags",
            [](const arcsine_stats& s, std::vector<double> p) {
                check_len(p, s.n_patches(), "p");
                cvec t(s.n_rx());
                s.lags(p.data(), t.data());
                return t;
            },
            py::arg("p"),
            "First column t_k of the Toeplitz Cq.")
        .def(
            "covariance",
            [](const arcsine_stats& s, std::vector<double> p) {
                check_len(p, s.n_patches(), "p");
                return s.covariance(p.data());
            },
            py::arg("p"))
        .def(
            "gram",
            [](const arcsine_stats& s, std::vector<double> p) {
                check_len(p, s.n_patches(), "p");
                return s.gram(p.data());
            },
            py::arg("p"),
            "G^H Cq G for the steering matrix G of the scene.")
        .def(
            "variance",
            [](const arcsine_stats& s,
               std::vector<double> p,
               const cvec& alpha,
               bool noise) {
                check_len(p, s.n_patches(), "p");
                if (alpha.size() != s.n_patches())
                    throw_param("alpha",
                                std::to_string(alpha.size()) + " values",
                                std::to_string(s.n_patches()));
                std::vector<double> d(s.n_patches());
                const double v = s.variance(p.data(), alpha.data(), d.data(), noise);
                return py::make_tuple(v, d);
            },
            py::arg("p"),
            py::arg("alpha"),
            py::arg("with_noise") = true,
            "(E|v^H r~|^2, d/dp_j) for v = G alpha; with_noise=False: the cross term of "
            "two snapshots with the same clutter draw and independent noise.");

    m.def(
        "filter_coefficients",
        [](const radar_scene& s, std::vector<double> p, adc_model adc) {
            check_len(p, s.n_clutter() + 1, "p");
            double vt1;
            cvec a = filter_coefficients(s, p.data(), adc, &vt1);
            return py::make_tuple(a, vt1);
        },
        py::arg("scene"),
        py::arg("p"),
        py::arg("adc") = adc_model::one_bit,
        "(alpha, Theorem-1 H0 variance) of the block's filter v = M^-1 g_0 = G alpha.");
    py::class_<one_bit_pfa_reach>(m, "one_bit_pfa_reach")
        .def_readonly("min_pfa", &one_bit_pfa_reach::min_pfa)
        .def_readonly("classes_above", &one_bit_pfa_reach::classes_above)
        .def_readonly("reachable", &one_bit_pfa_reach::reachable)
        .def_readonly("coarse", &one_bit_pfa_reach::coarse)
        .def_readonly("reason", &one_bit_pfa_reach::reason);
    m.def("pfa_reach",
          &pfa_reach,
          py::arg("adc"),
          py::arg("n_rx"),
          py::arg("cpi_len"),
          py::arg("pfa"),
          py::arg("max_cnr_db") = -HUGE_VAL,
          "Whether a 1-bit detector of n_rx antennas and CPIs of cpi_len snapshots can "
          "hold pfa: min_pfa = 4^(1 - n_rx cpi_len), the smallest nonzero Pfa of any "
          "threshold on noise-only echoes; reachable = pfa >= min_pfa (and n_rx cpi_len "
          ">= 2); coarse: reachable, but fewer than 64 noise-only value classes above "
          "the threshold, or one snapshot of fewer than 8 antennas, or CPIs (cpi_len > "
          "1) whose strongest Swerling-I clutter patch (max_cnr_db, dB; pass it for the "
          "exact threshold at threshold_scale 1 only) reaches strong_clutter_db (the "
          "exact threshold's CPI tail is too light there); reason says why.");
    m.attr("strong_clutter_db") = strong_clutter_db;
    m.def("toeplitz_quad_form",
          &toeplitz_quad_form,
          py::arg("t"),
          py::arg("u"),
          "u^H T u for the Hermitian Toeplitz T with first column t (FFT).");
    m.def(
        "exact_deflection",
        [](const radar_scene& s, const arcsine_stats& st, const cvec& c, adc_model adc) {
            rvec g;
            const double D = exact_deflection(s, st, c, adc, &g);
            return py::make_tuple(D, g);
        },
        py::arg("scene"),
        py::arg("stats"),
        py::arg("c"),
        py::arg("adc") = adc_model::one_bit,
        "(D, dD/d|c_q|^2): exact deflection E1|z|^2/E0|z|^2 - 1 of the block's filter.");
    m.def(
        "exact_deflection_x",
        [](const radar_scene& s, const arcsine_stats& st, const cvec& x, adc_model adc) {
            cvec g;
            const double D = exact_deflection_x(s, st, x, adc, &g);
            return py::make_tuple(D, g);
        },
        py::arg("scene"),
        py::arg("stats"),
        py::arg("x"),
        py::arg("adc") = adc_model::one_bit,
        "(D, dD/dx^*) of transmit vector x.");

    py::class_<conditional_tail>(m, "conditional_tail", R"doc(
Conditional-Gaussian tail model of |v^H r~| (given the patch amplitudes, z is Gaussian
with the erf mean and an improper covariance; integrated over the amplitudes).)doc")
        .def(py::init<const radar_scene&, double, int, clutter_model>(),
             py::arg("scene"),
             py::arg("cell_width") = 0.25,
             py::arg("qmc_points") = 0,
             py::arg("clutter") = clutter_model::swerling1)
        .def(
            "prepare",
            [](conditional_tail& t, std::vector<double> p, const cvec& v) {
                t.prepare(p.data(), v);
            },
            py::arg("p"),
            py::arg("v"))
        .def("tail", &conditional_tail::tail, py::arg("k2"), py::arg("cpi_len") = 1)
        .def("variance", &conditional_tail::variance, py::arg("cpi_len") = 1)
        .def("threshold2",
             &conditional_tail::threshold2,
             py::arg("pfa"),
             py::arg("cpi_len") = 1)
        .def("nodes", &conditional_tail::nodes);

    py::class_<threshold_table, std::shared_ptr<threshold_table>>(
        m, "threshold_table", R"doc(
Exact-threshold table of the 1-bit receive filter: factors(p) -> (kappa^2 ratio,
H0 variance ratio) to Theorem 1 at the Q clutter powers p_q = CNR_q |c_q|^2.)doc")
        .def(py::init<const radar_scene&, double, int, int, clutter_model>(),
             py::arg("scene"),
             py::arg("pfa"),
             py::arg("threads") = 0,
             py::arg("cpi_len") = 1,
             py::arg("clutter") = clutter_model::swerling1)
        .def("pfa", &threshold_table::pfa)
        .def("clutter", &threshold_table::clutter)
        .def("cpi_len", &threshold_table::cpi_len)
        .def(
            "coherent_factor",
            [](const threshold_table& t, std::vector<double> p) {
                return t.coherent_factor(p.data());
            },
            py::arg("p"))
        .def(
            "exact_coherent_factor",
            [](const threshold_table& t, std::vector<double> p) {
                return t.exact_coherent_factor(p.data());
            },
            py::arg("p"))
        .def("tabulated", &threshold_table::tabulated)
        .def("grid_size", &threshold_table::grid_size)
        .def(
            "factors",
            [](const threshold_table& t, std::vector<double> p) {
                double k, v;
                t.factors(p.data(), k, v);
                return py::make_tuple(k, v);
            },
            py::arg("p"))
        .def(
            "exact_factors",
            [](const threshold_table& t, std::vector<double> p) {
                double k, v;
                t.exact_factors(p.data(), k, v);
                return py::make_tuple(k, v);
            },
            py::arg("p"))
        .def(
            "shape",
            [](const threshold_table& t, std::vector<double> p) {
                return t.shape(p.data());
            },
            py::arg("p"));

    m.def("calibration_factor",
          &calibration_factor,
          py::arg("n_rx"),
          py::arg("pfa"),
          py::arg("cnr_pa_db"));
    m.def(
        "predicted_pd",
        [](const radar_scene& s, const threshold_table& t, const cvec& c) {
            return predicted_pd(s, t, c);
        },
        py::arg("scene"),
        py::arg("table"),
        py::arg("c"),
        "Predicted Pd of the 1-bit detector with the exact threshold at couplings c.");
}
