/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bindings of the DoA MLE core (core/doa.h) into gnuradio.isac.core; angles in
 * degrees, CRBs in deg^2 (the block's message uses the same units).
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/doa.h)                                                */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/doa.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
constexpr double RAD2_TO_DEG2 = (180.0 / pi) * (180.0 / pi);

py::dict to_dict(const doa_result& r)
{
    py::dict d;
    d["valid"] = r.valid;
    d["theta_deg"] = rad2deg(r.theta_rad);
    d["beta"] = r.beta;
    d["beta_abs"] = r.beta_abs;
    d["snr_est"] = r.snr_est;
    d["crb_deg2"] = r.crb_rad2 * RAD2_TO_DEG2;
    d["objective"] = r.objective;
    d["grid_index"] = r.grid_index;
    d["snr_int"] = r.snr_int;
    d["above_threshold"] = r.above_threshold;
    d["invalid_reason"] = r.valid ? "" : describe(r.invalid);
    return d;
}
} // namespace

void bind_core_doa(py::module& m)
{
    py::class_<doa_mle_core>(m, "doa_mle_core", R"doc(
DoA maximum-likelihood estimator core (massive-MIMO ISAC paper eq. (26)-(27); bistatic CRB paper Sec. IV-B) for the bistatic echo
y_t = beta b(theta) c_t + n_t, n_t ~ CN(0, noise_var I), c_t = a(phi)^H x_t.

mode "gaussian": theta = argmax b^H Rhat b (c unused); "known": argmax |b^H Y c^*|^2;
"mixed": likelihood (49) at the heuristic beta of (50)-(52), p_gauss = a^H R_G a.
Grid [grid_min_deg, grid_max_deg] step grid_step_deg, then refine = "newton"
(default), "parabolic" or "none". The receive array convention defaults to
bistatic CRB paper (spacing 0.5, sign +1, midpoint reference, unnormalised).

estimate(Y, c=None, Cq=None): Y is n_rx x L (numpy complex), c has L entries, Cq is
L x Q (the clutter references c_{q,t}, needed after set_clutter); returns a dict
{valid, theta_deg, beta, beta_abs, snr_est, crb_deg2, objective, grid_index, snr_int,
above_threshold, invalid_reason} (invalid_reason: "" or why valid is false).
set_clutter(clutter_deg): known mode, the receive angles (this core's convention) of
paths with known references and unknown gains, projected out (docs/doa_mle.md).)doc")
        .def(py::init([](int n_rx,
                         double gmin,
                         double gmax,
                         double step,
                         double noise_var,
                         const std::string& mode,
                         double p_gauss,
                         const std::string& refine,
                         double spacing,
                         int sign,
                         const std::string& ref,
                         bool normalize) {
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
                 check_angle_deg("grid_min_deg", gmin);
                 check_angle_deg("grid_max_deg", gmax);
                 check_positive_finite("grid_step_deg", step);
                 return new doa_mle_core(n_rx, deg2rad(gmin), deg2rad(gmax), deg2rad(step),
                                         noise_var, parse_doa_mode(mode),
                                         p_gauss, parse_doa_refine(refine), c);
             }),
             py::arg("n_rx"),
             py::arg("grid_min_deg") = -90.0,
             py::arg("grid_max_deg") = 90.0,
             py::arg("grid_step_deg") = 0.1,
             py::arg("noise_var") = 1.0,
             py::arg("mode") = "gaussian",
             py::arg("p_gauss") = 1.0,
             py::arg("refine") = "newton",
             py::arg("spacing") = 0.5,
             py::arg("sign") = 1,
             py::arg("ref") = "center",
             py::arg("normalize") = false)
        .def(
            "estimate",
            [](doa_mle_core& e, const cmat& Y, py::object c, py::object Cq) {
                cvec cv;
                if (!c.is_none())
                    cv = c.cast<cvec>();
                cmat C;
                if (!Cq.is_none())
                    C = Cq.cast<cmat>();
                return to_dict(e.estimate(Y, cv, C));
            },
            py::arg("Y"),
            py::arg("c") = py::none(),
            py::arg("Cq") = py::none())
        .def(
            "set_clutter",
            [](doa_mle_core& e, std::vector<double> deg) {
                for (auto& d : deg)
                    d = deg2rad(d);
                e.set_clutter(deg);
            },
            py::arg("clutter_deg"))
        .def("clutter_deg",
             [](const doa_mle_core& e) {
                 std::vector<double> d = e.clutter();
                 for (auto& v : d)
                     v = rad2deg(v);
                 return d;
             })
        .def_static(
            "threshold_snr_int",
            [](const std::string& mode, int n_rx, int L, double known_fraction) {
                return doa_mle_core::threshold_snr_int(
                    parse_doa_mode(mode), n_rx, L, known_fraction);
            },
            py::arg("mode"),
            py::arg("n_rx"),
            py::arg("L"),
            py::arg("known_fraction") = 0.5,
            "Integrated SNR (linear) above which a CPI is above the ML threshold.")
        .def("grid_deg",
             [](const doa_mle_core& e) { return rvec(e.grid() * (180.0 / pi)); })
        .def("last_grid_objective",
             [](const doa_mle_core& e) {
                 return Eigen::VectorXd(e.last_grid_objective().cast<double>());
             })
        .def(
            "objective",
            [](const doa_mle_core& e, double th_deg) {
                return e.objective(deg2rad(th_deg));
            },
            py::arg("theta_deg"),
            "Continuous objective of the last CPI.")
        .def("set_noise_var", &doa_mle_core::set_noise_var, py::arg("noise_var"))
        .def("noise_var", &doa_mle_core::noise_var)
        .def("set_p_gauss", &doa_mle_core::set_p_gauss, py::arg("p_gauss"))
        .def("p_gauss", &doa_mle_core::p_gauss);

    m.def(
        "doa_mle_upa_known",
        [](const cmat& Y,
           const cmat& X,
           int n_th,
           int n_tv,
           int n_rh,
           int n_rv,
           std::vector<double> tg,
           std::vector<double> pg,
           bool refine) {
            for (auto& t : tg)
                t = deg2rad(t);
            for (auto& p : pg)
                p = deg2rad(p);
            auto r = doa_mle_upa_known(Y, X, n_th, n_tv, n_rh, n_rv, tg, pg, refine);
            py::dict d;
            d["theta_deg"] = rad2deg(r.theta_rad);
            d["phi_deg"] = rad2deg(r.phi_rad);
            d["alpha"] = r.alpha;
            d["objective"] = r.objective;
            return d;
        },
        py::arg("Y"),
        py::arg("X"),
        py::arg("n_th"),
        py::arg("n_tv"),
        py::arg("n_rh"),
        py::arg("n_rv"),
        py::arg("theta_grid_deg"),
        py::arg("phi_grid_deg"),
        py::arg("refine") = true,
        "Massive-MIMO ISAC paper monostatic UPA MLE with known X (eq. (26)-(27)): 2-D "
        "grid + Newton; Y n_rx x L, "
        "X n_tx x L; returns {theta_deg, phi_deg, alpha, objective}.");
}
