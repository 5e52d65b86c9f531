/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bindings of the DoA Cramer-Rao bounds (core/crb.h, the CRBs of the bistatic CRB and
 * massive-MIMO ISAC papers) into gnuradio.isac.core.
 *
 * Two surfaces:
 *  - scalar design forms (crb_deterministic, crb_gaussian, crb_mixed,
 *    crb_upa_theta/phi): angles in degrees, results in deg^2, vectorised over
 *    numpy arrays with broadcasting (every numeric argument may be an array);
 *    the receive array is a half-wavelength ULA unless spacing is given (the
 *    bounds of 6.4(a)-(c) do not depend on the phase reference or sign);
 *  - vector forms (*_vec, bistatic_fim, monostatic_fim, crb_from_fim): take
 *    steering vectors and derivatives per RADIAN and return rad^2 / per-radian
 *    FIMs, exactly as the papers write them.
 * noise_var is the total complex noise variance per antenna, E|n|^2.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/crb.h)                                                */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/crb.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
constexpr double RAD2_TO_DEG2 = (180.0 / pi) * (180.0 / pi);

array_convention ula_conv(double spacing)
{
    auto c = array_convention::midpoint_positive();
    c.spacing = spacing;
    c.validate();
    return c;
}

double det_deg(int n, double th, double ba, double pD, int L, double s2, double sp)
{
    const auto c = ula_conv(sp);
    const double t = deg2rad(th);
    return crb_deterministic(ula_steering(n, t, c), ula_steering_derivative(n, t, c), ba, pD, L, s2) *
           RAD2_TO_DEG2;
}
double gauss_deg(int n, double th, double ba, double pG, int L, double s2, double sp)
{
    const auto c = ula_conv(sp);
    const double t = deg2rad(th);
    return crb_gaussian(ula_steering(n, t, c), ula_steering_derivative(n, t, c), ba, pG, L, s2) *
           RAD2_TO_DEG2;
}
double mixed_deg(int n, double th, double ba, double pD, double pG, int L, double s2, double sp)
{
    const auto c = ula_conv(sp);
    const double t = deg2rad(th);
    return crb_mixed(ula_steering(n, t, c), ula_steering_derivative(n, t, c), ba, pD, pG, L, s2) *
           RAD2_TO_DEG2;
}
double upa_th(int a, int b, int c, int d, double th, double ph, double xi, double rho, double al, int L, double s2)
{
    return crb_upa(a, b, c, d, deg2rad(th), deg2rad(ph), xi, rho, al, L, s2).first * RAD2_TO_DEG2;
}
double upa_ph(int a, int b, int c, int d, double th, double ph, double xi, double rho, double al, int L, double s2)
{
    return crb_upa(a, b, c, d, deg2rad(th), deg2rad(ph), xi, rho, al, L, s2).second * RAD2_TO_DEG2;
}
} // namespace

void bind_core_crb(py::module& m)
{
    m.def("crb_deterministic",
          py::vectorize(det_deg),
          py::arg("n_rx"),
          py::arg("theta_deg"),
          py::arg("beta_abs"),
          py::arg("p_det"),
          py::arg("L"),
          py::arg("noise_var"),
          py::arg("spacing") = 0.5,
          "bistatic CRB paper eq. (23) CRB_D in deg^2: noise_var/(2 L |beta|^2 p_det "
          "||P_b^perp bdot||^2), "
          "known signal, complex gain unknown. Vectorised over numpy arrays.");
    m.def("crb_gaussian",
          py::vectorize(gauss_deg),
          py::arg("n_rx"),
          py::arg("theta_deg"),
          py::arg("beta_abs"),
          py::arg("p_gauss"),
          py::arg("L"),
          py::arg("noise_var"),
          py::arg("spacing") = 0.5,
          "bistatic CRB paper Sec. III-B: CRB_G in deg^2 = CRB_D (1 + 1/gamma_s), "
          "gamma_s = |beta|^2 N p/noise_var. "
          "Vectorised.");
    m.def("crb_mixed",
          py::vectorize(mixed_deg),
          py::arg("n_rx"),
          py::arg("theta_deg"),
          py::arg("beta_abs"),
          py::arg("p_det"),
          py::arg("p_gauss"),
          py::arg("L"),
          py::arg("noise_var"),
          py::arg("spacing") = 0.5,
          "bistatic CRB paper Sec. IV-B: CRB_mix in deg^2 (known part p_det = a^H R_D a, "
          "Gaussian part "
          "p_gauss = a^H R_G a). Vectorised.");
    m.def("crb_upa_theta", py::vectorize(upa_th), py::arg("n_th"), py::arg("n_tv"),
          py::arg("n_rh"), py::arg("n_rv"), py::arg("theta_deg"), py::arg("phi_deg"),
          py::arg("xi"), py::arg("rho"), py::arg("alpha_abs"), py::arg("L"), py::arg("noise_var"),
          "UPA closed form (Remark 3 of the massive-MIMO ISAC paper, vertical term of eq. 49/51 "
          "corrected to sin^2(phi)), CRLB of theta in deg^2 (R = xi I + rho a a^H). "
          "Vectorised.");
    m.def("crb_upa_phi", py::vectorize(upa_ph), py::arg("n_th"), py::arg("n_tv"),
          py::arg("n_rh"), py::arg("n_rv"), py::arg("theta_deg"), py::arg("phi_deg"),
          py::arg("xi"), py::arg("rho"), py::arg("alpha_abs"), py::arg("L"), py::arg("noise_var"),
          "UPA closed form (Remark 3, corrected eq. 49/51), CRLB of phi in deg^2. Vectorised.");
    m.def(
        "crb_upa",
        [](int a, int b, int c, int d, double th, double ph, double xi, double rho, double al, int L, double s2) {
            auto r = crb_upa(a, b, c, d, deg2rad(th), deg2rad(ph), xi, rho, al, L, s2);
            return py::make_tuple(r.first * RAD2_TO_DEG2, r.second * RAD2_TO_DEG2);
        },
        py::arg("n_th"), py::arg("n_tv"), py::arg("n_rh"), py::arg("n_rv"), py::arg("theta_deg"),
        py::arg("phi_deg"), py::arg("xi"), py::arg("rho"), py::arg("alpha_abs"), py::arg("L"),
        py::arg("noise_var"),
        "UPA closed form (Remark 3 of the massive-MIMO ISAC paper; eq. 49/51 print cos^2(phi) on "
        "the vertical term, the derivative gives sin^2(phi)): (CRLB_theta, CRLB_phi) in deg^2, "
        "equal to crb_upa_exact for R_x = xi I + rho a a^H at every angle.");

    m.def(
        "crb_upa_exact",
        [](int a,
           int b,
           int c,
           int d,
           double th,
           double ph,
           const cmat& R_x,
           double al,
           int L,
           double s2) {
            auto r = crb_upa_exact(a, b, c, d, deg2rad(th), deg2rad(ph), R_x, al, L, s2);
            return py::make_tuple(r.first * RAD2_TO_DEG2, r.second * RAD2_TO_DEG2);
        },
        py::arg("n_th"),
        py::arg("n_tv"),
        py::arg("n_rh"),
        py::arg("n_rv"),
        py::arg("theta_deg"),
        py::arg("phi_deg"),
        py::arg("R_x"),
        py::arg("alpha_abs"),
        py::arg("L"),
        py::arg("noise_var"),
        "Exact massive-MIMO ISAC paper UPA (CRB_theta, CRB_phi) in deg^2 for any "
        "transmit covariance R_x "
        "(e.g. a misaligned beam); equals crb_upa for R_x = xi I + rho a a^H.");

    m.def("crb_deterministic_vec", &crb_deterministic, py::arg("b"), py::arg("bdot"),
          py::arg("beta_abs"), py::arg("p_det"), py::arg("L"), py::arg("noise_var"),
          py::arg("gain_known") = false,
          "CRB_D in rad^2 from steering vector b and d b/d theta (per rad). gain_known=True: "
          "only theta unknown (MathWorks crlb convention).");
    m.def(
        "crb_deterministic_clutter_vec",
        &crb_deterministic_clutter,
        py::arg("b"),
        py::arg("bdot"),
        py::arg("c"),
        py::arg("Bq"),
        py::arg("Cq"),
        py::arg("beta_abs"),
        py::arg("noise_var"),
        "CRB in rad^2 of theta in y = beta vec(b c^T) + sum_q gamma_q vec(b_q c_q^T) + n "
        "with beta and every gamma_q unknown (Schur complement of the Slepian-Bangs "
        "FIM); "
        "c: L references, Bq: N x Q clutter responses, Cq: L x Q clutter references.");
    m.def("crb_gaussian_vec", &crb_gaussian, py::arg("b"), py::arg("bdot"), py::arg("beta_abs"),
          py::arg("p_gauss"), py::arg("L"), py::arg("noise_var"), "CRB_G in rad^2 from b, bdot.");
    m.def("crb_mixed_vec", &crb_mixed, py::arg("b"), py::arg("bdot"), py::arg("beta_abs"),
          py::arg("p_det"), py::arg("p_gauss"), py::arg("L"), py::arg("noise_var"),
          "CRB_mix in rad^2 from b, bdot.");
    m.def("bistatic_fim", &bistatic_fim, py::arg("b"), py::arg("bdot"), py::arg("beta_abs"),
          py::arg("p_det"), py::arg("p_gauss"), py::arg("L"), py::arg("noise_var"),
          "Exact Slepian-Bangs FIM over (theta [rad], |beta|, arg beta) of y_t ~ CN(beta b c_t, "
          "|beta|^2 p_gauss b b^H + noise_var I); 2x2 over (theta, |beta|) when p_det = 0.");
    m.def("crb_from_fim", &crb_from_fim, py::arg("F"), "[F^-1]_00.");
    m.def("monostatic_fim", &monostatic_fim, py::arg("G"), py::arg("Gdots"), py::arg("R_x"),
          py::arg("alpha"), py::arg("L"), py::arg("noise_var"),
          "Exact FIM of Y = alpha G(omega) X + N over (omega_1..omega_K [rad], Re alpha, Im alpha), "
          "(1/L) X X^H = R_x; Gdots = [dG/domega_k].");
    m.def("crb_monostatic_vec",
          &crb_monostatic,
          py::arg("b"),
          py::arg("bdot"),
          py::arg("a"),
          py::arg("adot"),
          py::arg("R_x"),
          py::arg("alpha_abs"),
          py::arg("L"),
          py::arg("noise_var"),
          "massive-MIMO ISAC paper eq. (28)-(38) monostatic CRB in rad^2, G = b a^H.");
    m.def(
        "crb_monostatic",
        [](int n_tx,
           int n_rx,
           double th_deg,
           const cmat& R_x,
           double alpha_abs,
           int L,
           double s2,
           double spacing) {
            const auto c = ula_conv(spacing);
            const double t = deg2rad(th_deg);
            return crb_monostatic(ula_steering(n_rx, t, c), ula_steering_derivative(n_rx, t, c),
                                  ula_steering(n_tx, t, c), ula_steering_derivative(n_tx, t, c),
                                  R_x, alpha_abs, L, s2) *
                   RAD2_TO_DEG2;
        },
        py::arg("n_tx"),
        py::arg("n_rx"),
        py::arg("theta_deg"),
        py::arg("R_x"),
        py::arg("alpha_abs"),
        py::arg("L"),
        py::arg("noise_var"),
        py::arg("spacing") = 0.5,
        "massive-MIMO ISAC paper eq. (28)-(38) monostatic CRB in deg^2 with the bistatic "
        "CRB paper ULAs (midpoint reference, sign +1, "
        "unnormalised), G = b a^H; R_x is expressed in that basis.");
}
