/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gnuradio.isac.core bindings of the multi-user communication precoders
 * (comm_precoder.h): SINR, MRT, ZF, SINR power control, minimum-power
 * beamforming. H is K x N with rows h_k^H (null-space paper); massive-MIMO ISAC paper
 * users pass H = Hhat^H.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/comm_precoder.h)                                      */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/comm_precoder.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
// SINR target(s) in dB: a number or one per user (broadcast to K users).
rvec targets_db(const py::object& o, Eigen::Index K)
{
    std::vector<double> v;
    if (py::isinstance<py::float_>(o) || py::isinstance<py::int_>(o))
        v.assign(size_t(K), o.cast<double>());
    else
        v = o.cast<std::vector<double>>();
    rvec r(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        check_finite("sinr_db", v[i]);
        r[i] = db2lin(v[i]);
    }
    return r;
}
} // namespace

void bind_core_comm_precoder(py::module& m)
{
    // ---- communication precoders -------------------------------------------------
    m.def("sinr", &sinr, py::arg("H"), py::arg("F"), py::arg("noise_var"),
          "Per-user SINR (linear) of precoder F (N x K) on H (K x N, rows h_k^H).");
    m.def("mrt_directions", &mrt_directions, py::arg("H"), "Unit-norm MRT directions h_k/||h_k||.");
    m.def("zf_directions", &zf_directions, py::arg("H"),
          "Unit-norm ZF directions (columns of H^H (H H^H)^-1); ValueError if rank(H) < K.");
    m.def("mrt_precoder", &mrt_precoder, py::arg("H"), py::arg("power"),
          "Equal-power MRT with ||F||_F^2 = power.");
    m.def("zf_precoder", &zf_precoder, py::arg("H"), py::arg("power"),
          "Equal-power ZF with ||F||_F^2 = power.");
    m.def(
        "sinr_power_control",
        [](const cmat& H, const cmat& U, const py::object& sinr_db, double noise_var) {
            const rvec g = targets_db(sinr_db, H.rows());
            auto r = sinr_power_control(H, U, g, noise_var);
            py::dict d;
            d["p"] = r.p;
            d["feasible"] = r.feasible;
            d["why"] = r.why;
            return d;
        },
        py::arg("H"), py::arg("U"), py::arg("sinr_db"), py::arg("noise_var"),
        "Powers meeting every SINR target with equality for fixed directions U: "
        "dict(p, feasible, why).");
    m.def(
        "minpower_precoder",
        [](const cmat& H, const py::object& sinr_db, double noise_var, double tol, int max_iter) {
            const rvec g = targets_db(sinr_db, H.rows());
            auto r = minpower_precoder(H, g, noise_var, tol, max_iter);
            py::dict d;
            d["F"] = r.F;
            d["U"] = r.U;
            d["p"] = r.p;
            d["lambda"] = r.lambda;
            d["total_power"] = r.total_power;
            d["dual_value"] = r.dual_value;
            d["iterations"] = r.iterations;
            d["feasible"] = r.feasible;
            d["why"] = r.why;
            return d;
        },
        py::arg("H"), py::arg("sinr_db"), py::arg("noise_var"), py::arg("tol") = 1e-10,
        py::arg("max_iter") = 10000,
        "Minimum-power beamforming (min sum ||f_k||^2 s.t. SINR_k >= target) by the exact "
        "uplink-downlink duality fixed point; dict(F, U, p, lambda, total_power, dual_value, "
        "iterations, feasible, why).");

}
