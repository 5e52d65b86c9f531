/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * isac.core: CI safe-margin precoder design (safe_margin.h, ci_solver.h) for
 * studies and figure reproduction. Degrees and dB at the Python surface.
 */
/* BINDTOOL_HEADER_FILE(core/ci_solver.h)                                          */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/ci_solver.h>
#include <gnuradio/isac/core/limits.h>

#include <sstream>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
// the ci_precoder block's dB range, so help(design.ci_design) states what is accepted
double db2lin(const char* name, double db) { return db_to_linear(name, db); }

radar_scene make_scene(int n_tx,
                       int n_rx,
                       double target_deg,
                       std::vector<double> clutter_deg,
                       double snr_r_db,
                       std::vector<double> cnr_db)
{
    check_angle_deg("target_deg", target_deg);
    for (auto& c : clutter_deg) {
        check_angle_deg("clutter_deg", c);
        c = deg2rad(c);
    }
    for (auto& c : cnr_db)
        c = db2lin("cnr_db", c);
    return radar_scene(n_tx,
                       n_rx,
                       deg2rad(target_deg),
                       clutter_deg,
                       db2lin("snr_r_db", snr_r_db),
                       cnr_db);
}

ci_params make_params(int psk_order,
                      double power,
                      double noise_var,
                      double gamma_db,
                      const std::string& mode,
                      double chi_db,
                      const std::string& dac,
                      const std::string& adc,
                      const std::string& solver,
                      int max_iter,
                      double tol,
                      long bnb_max_nodes,
                      double bnb_max_seconds,
                      const std::string& radar_metric)
{
    ci_params p;
    p.psk_order = psk_order;
    p.power = power;
    p.noise_var = noise_var;
    p.gamma = db2lin("gamma_db", gamma_db);
    p.mode = parse_ci_mode("mode", mode);
    p.chi = db2lin("chi_db", chi_db);
    p.one_bit_dac = parse_adc_model("dac", dac) == adc_model::one_bit;
    p.adc = parse_adc_model("adc", adc);
    p.solver = parse_ci_preset("solver", solver);
    p.max_iter = max_iter;
    p.tol = tol;
    p.bnb_max_nodes = bnb_max_nodes;
    p.bnb_max_seconds = bnb_max_seconds;
    p.radar_metric = parse_ci_radar_metric("radar_metric", radar_metric);
    p.validate();
    return p;
}

// ci_tuning <-> dict, one list of fields
#define CI_TUNING_FIELDS(X) \
    X(exact_steps)          \
    X(phases)               \
    X(phase_paths)          \
    X(feasible_start)       \
    X(feasible_margin)      \
    X(random_starts)        \
    X(random_rounds)        \
    X(homotopy)             \
    X(lp_every_step)        \
    X(lp_starts)            \
    X(core_nodes)           \
    X(core_size)            \
    X(early_stop)           \
    X(merge_runs)           \
    X(stationary_nodes)     \
    X(polish)               \
    X(feasibility_nodes)    \
    X(undecided_starts)     \
    X(qod_turns)            \
    X(qod_random_starts)

py::dict tuning_dict(const ci_tuning& t)
{
    py::dict d;
#define X(f) d[#f] = t.f;
    CI_TUNING_FIELDS(X)
#undef X
    return d;
}

ci_tuning tuning_from(const py::dict& d, ci_tuning t)
{
    for (const auto& kv : d) {
        const std::string k = py::cast<std::string>(kv.first);
        bool known = false;
#define X(f)                                      \
    if (k == #f) {                                \
        t.f = py::cast<decltype(t.f)>(kv.second); \
        known = true;                             \
    }
        CI_TUNING_FIELDS(X)
#undef X
        if (!known)
            throw_param("tuning key", "'" + k + "'", "a ci_tuning field");
    }
    t.validate();
    return t;
}

// The study calls design for the symbols they are given: a NaN/Inf or zero symbol
// has no M-PSK point (psk_index would snap it to index 0 and the design report
// feasible), so it is refused here. The streaming block keeps its own handling
// (it counts such symbols in its stats and designs on).
void check_symbols(const cvec& s)
{
    for (Eigen::Index i = 0; i < s.size(); ++i) {
        const cdouble v = s[i];
        if (std::isfinite(v.real()) && std::isfinite(v.imag()) && v != cdouble(0))
            continue;
        std::ostringstream o;
        o << v.real() << (std::signbit(v.imag()) ? " - " : " + ") << std::fabs(v.imag())
          << "j";
        throw_param("s[" + std::to_string(i) + "]",
                    o.str(),
                    "finite nonzero symbols (each snapped to the nearest M-PSK point)");
    }
}

py::dict result_dict(const ci_result& r)
{
    py::dict d;
    d["x"] = r.x;
    d["u"] = r.u;
    d["qscnr"] = r.metric;
    d["objective"] = r.objective;
    d["margins"] = r.margins;
    d["lambda"] = r.lambda;
    d["iterations"] = r.iterations;
    d["feasible"] = r.feasible;
    d["optimal"] = r.optimal;
    d["budget_exhausted"] = r.budget_exhausted;
    d["step_value"] = r.step_value;
    d["lp_bound"] = r.lp_bound;
    d["gap"] = r.gap;
    d["ilp_bound"] = r.ilp_bound;
    d["trace"] = r.trace;
    return d;
}

py::dict ilp_dict(const ilp_result& r)
{
    py::dict d;
    d["feasible"] = r.feasible;
    d["lp_feasible"] = r.lp_feasible;
    d["optimal"] = r.optimal;
    d["xt"] = r.xt;
    d["objective"] = r.objective;
    d["lp_bound"] = r.lp_bound;
    d["nodes"] = r.nodes;
    return d;
}

#define CI_PARAM_ARGS                                                                  \
    py::arg("psk_order") = 8, py::arg("power") = 1.0, py::arg("noise_var") = 1.0,      \
    py::arg("gamma_db") = 5.0, py::arg("mode") = "qos", py::arg("chi_db") = 10.0,      \
    py::arg("dac") = "1bit", py::arg("adc") = "1bit", py::arg("solver") = "realtime",  \
    py::arg("max_iter") = 0, py::arg("tol") = 1e-4, py::arg("bnb_max_nodes") = 200000, \
    py::arg("bnb_max_seconds") = 10.0, py::arg("tuning") = py::none(),                 \
    py::arg("radar_metric") = "theorem1"
} // namespace

void bind_core_ci_solver(py::module& m)
{
    m.def(
        "psk_index",
        [](cdouble s, int M) { return psk_index(s, M); },
        py::arg("s"),
        py::arg("psk_order"));
    m.def("ci_constraint_matrix",
          &ci_constraint_matrix,
          py::arg("H"),
          py::arg("s"),
          py::arg("psk_order"),
          "A (2U x N_T): rows kappa_1 hbar_u^H, kappa_2 hbar_u^H (1-bit ISAC paper "
          "Theorem 2).");
    m.def("ci_real_constraints",
          &ci_real_constraints,
          py::arg("A"),
          "Atilde = [Re A, -Im A] (1-bit ISAC paper eq. (34)).");
    m.def("safe_margins",
          &safe_margins,
          py::arg("H"),
          py::arg("s"),
          py::arg("psk_order"),
          py::arg("x"),
          "alpha_u = Re z_u - cot(pi/M)|Im z_u|, z_u = conj(s_u/|s_u|) (H x)_u.");
    m.def("safe_margin_threshold",
          &safe_margin_threshold,
          py::arg("gamma_linear"),
          py::arg("noise_var"));
    m.def("sep_bounds",
          &sep_bounds,
          py::arg("alpha"),
          py::arg("noise_var"),
          py::arg("psk_order"),
          "Theorem-2 (lower, upper) SEP bounds for safe margin alpha.");
    m.def(
        "lp_solve",
        [](const rvec& c, const rmat& A, const rvec& b, const rvec& lo, const rvec& hi) {
            const lp_result r = lp_solve(c, A, b, lo, hi);
            py::dict d;
            d["status"] = int(r.status);
            d["value"] = r.value;
            d["z"] = r.z;
            d["dual"] = r.dual;
            d["iterations"] = r.iterations;
            return d;
        },
        py::arg("c"),
        py::arg("A"),
        py::arg("b"),
        py::arg("lo"),
        py::arg("hi"),
        "max c^T z s.t. A z >= b, lo <= z <= hi (status 0 optimal, 1 infeasible, 2 "
        "limit).");
    m.def(
        "ilp_qos_heuristic",
        [](const rvec& w,
           const rmat& At,
           const rvec& lam,
           double c,
           std::vector<rvec> warm,
           long nodes,
           int core) {
            qos_heuristic_opts o;
            o.core_nodes = nodes;
            o.core_size = core;
            return ilp_dict(ilp_qos_heuristic(w, At, lam, c, warm, o));
        },
        py::arg("w"),
        py::arg("At"),
        py::arg("lam"),
        py::arg("c"),
        py::arg("warm") = std::vector<rvec>{},
        py::arg("search_nodes") = 0,
        py::arg("core_size") = 0);
    m.def(
        "ilp_qos_exact",
        [](const rvec& w,
           const rmat& At,
           const rvec& lam,
           double c,
           long max_nodes,
           double max_seconds) {
            return ilp_dict(ilp_qos_exact(w, At, lam, c, max_nodes, max_seconds));
        },
        py::arg("w"),
        py::arg("At"),
        py::arg("lam"),
        py::arg("c"),
        py::arg("max_nodes") = 1000000,
        py::arg("max_seconds") = 30.0);

    m.def(
        "ilp_qos_feasibility",
        [](const rmat& At, const rvec& lam, double c, long max_nodes) {
            return ilp_dict(ilp_qos_feasibility(At, lam, c, max_nodes));
        },
        py::arg("At"),
        py::arg("lam"),
        py::arg("c"),
        py::arg("max_nodes") = 5000,
        "Is At xt >= lam feasible over {-c, c}^n? feasible (xt), or optimal with "
        "feasible False (infeasibility proven), or neither (undecided in max_nodes).");

    py::class_<ci_solver>(m, "ci_solver", R"doc(
CI safe-margin symbol-level precoder design (1-bit ISAC paper Sec. III-B, IV): MM on the
radar QSCNR with an ILP per step. ci_solver(n_tx, n_users, n_rx, target_deg,
clutter_deg, snr_r_db, cnr_db, psk_order, power, noise_var, gamma_db, mode,
chi_db, dac, adc, solver, max_iter, tol, bnb_max_nodes, bnb_max_seconds, tuning).
solver: "realtime" (the block default), "quality", "table" (what lookup tables are
built with), "exact" (branch and bound per step, bnb_max_* per ILP) or "fast"
(realtime from the target beam alone at every N_T). tuning: a dict
overriding the preset's internal settings (isac.core.ci_preset_tuning) for studies.
max_iter caps each MM run; 0 (the default): 100 for QoS with the ∞-bit DAC, else 10.
set_channel(H) with H n_users x n_tx (y = H x + n).)doc")
        .def(py::init([](int n_tx,
                         int n_users,
                         int n_rx,
                         double target_deg,
                         std::vector<double> clutter_deg,
                         double snr_r_db,
                         std::vector<double> cnr_db,
                         int psk_order,
                         double power,
                         double noise_var,
                         double gamma_db,
                         const std::string& mode,
                         double chi_db,
                         const std::string& dac,
                         const std::string& adc,
                         const std::string& solver,
                         int max_iter,
                         double tol,
                         long bnb_max_nodes,
                         double bnb_max_seconds,
                         py::object tuning,
                         const std::string& radar_metric) {
                 if (cnr_db.size() != clutter_deg.size())
                     throw_param("cnr_db",
                                 std::to_string(cnr_db.size()) + " values",
                                 "one per clutter_deg entry");
                 const ci_params p = make_params(psk_order,
                                                 power,
                                                 noise_var,
                                                 gamma_db,
                                                 mode,
                                                 chi_db,
                                                 dac,
                                                 adc,
                                                 solver,
                                                 max_iter,
                                                 tol,
                                                 bnb_max_nodes,
                                                 bnb_max_seconds,
                                                 radar_metric);
                 ci_tuning t = ci_preset_tuning(p.solver, n_tx);
                 if (!tuning.is_none())
                     t = tuning_from(py::cast<py::dict>(tuning), t);
                 return ci_solver(
                     make_scene(n_tx, n_rx, target_deg, clutter_deg, snr_r_db, cnr_db),
                     n_users,
                     p,
                     t);
             }),
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("n_rx") = 128,
             py::arg("target_deg") = 10.0,
             py::arg("clutter_deg") = std::vector<double>{ -50.0, 30.0 },
             py::arg("snr_r_db") = 15.0,
             py::arg("cnr_db") = std::vector<double>{ 30.0, 30.0 },
             CI_PARAM_ARGS)
        .def("set_channel", &ci_solver::set_channel, py::arg("H"))
        .def(
            "solve",
            [](const ci_solver& s, const cvec& sym) {
                check_symbols(sym);
                // the design runs without the GIL; the result dict needs it back
                ci_result r;
                {
                    py::gil_scoped_release nogil;
                    r = s.solve(sym);
                }
                return result_dict(r);
            },
            py::arg("s"))
        .def(
            "solve_indices",
            [](const ci_solver& s, const std::vector<int>& k) {
                return result_dict(s.solve_indices(k));
            },
            py::arg("k"))
        .def(
            "surrogate",
            [](const ci_solver& s, const cvec& x) {
                const ci_surrogate r = s.surrogate(x);
                return py::make_tuple(r.w, r.const2, r.metric);
            },
            py::arg("x"),
            "(wtilde, const2, objective(x)) of the MM surrogate (radar_metric \"exact\": "
            "the linearisation) at x.")
        .def(
            "metric",
            [](const ci_solver& s, const cvec& x) {
                return s.scene().metric(x, s.params().adc);
            },
            py::arg("x"))
        .def(
            "objective",
            [](const ci_solver& s, const cvec& x) { return s.objective().value(x); },
            py::arg("x"),
            "The radar_metric's value at x: QSCNR/SCNR (theorem1) or the exact "
            "deflection (exact).")
        .def_property_readonly("lam", &ci_solver::lambda)
        .def_property_readonly("amplitude", &ci_solver::amplitude)
        .def_property_readonly(
            "beam", &ci_solver::beam, "MM start: the target beam on the alphabet.")
        .def_property_readonly(
            "tuning",
            [](const ci_solver& s) { return tuning_dict(s.tuning()); },
            "The internal settings in use (the preset's, or the tuning= overrides).")
        .def_property_readonly("n_tx", &ci_solver::n_tx)
        .def_property_readonly("n_users", &ci_solver::n_users);

    m.def(
        "ci_preset_tuning",
        [](const std::string& solver, int n_tx) {
            return tuning_dict(ci_preset_tuning(parse_ci_preset("solver", solver), n_tx));
        },
        py::arg("solver"),
        py::arg("n_tx"),
        "The internal settings of a solver preset (a dict; ci_solver(..., tuning=) "
        "overrides any of them for studies).");

    // ci_design forwards its keywords to the ci_solver constructor above, so the
    // parameter list (names, defaults, validation) exists once
    m.def(
        "ci_design",
        [](const cmat& H, const cvec& s, py::kwargs kw) {
            check_symbols(s);
            // n_tx and n_users come from H's shape: a transposed H must say so, not
            // name a parameter the caller never passed
            if (H.cols() < H.rows())
                throw param_error("H = " + std::to_string(H.rows()) + " x " +
                                  std::to_string(H.cols()) +
                                  " (n_users x n_tx) is out of range; allowed: n_tx >= "
                                  "n_users (H's rows are the users)");
            py::object S = py::type::of<ci_solver>()(int(H.cols()), int(H.rows()), **kw);
            S.attr("set_channel")(H);
            return S.attr("solve")(s);
        },
        py::arg("H"),
        py::arg("s"),
        R"doc(Per-snapshot CI precoder design for studies: (H, s, parameters) ->
dict(x, u, qscnr, objective, margins, lambda, iterations, feasible, optimal,
budget_exhausted, step_value, lp_bound, gap, trace). H is n_users x n_tx (y = H x + n), s the users'
symbols (finite and nonzero, snapped to M-PSK). qscnr is the SCNR when adc = "inf". radar_metric =
"exact" maximises the exact (arcsine-law) deflection of the same receive filter
instead of Theorem 1's QSCNR; objective is the chosen metric's value, chi_db is in
its units. The keywords are ci_solver's (help(ci_solver)) but n_tx and n_users, which
come from H; gnuradio.isac.design.ci_design is this call with every keyword, its unit
and default in its help and a misspelt keyword named.)doc");
}
