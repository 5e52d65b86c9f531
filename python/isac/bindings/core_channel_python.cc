/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bindings of the channel simulator core into gnuradio.isac.core, for design
 * studies and Monte-Carlo runs without a flowgraph. Angles in degrees here.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/channel.h)                                            */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/channel.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
using rowmat_cf = Eigen::Matrix<cfloat, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

std::vector<double> rad(const std::string& name, const std::vector<double>& deg)
{
    std::vector<double> r;
    for (double d : deg) {
        check_angle_deg(name, d);
        r.push_back(deg2rad(d));
    }
    return r;
}
double rad(const std::string& name, double deg)
{
    check_angle_deg(name, deg);
    return deg2rad(deg);
}
} // namespace

void bind_core_channel(py::module& m)
{
    py::class_<gaussian_rng>(m, "gaussian_rng", R"doc(
The channel simulator's Gaussian generator: xoshiro256++ and the 128-layer
Marsaglia-Tsang ziggurat (exact, float output).)doc")
        .def(py::init<uint64_t>(), py::arg("seed") = 1)
        .def(
            "normal",
            [](gaussian_rng& g, size_t n) {
                Eigen::VectorXf v(n);
                for (size_t i = 0; i < n; ++i)
                    v[i] = g.normal();
                return v;
            },
            py::arg("n"),
            "n samples of N(0, 1) (float32).")
        .def(
            "cn",
            [](gaussian_rng& g, size_t n, float var) {
                cvecf v(n);
                g.fill_cn(v.data(), n, var);
                return v;
            },
            py::arg("n"),
            py::arg("var") = 1.0f,
            "n samples of CN(0, var) (complex64).");

    py::class_<gaussian_lanes>(m, "gaussian_lanes", R"doc(
The same ziggurat on eight xoshiro256++ lanes (the emulated front-end's noise and
phase noise): one stream per seed, the same bits from every kernel.)doc")
        .def(py::init<uint64_t>(), py::arg("seed") = 1)
        .def(
            "normal",
            [](gaussian_lanes& g, size_t n, const std::string& impl) {
                Eigen::VectorXf v(n);
                if (impl.empty())
                    g.fill_normal(v.data(), n);
                else
                    g.fill_normal(v.data(), n, impl);
                return v;
            },
            py::arg("n"),
            py::arg("impl") = std::string(),
            "The next n samples of N(0, 1) (float32), through the named kernel "
            "(default: the one the CPU runs best).")
        .def_static("impls", &gaussian_lanes::impls, "The kernels this CPU runs.")
        .def_static("impl", &gaussian_lanes::impl, "The kernel normal() uses.");

    m.def(
        "draw_comm_channel",
        [](const std::string& model, int n_users, int n_tx, const std::vector<double>& user_deg,
           double rician_k_db, uint64_t seed) {
            gaussian_rng g(seed ? seed : random_seed());
            return draw_comm_channel(parse_comm_model(model), n_users, n_tx,
                                     rad("user_deg", user_deg), rician_k_db, g);
        },
        py::arg("comm_model"),
        py::arg("n_users"),
        py::arg("n_tx"),
        py::arg("user_deg") = std::vector<double>{},
        py::arg("rician_k_db") = 10.0,
        py::arg("seed") = 0,
        "One users' channel draw, n_users x n_tx with rows h_u^H (y = H x + n).");
    m.def(
        "los_channel",
        [](int n_tx, const std::vector<double>& user_deg) {
            return los_channel(n_tx, rad("user_deg", user_deg));
        },
        py::arg("n_tx"),
        py::arg("user_deg"),
        "Line-of-sight H: row u = ula_steering(n_tx, user_deg[u])^T (unit gain per antenna).");

    py::class_<isac_channel_model>(m, "isac_channel_model", R"doc(
The isac_channel block's simulator without GNU Radio. process(X) takes an
(n, n_tx) complex64 array of snapshots and returns (Y, R) of shapes
(n, n_users) and (n, n_rx); channel draws and CPIs advance exactly as in the
block (H at multiples of coherence, gains at multiples of cpi_len).)doc")
        .def(py::init([](int n_tx,
                         int n_users,
                         int n_rx,
                         const std::string& comm_model,
                         const std::vector<double>& user_deg,
                         const std::vector<double>& comm_noise_var,
                         double rician_k_db,
                         long coherence,
                         uint64_t seed,
                         const std::string& geometry,
                         double target_deg,
                         double tx_deg,
                         double rx_deg,
                         double target_snr_db,
                         const std::vector<double>& clutter_deg,
                         const std::vector<double>& cnr_db,
                         double radar_noise_var,
                         const std::string& gain_model,
                         long cpi_len,
                         long target_delay) {
                 channel_params p;
                 p.n_tx = n_tx;
                 p.n_users = n_users;
                 p.n_rx = n_rx;
                 p.comm = parse_comm_model(comm_model);
                 p.user_rad = rad("user_deg", user_deg);
                 p.comm_noise_var = comm_noise_var;
                 p.rician_k_db = rician_k_db;
                 p.coherence = coherence;
                 p.seed = seed;
                 p.geometry = parse_geometry(geometry);
                 p.target_rad = rad("target_deg", target_deg);
                 p.tx_rad = rad("tx_deg", tx_deg);
                 p.rx_rad = rad("rx_deg", rx_deg);
                 p.target_snr_db = target_snr_db;
                 p.clutter_rad = rad("clutter_deg", clutter_deg);
                 p.cnr_db = cnr_db;
                 p.radar_noise_var = radar_noise_var;
                 p.gains = parse_gain_model(gain_model);
                 p.cpi_len = cpi_len;
                 p.target_delay = target_delay;
                 return new isac_channel_model(p);
             }),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_users"),
             py::arg("n_rx"),
             py::arg("comm_model") = "rayleigh",
             py::arg("user_deg") = std::vector<double>{},
             py::arg("comm_noise_var") = std::vector<double>{ 0.316 },
             py::arg("rician_k_db") = 10.0,
             py::arg("coherence") = 0,
             py::arg("seed") = 0,
             py::arg("geometry") = "monostatic",
             py::arg("target_deg") = 10.0,
             py::arg("tx_deg") = 0.0,
             py::arg("rx_deg") = 0.0,
             py::arg("target_snr_db") = 15.0,
             py::arg("clutter_deg") = std::vector<double>{ -50.0, 30.0 },
             py::arg("cnr_db") = std::vector<double>{ 30.0, 30.0 },
             py::arg("radar_noise_var") = 1.0,
             py::arg("gain_model") = "swerling1",
             py::arg("cpi_len") = 64,
             py::arg("target_delay") = 0)
             // gen_params:end args
        // clang-format on
        .def(
            "process",
            [](isac_channel_model& ch, const rowmat_cf& X) {
                const auto& p = ch.params();
                if (X.cols() != p.n_tx)
                    throw_param("X.shape[1]", std::to_string(X.cols()),
                                "n_tx = " + std::to_string(p.n_tx));
                const long n = X.rows();
                rowmat_cf Y(n, p.n_users), R(n, p.n_rx);
                long done = 0;
                while (done < n) {
                    if (ch.comm_due())
                        ch.draw_comm();
                    if (ch.cpi_due())
                        ch.draw_gains();
                    done += ch.process(X.data() + done * p.n_tx, Y.data() + done * p.n_users,
                                       R.data() + done * p.n_rx, n - done);
                }
                return py::make_tuple(Y, R);
            },
            py::arg("X"),
            "Run n snapshots (rows of X); returns (Y, R).")
        .def(
            "set_target_deg",
            [](isac_channel_model& ch, double d) {
                ch.set_target_rad(rad("target_deg", d));
            },
            py::arg("target_deg"))
        .def(
            "set_tx_deg",
            [](isac_channel_model& ch, double d) { ch.set_tx_rad(rad("tx_deg", d)); },
            py::arg("tx_deg"))
        .def(
            "set_rx_deg",
            [](isac_channel_model& ch, double d) { ch.set_rx_rad(rad("rx_deg", d)); },
            py::arg("rx_deg"))
        .def(
            "set_user_deg",
            [](isac_channel_model& ch, const std::vector<double>& d) {
                ch.set_user_rad(rad("user_deg", d));
            },
            py::arg("user_deg"))
        .def(
            "set_clutter",
            [](isac_channel_model& ch,
               const std::vector<double>& d,
               const std::vector<double>& c) {
                ch.set_clutter(rad("clutter_deg", d), c);
            },
            py::arg("clutter_deg"),
            py::arg("cnr_db"))
        .def("set_target_snr_db",
             &isac_channel_model::set_target_snr_db,
             py::arg("target_snr_db"))
        .def("set_radar_noise_var",
             &isac_channel_model::set_radar_noise_var,
             py::arg("radar_noise_var"))
        .def("set_comm_noise_var",
             &isac_channel_model::set_comm_noise_var,
             py::arg("comm_noise_var"))
        .def("set_rician_k_db",
             &isac_channel_model::set_rician_k_db,
             py::arg("rician_k_db"))
        .def_property_readonly("H", &isac_channel_model::H, "Current H (rows h_u^H).")
        .def("gains", &isac_channel_model::gains, "Current [gamma_0..gamma_Q].")
        .def("zeta2", &isac_channel_model::zeta2, "zeta_q^2 = sigma_R^2 10^(snr_q/10).")
        .def_property_readonly("rx_steering",
                               &isac_channel_model::rx_steering,
                               "n_rx x (Q+1) receive steering columns.")
        .def_property_readonly("tx_rows",
                               &isac_channel_model::tx_rows,
                               "(Q+1) x n_tx rows with c = tx_rows @ x.")
        .def_property_readonly("position", &isac_channel_model::position)
        .def_property_readonly("seed_used", &isac_channel_model::seed_used)
        .def_property_readonly("comm_draw_start", &isac_channel_model::comm_draw_start)
        .def_property_readonly("cpi_start", &isac_channel_model::cpi_start);
}
