/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/doa_mle.h          */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(doa_mle.h)                                                 */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/doa_mle.h>

void bind_doa_mle(py::module& m)
{
    using doa_mle = gr::isac::doa_mle;

    py::class_<doa_mle,
               gr::sync_decimator,
               gr::sync_block,
               gr::block,
               gr::basic_block,
               std::shared_ptr<doa_mle>>(
        m,
        "doa_mle",
        R"doc(
DoA maximum-likelihood estimator of a bistatic echo, one estimate per CPI.

Model: y_t = beta g_R(theta) c_t + n_t, n_t ~ CN(0, noise_var I), g_R the unit-norm
n_rx receive response and c_t = g_T(phi)^T x_t the transmit signal along the known
DoD, both in the module convention (docs/conventions.md): theta_deg is the angle
isac_channel's rx_deg/target_deg sets, beta_abs its |beta|.

in0: n_rx-vectors (snapshots); a CPI is cpi_len snapshots.
in1 (mode "known" only): complex scalar c_t per snapshot (steering_reference).
out0: float theta-hat (deg) per CPI, NaN for an invalid CPI.
Message port "doa": {theta_deg, beta_abs, snr_est, tnr_est, crb_deg2, cpi_index,
valid, above_threshold}. tnr_est = beta_abs^2/noise_var (target-to-noise ratio,
isac_channel's target_snr_db); snr_est = tnr_est * p, the array (post-beamforming)
SNR with p the transmit power along the DoD ((1/L) sum |c_t|^2 and/or p_gauss).
above_threshold: the CPI's estimated integrated SNR is above the ML threshold region
(docs/doa_mle.md), where crb_deg2 describes the error.
clutter_deg (known mode, n_tx > 0): angles of static clutter patches whose paths
(unknown gains, references g_T(theta_q)^T x_t) are projected out of the estimate.

mode "gaussian": theta = argmax g_R^H Rhat g_R; p_gauss = g_T^T R_x g_T^*
(scales beta_abs/tnr_est; 0 = unknown, treated as 1).
mode "known": known realisations; with p_gauss = g_T^T R_G g_T^* > 0 the mixed
Gaussian + known estimator.
refine: "newton" (default), "parabolic" or "none".

Raises ValueError for n_rx < 2, cpi_len < 1, a grid outside [-90, 90] or with
max <= min, grid_step_deg <= 0, noise_var <= 0, p_gauss < 0, or unknown mode/refine.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_rx: receive antennas; [2, 4096]\n"
    "  cpi_len: snapshots per CPI (L); [1, 65536]\n"
    "  mode: gaussian (unknown transmit signal) or known (the reference on in1); \"gaussian\", \"known\"\n"
    "  grid_min_deg: grid start (deg); [-90, 90]\n"
    "  grid_max_deg: grid end (deg); (grid_min_deg, 90]\n"
    "  grid_step_deg: grid step (at most 1e6 points) (deg); (0, inf)\n"
    "  noise_var: total complex noise variance per antenna; (0, inf) [settable]\n"
    "  p_gauss: gaussian mode: g_T^T R_x g_T^* (scales beta_abs/tnr_est only; 0: unknown, treated as 1); known mode: g_T^T R_G g_T^* of an additional Gaussian part (0: pure known signal; > 0: mixed estimator); [0, inf) (default 0.0) [settable]\n"
    "  refine: refinement of the grid maximum; \"newton\", \"parabolic\", \"none\" (default \"newton\")\n"
    "  n_tx: known mode: 0: in1 carries the reference c_t (one complex per snapshot); > 0: in1 carries the transmit vectors x_t (n_tx each) and the block forms c_t = g_T(tx_deg)^T x_t itself (steering_reference in the same thread); [0, 4096] (default 0)\n"
    "  tx_deg: direction of departure of the reference (n_tx > 0) (deg); [-90, 90] (default 0.0) [settable]\n"
    "  clutter_deg: known mode with n_tx > 0: angles of static clutter patches (monostatic: the same angle on transmit and receive, as isac_channel's clutter_deg), whose paths with unknown gains are projected out of the estimate; at most 64; [] = none (deg); each in [-90, 90] (default []) [settable]\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&doa_mle::make),
             // clang-format off
             // gen_params:begin args
             py::arg("n_rx"),
             py::arg("cpi_len"),
             py::arg("mode"),
             py::arg("grid_min_deg"),
             py::arg("grid_max_deg"),
             py::arg("grid_step_deg"),
             py::arg("noise_var"),
             py::arg("p_gauss") = 0.0,
             py::arg("refine") = "newton",
             py::arg("n_tx") = 0,
             py::arg("tx_deg") = 0.0,
             py::arg("clutter_deg") = std::vector<double>{})
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_noise_var", &gr::isac::doa_mle::set_noise_var, py::arg("noise_var"))
        .def("noise_var", &gr::isac::doa_mle::noise_var)
        .def("set_p_gauss", &gr::isac::doa_mle::set_p_gauss, py::arg("p_gauss"))
        .def("p_gauss", &gr::isac::doa_mle::p_gauss)
        .def("set_tx_deg", &gr::isac::doa_mle::set_tx_deg, py::arg("tx_deg"))
        .def("tx_deg", &gr::isac::doa_mle::tx_deg)
        .def("set_clutter_deg", &gr::isac::doa_mle::set_clutter_deg, py::arg("clutter_deg"))
        .def("clutter_deg", &gr::isac::doa_mle::clutter_deg)
        // gen_params:end accessors
        // clang-format on
        .def("cpi_count", &doa_mle::cpi_count)
        .def("invalid_count", &doa_mle::invalid_count)
        .def("below_threshold_count", &doa_mle::below_threshold_count)
        .def("set_record_window",
             &doa_mle::set_record_window,
             py::arg("first_cpi"),
             py::arg("end_cpi"))
        .def("recorded", &doa_mle::recorded);
}
