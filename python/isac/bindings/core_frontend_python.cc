/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bindings of the emulated front-end, the loop-delay and the transmit-phase
 * estimators into gnuradio.isac.core (numpy in/out, no flowgraph). Angles in
 * degrees here, phases in radians.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/frontend.h)                                           */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/frontend.h>
#include <gnuradio/isac/core/loop_delay.h>
#include <gnuradio/isac/core/tx_phase.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
using rowmat_cf = Eigen::Matrix<cfloat, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

rowmat_cf check_rows(const Eigen::Ref<const rowmat_cf>& X, int cols, const char* name)
{
    if (X.cols() != cols)
        throw param_error(std::string(name) + " must have " + std::to_string(cols) +
                          " columns, got " + std::to_string(X.cols()));
    return X;
}
} // namespace

void bind_core_frontend(py::module& m)
{
    py::class_<impairment_profile>(m, "impairment_profile", R"doc(
Ranges of the emulated front-end's impairments (docs/ota.md): each transmit,
sensing and user channel draws its own values from them. impairment_profile.named
("none" | "typical" | "harsh") gives the documented profiles; every field can be
changed for a custom study and is validated when an emulator is built.)doc")
        .def(py::init<>())
        .def_static("named", &impairment_profile::named, py::arg("name"))
        .def("validate", &impairment_profile::validate)
        .def_readwrite("name", &impairment_profile::name)
        .def_readwrite("gain_std_db", &impairment_profile::gain_std_db)
        .def_readwrite("random_phase", &impairment_profile::random_phase)
        .def_readwrite("drift_phase_std_deg", &impairment_profile::drift_phase_std_deg)
        .def_readwrite("drift_gain_std_db", &impairment_profile::drift_gain_std_db)
        .def_readwrite("drift_tau_s", &impairment_profile::drift_tau_s)
        .def_readwrite("iq_gain_db", &impairment_profile::iq_gain_db)
        .def_readwrite("iq_phase_deg", &impairment_profile::iq_phase_deg)
        .def_readwrite("pn_rms_deg", &impairment_profile::pn_rms_deg)
        .def_readwrite("pn_corner_hz", &impairment_profile::pn_corner_hz)
        .def_readwrite("sense_cfo_ppm", &impairment_profile::sense_cfo_ppm)
        .def_readwrite("user_cfo_ppm", &impairment_profile::user_cfo_ppm)
        .def_readwrite("loop_delay_min", &impairment_profile::loop_delay_min)
        .def_readwrite("loop_delay_max", &impairment_profile::loop_delay_max)
        .def_readwrite("rx_skew_max", &impairment_profile::rx_skew_max)
        .def_readwrite("user_delay_max", &impairment_profile::user_delay_max)
        .def_readwrite("user_timing_ns", &impairment_profile::user_timing_ns)
        .def_readwrite("users_free_running", &impairment_profile::users_free_running)
        .def_readwrite("adc_headroom_db", &impairment_profile::adc_headroom_db)
        .def("__repr__", [](const impairment_profile& p) {
            return "<impairment_profile '" + p.name + "'>";
        });

    m.def(
        "fractional_delay_kernel",
        [](double d, int taps, double beta) {
            int kf = 0;
            auto h = fractional_delay::kernel(d, taps, beta, kf);
            return py::make_tuple(h, kf);
        },
        py::arg("delay"),
        py::arg("taps") = 16,
        py::arg("kaiser_beta") = 6.0,
        "(taps, k_first): y(t) = sum_j taps[j] x(t - floor(delay) - k_first - j).");

    py::class_<fractional_delay>(m, "fractional_delay", R"doc(
Band-limited delay of n_chan channels (Kaiser-windowed sinc; integer delays are
an exact FIFO). process(X) takes and returns (n, n_chan) complex64 arrays and
keeps the history between calls.)doc")
        .def(py::init<int, double, int, double>(),
             py::arg("n_chan"),
             py::arg("max_delay"),
             py::arg("taps") = 16,
             py::arg("kaiser_beta") = 6.0)
        .def("set_delays", &fractional_delay::set_delays, py::arg("delays"))
        .def("delays", &fractional_delay::delays)
        .def("process",
             [](fractional_delay& f, const Eigen::Ref<const rowmat_cf>& X) {
                 const rowmat_cf x = check_rows(X, f.n_chan(), "X");
                 rowmat_cf y(x.rows(), x.cols());
                 {
                     py::gil_scoped_release r;
                     f.process(x.data(), y.data(), long(x.rows()));
                 }
                 return y;
             })
        .def("reset", &fractional_delay::reset);

    py::class_<frontend_emulator>(m, "frontend_emulator", R"doc(
The emulated radio front-end of the radio_emulator block, without a flowgraph:
process(X) takes (n, n_tx) complex64 transmit snapshots and returns (echo,
users) of shapes (n, n_rx [+1 with loopback]) and (n, n_users). Truth
accessors report the drawn impairments.)doc")
        .def(py::init([](int n_tx,
                         int n_rx,
                         int n_users,
                         double samp_rate,
                         double center_freq,
                         const std::vector<double>& user_deg,
                         const std::string& comm_model,
                         double comm_noise_var,
                         double target_deg,
                         double target_snr_db,
                         const std::vector<double>& clutter_deg,
                         const std::vector<double>& cnr_db,
                         double radar_noise_var,
                         long target_coherence,
                         py::object impairments,
                         uint64_t seed,
                         double pilot_deg,
                         double pilot_snr_db,
                         double pilot_freq,
                         int64_t pilot_len,
                         bool loopback,
                         double loopback_snr_db,
                         uint64_t phase_history_values) {
                 frontend_params p;
                 p.n_tx = n_tx;
                 p.n_rx = n_rx;
                 p.n_users = n_users;
                 p.samp_rate = samp_rate;
                 p.center_freq = center_freq;
                 for (double d : user_deg) {
                     check_angle_deg("user_deg", d);
                     p.user_rad.push_back(deg2rad(d));
                 }
                 p.users = parse_comm_model(comm_model);
                 p.comm_noise_var = comm_noise_var;
                 check_angle_deg("target_deg", target_deg);
                 p.target_rad = deg2rad(target_deg);
                 p.target_snr_db = target_snr_db;
                 for (double d : clutter_deg) {
                     check_angle_deg("clutter_deg", d);
                     p.clutter_rad.push_back(deg2rad(d));
                 }
                 p.cnr_db = cnr_db;
                 p.radar_noise_var = radar_noise_var;
                 p.target_coherence = target_coherence;
                 if (py::isinstance<py::str>(impairments))
                     p.imp = impairment_profile::named(impairments.cast<std::string>());
                 else
                     p.imp = impairments.cast<impairment_profile>();
                 p.seed = seed;
                 check_angle_deg("pilot_deg", pilot_deg);
                 p.pilot_rad = deg2rad(pilot_deg);
                 if (pilot_len >= 0) {
                     p.pilot_snr_db = pilot_snr_db;
                     p.pilot_len = uint64_t(pilot_len);
                 }
                 p.pilot_freq = pilot_freq;
                 p.loopback = loopback;
                 p.loopback_snr_db = loopback_snr_db;
                 p.phase_history_values = phase_history_values;
                 return new frontend_emulator(p);
             }),
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("n_users"),
             py::arg("samp_rate") = 1e6,
             py::arg("center_freq") = 2.45e9,
             py::arg("user_deg") = std::vector<double>{},
             py::arg("comm_model") = "los",
             py::arg("comm_noise_var") = 0.1,
             py::arg("target_deg") = 0.0,
             py::arg("target_snr_db") = 15.0,
             py::arg("clutter_deg") = std::vector<double>{},
             py::arg("cnr_db") = std::vector<double>{},
             py::arg("radar_noise_var") = 1.0,
             py::arg("target_coherence") = 0,
             py::arg("impairments") = "typical",
             py::arg("seed") = 0,
             py::arg("pilot_deg") = 0.0,
             py::arg("pilot_snr_db") = 20.0,
             py::arg("pilot_freq") = 0.0625,
             py::arg("pilot_len") = -1,
             py::arg("loopback") = false,
             py::arg("loopback_snr_db") = 30.0,
             py::arg("phase_history_values") = uint64_t(1) << 20)
        .def("process",
             [](frontend_emulator& e, const Eigen::Ref<const rowmat_cf>& X) {
                 const rowmat_cf x = check_rows(X, e.params().n_tx, "X");
                 rowmat_cf r(x.rows(), e.n_sense_out()), y(x.rows(), e.params().n_users);
                 {
                     py::gil_scoped_release rel;
                     e.process(x.data(), r.data(), y.data(), long(x.rows()));
                 }
                 return py::make_tuple(r, y);
             })
        .def("seed_used", &frontend_emulator::seed_used)
        .def("position", &frontend_emulator::position)
        .def("loop_delay", &frontend_emulator::loop_delay)
        .def("tx_phases", &frontend_emulator::tx_phases)
        .def("rx_phases", &frontend_emulator::rx_phases)
        .def("tx_phases_over",
             &frontend_emulator::tx_phases_over,
             py::arg("first"),
             py::arg("last"))
        .def("rx_phases_over",
             &frontend_emulator::rx_phases_over,
             py::arg("first"),
             py::arg("last"))
        .def("phase_history_span", &frontend_emulator::phase_history_span)
        .def("H", &frontend_emulator::H)
        .def("H_effective", &frontend_emulator::H_effective)
        .def("G", &frontend_emulator::G)
        .def("echo_gains", &frontend_emulator::echo_gains)
        .def("tx_gain", [](const frontend_emulator& e, int n) { return e.tx(n).gain; })
        .def("rx_gain", [](const frontend_emulator& e, int n) { return e.rx(n).gain; })
        .def("user_gain",
             [](const frontend_emulator& e, int n) { return e.user(n).gain; })
        .def("user_cfo", [](const frontend_emulator& e, int n) { return e.user(n).cfo; })
        .def("user_delay",
             [](const frontend_emulator& e, int n) { return e.user(n).delay; });

    py::class_<loop_delay_result>(m, "loop_delay_result")
        .def_readonly("valid", &loop_delay_result::valid)
        .def_readonly("delay", &loop_delay_result::delay)
        .def_readonly("integer", &loop_delay_result::integer)
        .def_readonly("fractional", &loop_delay_result::fractional)
        .def_readonly("peak_lag", &loop_delay_result::peak_lag)
        .def_readonly("peak_db", &loop_delay_result::peak_db)
        .def_readonly("snapshots", &loop_delay_result::snapshots)
        .def_readonly("profile", &loop_delay_result::profile);

    py::class_<loop_delay_estimator>(m, "loop_delay_estimator", R"doc(
Tx->Rx loop delay from x (n, n_tx) and the echo r (n, n_rx): the lag of the
largest correlation energy plus the fraction from the phase slope of the
correlation (core/loop_delay.h). process() returns True when an estimate
completed; result() holds it.)doc")
        .def(py::init<int, int, int, long, double>(),
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("max_delay") = 64,
             py::arg("n_avg") = 8192,
             py::arg("min_peak_db") = 12.0)
        .def("process",
             [](loop_delay_estimator& e,
                const Eigen::Ref<const rowmat_cf>& X,
                const Eigen::Ref<const rowmat_cf>& R) {
                 if (X.rows() != R.rows())
                     throw param_error("X and R must have the same number of rows");
                 const rowmat_cf x = X, r = R;
                 py::gil_scoped_release rel;
                 return e.process(x.data(), r.data(), long(x.rows()));
             })
        .def("result", &loop_delay_estimator::result)
        .def("restart", &loop_delay_estimator::restart);

    py::class_<tx_phase_result>(m, "tx_phase_result")
        .def_readonly("valid", &tx_phase_result::valid)
        .def_readonly("phases_rad", &tx_phase_result::phases_rad)
        .def_readonly("gains_db", &tx_phase_result::gains_db)
        .def_readonly("lag", &tx_phase_result::lag)
        .def_readonly("lag_score", &tx_phase_result::lag_score)
        .def_readonly("condition_db", &tx_phase_result::condition_db)
        .def_readonly("fit_db", &tx_phase_result::fit_db)
        .def_readonly("cfo", &tx_phase_result::cfo)
        .def_readonly("frac_lag", &tx_phase_result::frac_lag)
        .def_readonly("snapshots", &tx_phase_result::snapshots);

    py::class_<tx_phase_estimator>(m, "tx_phase_estimator", R"doc(
Transmit-array phases from one reference receiver (core/tx_phase.h): x (n, n_tx)
as transmitted, y (n,) received. process() returns True when an estimate
completed; result() holds it.)doc")
        .def(py::init([](int n_tx,
                         double ref_deg,
                         double spacing,
                         int max_lag,
                         long n_avg,
                         int block_len,
                         double min_score) {
                 check_angle_deg("ref_deg", ref_deg);
                 return new tx_phase_estimator(n_tx,
                                               deg2rad(ref_deg),
                                               spacing,
                                               max_lag,
                                               n_avg,
                                               block_len,
                                               min_score);
             }),
             py::arg("n_tx"),
             py::arg("ref_deg") = 0.0,
             py::arg("spacing") = 0.5,
             py::arg("max_lag") = 64,
             py::arg("n_avg") = 16384,
             py::arg("block_len") = 32,
             py::arg("min_score") = 12.0)
        .def("process",
             [](tx_phase_estimator& e,
                const Eigen::Ref<const rowmat_cf>& X,
                const Eigen::Ref<const Eigen::VectorXcf>& y) {
                 if (X.rows() != y.size())
                     throw param_error("X and y must have the same number of rows");
                 const rowmat_cf x = X;
                 const Eigen::VectorXcf yy = y;
                 py::gil_scoped_release rel;
                 return e.process(x.data(), yy.data(), long(x.rows()));
             })
        .def("result", &tx_phase_estimator::result)
        .def("restart", &tx_phase_estimator::restart)
        .def("set_lag", &tx_phase_estimator::set_lag, py::arg("lag"));
}
