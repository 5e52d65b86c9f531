/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gnuradio.isac.core bindings of the SD-ISAC design (nullspace.h), beampattern matching
 * (beampattern.h), range ISL (isl.h) and the beamformer-count paper beam count
 * (beam_count.h). Angles are in degrees here.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/nullspace.h)                                          */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/beam_count.h>
#include <gnuradio/isac/core/beampattern.h>
#include <gnuradio/isac/core/comm_precoder.h>
#include <gnuradio/isac/core/isl.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/nullspace.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
std::vector<double> rad(const std::vector<double>& deg)
{
    std::vector<double> r;
    for (double d : deg)
        r.push_back(deg2rad(d));
    return r;
}
std::vector<double> deg(const std::vector<double>& rad_)
{
    std::vector<double> r;
    for (double x : rad_)
        r.push_back(rad2deg(x));
    return r;
}
// SINR target(s) in dB: a number or one per user.
rvec sinr_targets(const py::object& o)
{
    std::vector<double> v;
    if (py::isinstance<py::float_>(o) || py::isinstance<py::int_>(o))
        v.push_back(o.cast<double>());
    else
        v = o.cast<std::vector<double>>();
    rvec r(v.size());
    // the dB value as passed and its index: the core sees only linear values
    for (size_t i = 0; i < v.size(); ++i)
        r[i] = db_to_linear(v.size() == 1 ? std::string("sinr_db")
                                          : "sinr_db[" + std::to_string(i) + "]",
                            v[i]);
    return r;
}
} // namespace

void bind_core_nullspace(py::module& m)
{
    // ---- null space, beam count ----------------------------------------------------
    m.def(
        "null_space",
        [](const cmat& H) {
            auto b = null_space(H);
            return py::make_tuple(b.P, b.rank);
        },
        py::arg("H"),
        "(P, rank): orthonormal basis of the null space of H (numerical rank, null-space "
        "paper eq. (4)-(7)).");
    m.def("leakage_ratio", &leakage_ratio, py::arg("H"), py::arg("Y"), "||H Y||_F / ||Y||_F.");
    m.def("exp_correlation", &exp_correlation, py::arg("n"), py::arg("r"), "[R]_ij = r^|i-j|.");
    m.def("sensing_dof",
          &sensing_dof,
          py::arg("task"),
          py::arg("n_targets") = 1,
          py::arg("n_tx") = 0,
          "Beamformer-count paper d for a task: 'gains_aoa', 'aoa', 'channel', "
          "'detection', 'beampattern'.");
    m.def(
        "beam_count_bound",
        [](int K, long d, bool cancellation, int n_tx) {
            auto b = beam_count_bound(K, d, cancellation, n_tx);
            py::dict r;
            r["d"] = b.d;
            r["total"] = b.total;
            r["sensing"] = b.sensing;
            return r;
        },
        py::arg("n_users"),
        py::arg("d"),
        py::arg("cancellation") = true,
        py::arg("n_tx") = 0,
        "Beamformer-count paper bound on the number of beamformers: dict(d, total, "
        "sensing).");
    m.def(
        "sensing_beams",
        [](int K, const std::string& task, int n_targets, int n_tx, bool cancellation) {
            return beam_count_bound(K, sensing_dof(task, n_targets, n_tx), cancellation, n_tx).sensing;
        },
        py::arg("n_users"),
        py::arg("task"),
        py::arg("n_targets") = 1,
        py::arg("n_tx") = 0,
        py::arg("cancellation") = true,
        "Beamformer-count paper bound on the number of extra sensing beams for K users "
        "and a sensing task.");

    // ---- beampattern helpers -------------------------------------------------------
    m.def("angle_grid_deg", [](double step_deg) { return deg(angle_grid(deg2rad(step_deg))); },
          py::arg("step_deg"), "Angles -90..90 deg with the given step.");
    m.def(
        "rect_pattern",
        [](const std::vector<double>& grid_deg, const std::vector<double>& targets_deg, double width_deg,
           double power, double level) {
            return rect_pattern(rad(grid_deg), rad(targets_deg), deg2rad(width_deg), power, level);
        },
        py::arg("grid_deg"), py::arg("targets_deg"), py::arg("width_deg"), py::arg("power"),
        py::arg("level") = 0.0,
        "Rectangular reference beampattern (level <= 0: power*M/M_main).");
    m.def(
        "pslr",
        [](const rvec& pattern, const std::vector<double>& grid_deg, const std::vector<double>& targets_deg,
           double width_deg, double guard_deg) {
            auto r = pslr(pattern, rad(grid_deg), rad(targets_deg), deg2rad(width_deg), deg2rad(guard_deg));
            py::dict d;
            d["pslr_db"] = r.pslr_db;
            d["main_peak"] = r.main_peak;
            d["side_peak"] = r.side_peak;
            d["peak_angles_deg"] = deg(r.peak_angles);
            return d;
        },
        py::arg("pattern"), py::arg("grid_deg"), py::arg("targets_deg"), py::arg("width_deg"),
        py::arg("guard_deg") = 2.0, "Peak sidelobe ratio of a beampattern.");
    m.def("pattern_of_covariance", &pattern_of_covariance, py::arg("R"), py::arg("A"),
          "a_m^H R a_m for the columns a_m of A.");
    m.def("reduce_pattern_rank",
          &reduce_pattern_rank,
          py::arg("P"),
          py::arg("V"),
          py::arg("target_rank"),
          "Lower-rank V' with the same ULA beampattern of P V V^H P^H (beamformer-count "
          "paper rank reduction).");
    m.def(
        "solve_trs",
        [](const cmat& Q, const cmat& G, double budget) {
            Eigen::SelfAdjointEigenSolver<cmat> evd(Q);
            auto t = solve_trs(evd.eigenvalues(), evd.eigenvectors(), G, budget);
            return py::make_tuple(t.B, t.nu, t.hard_case);
        },
        py::arg("Q"), py::arg("G"), py::arg("budget"),
        "Global minimiser of tr(B^H Q B) - 2 Re tr(B^H G) s.t. ||B||_F^2 = budget: (B, nu, hard_case).");

    m.def(
        "mm_linesearch",
        [](const cmat& A,
           const rvec& delta,
           int L,
           double budget,
           const cmat& B0,
           const py::object& Z,
           const py::object& u,
           double tol,
           int max_iter) {
            bp_problem p;
            p.A = A;
            p.delta = delta;
            p.L = L;
            p.budget = budget;
            if (!Z.is_none())
                p.Z = Z.cast<cmat>();
            if (!u.is_none())
                p.u = u.cast<rvec>();
            mm_options o;
            o.tol = tol;
            o.max_iter = max_iter;
            mm_result r;
            {
                py::gil_scoped_release release;
                r = mm_linesearch(p, B0, o);
            }
            py::dict d;
            d["B"] = r.B;
            d["cost"] = r.cost;
            d["matching_cost"] = r.matching_cost;
            d["iterations"] = r.iterations;
            d["cost_history"] = r.cost_history;
            d["norm_history"] = r.norm_history;
            return d;
        },
        py::arg("A"),
        py::arg("delta"),
        py::arg("L"),
        py::arg("budget"),
        py::arg("B0"),
        py::arg("Z") = py::none(),
        py::arg("u") = py::none(),
        py::arg("tol") = 1e-6,
        py::arg("max_iter") = 200,
        "MM-LineSearch on min sum_m (||[B^H A + Z]_m, sqrt(u_m)|| - delta_m)^2 s.t. "
        "||B||_F^2 = budget (null-space paper Algorithm 1). Radar-only baseline: A = "
        "steering matrix, Z = u = None.");

    // ---- ISL -----------------------------------------------------------------------
    m.def(
        "isl_lag_profile",
        [](const cmat& X, int T) { return isl_lag_profile(X, T); },
        py::arg("X"),
        py::arg("T"),
        "||X J_tau X^H||_F for tau = 1..T.");
    m.def(
        "isl",
        [](const cmat& X, int T) { return isl_of(X, T); },
        py::arg("X"),
        py::arg("T"),
        "sum_{tau=1}^T ||X J_tau X^H||_F^2.");

    // ---- complete design ----------------------------------------------------------
    py::class_<sdisac_design>(
        m, "sdisac_design", "A null-space superimposing (SD-ISAC) design.")
        .def_readonly("ok", &sdisac_design::ok)
        .def_readonly("comm_ok", &sdisac_design::comm_ok)
        .def_readonly("message", &sdisac_design::message)
        .def_readonly("H", &sdisac_design::H)
        .def_readonly("F", &sdisac_design::F)
        .def_readonly("P", &sdisac_design::P)
        .def_readonly("B", &sdisac_design::B)
        .def_readonly("rank", &sdisac_design::rank)
        .def_readonly("rank_deficient", &sdisac_design::rank_deficient)
        .def_readonly("comm_power", &sdisac_design::comm_power)
        .def_readonly("sensing_power", &sdisac_design::sensing_power)
        .def_readonly("split", &sdisac_design::split)
        .def_readonly("sinr",
                      &sdisac_design::sinr,
                      "The users' SINRs, linear (the input is sinr_db).")
        .def_property_readonly(
            "sinr_db",
            [](const sdisac_design& d) -> rvec { return 10.0 * d.sinr.array().log10(); },
            "The users' SINRs in dB.")
        .def_readonly("lambda_", &sdisac_design::lambda)
        .def_readonly("dual_value", &sdisac_design::dual_value)
        .def_readonly("cost", &sdisac_design::cost)
        .def_readonly("matching_cost", &sdisac_design::matching_cost)
        .def_readonly("iterations", &sdisac_design::iterations)
        .def_readonly("cost_history", &sdisac_design::cost_history)
        .def_readonly("pslr_db", &sdisac_design::pslr_db)
        .def_property_readonly(
            "peak_angles_deg",
            [](const sdisac_design& d) { return deg(d.peak_angles_rad); })
        .def_readonly("isl", &sdisac_design::isl)
        .def_readonly("leakage", &sdisac_design::leakage)
        .def_readonly("sensing_rank", &sdisac_design::sensing_rank)
        .def_readonly("design_time_s", &sdisac_design::design_time_s)
        .def_property_readonly("grid_deg",
                               [](const sdisac_design& d) { return deg(d.grid_rad); })
        .def_readonly("desired", &sdisac_design::desired)
        .def_readonly("pattern", &sdisac_design::pattern)
        .def_readonly("frame_len", &sdisac_design::frame_len)
        .def(
            "beampattern",
            [](const sdisac_design& d, const std::vector<double>& grid_deg) {
                return design_pattern(d, rad(grid_deg));
            },
            py::arg("grid_deg"),
            "P(theta) on any grid: a^H (F F^H + P B B^H P^H / L) a, or with the known "
            "symbols (1/L)||(F S + P B)^H a||^2.")
        .def_property_readonly(
            "X_sensing",
            [](const sdisac_design& d) -> cmat {
                return d.B.size() ? cmat(d.P * d.B) : cmat();
            },
            "P B (n_tx x frame_len), the transmitted sensing frame.");

    m.def(
        "nullspace_design",
        [](const cmat& H,
           double power,
           const std::string& comm,
           const py::object& sinr_db,
           double noise_var,
           const std::string& sensing,
           const std::vector<double>& targets_deg,
           double beam_width_deg,
           int frame_len,
           double comm_power,
           double grid_step_deg,
           int isl_lags,
           double csi_error,
           double csi_weight,
           double csi_corr,
           int sensing_beams,
           int max_iter,
           double tol,
           uint64_t seed,
           const py::object& symbols,
           double max_seconds) {
            // n_tx and n_users come from H's shape: a transposed H must say so, not
            // name a parameter the caller never passed
            if (H.rows() >= H.cols())
                throw param_error("H = " + std::to_string(H.rows()) + " x " +
                                  std::to_string(H.cols()) +
                                  " (n_users x n_tx) is out of range; allowed: n_tx > "
                                  "n_users (H's rows are the users)");
            sdisac_params p;
            p.frame_len = frame_len;
            p.power = power;
            p.comm = comm;
            p.sinr = sinr_targets(sinr_db);
            p.noise_var = noise_var;
            p.comm_power = comm_power;
            p.sensing = sensing;
            for (double t : targets_deg)
                check_angle_deg("targets_deg", t);
            p.targets_rad = rad(targets_deg);
            check_finite("beam_width_deg", beam_width_deg);
            p.beam_width_rad = deg2rad(beam_width_deg);
            check_finite("grid_step_deg", grid_step_deg);
            p.grid_step_rad = deg2rad(grid_step_deg);
            p.isl_lags = isl_lags;
            p.csi_error = csi_error;
            p.csi_weight = csi_weight;
            p.csi_corr = csi_corr;
            p.sensing_beams = sensing_beams;
            p.max_iter = max_iter;
            p.max_seconds = max_seconds;
            p.tol = tol;
            p.seed = seed;
            if (!symbols.is_none())
                p.symbols = symbols.cast<cmat>();
            py::gil_scoped_release release;
            return design_sdisac(H, p);
        },
        py::arg("H"),
        py::arg("power"),
        py::arg("comm"),
        py::arg("sinr_db"),
        py::arg("noise_var"),
        py::arg("sensing"),
        py::arg("targets_deg"),
        py::arg("beam_width_deg"),
        py::arg("frame_len"),
        py::arg("comm_power") = 0.0,
        py::arg("grid_step_deg") = 0.5,
        py::arg("isl_lags") = 0,
        py::arg("csi_error") = 0.0,
        py::arg("csi_weight") = 1.0,
        py::arg("csi_corr") = 0.0,
        py::arg("sensing_beams") = 0,
        py::arg("max_iter") = 200,
        py::arg("tol") = 1e-6,
        py::arg("seed") = 1,
        py::arg("symbols") = py::none(),
        py::arg("max_seconds") = 0.0,
        "The complete SD-ISAC design the nullspace_precoder block uses (same "
        "parameters), for studies. sinr_db: number or one per user. symbols: optional "
        "K x frame_len known symbols (null-space paper deterministic mode); default: "
        "expected over i.i.d. unit-power symbols. max_seconds: work budget of the "
        "MM/ISL iterations (0: none; at its end the current iterate is kept and noted "
        "in message). Returns sdisac_design (ok=False with message when infeasible).");
}
