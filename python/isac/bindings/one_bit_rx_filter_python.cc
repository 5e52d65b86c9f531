/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/***********************************************************************************/
/* Hand-written binding: the hash below is 0, so GR_PYBIND_MAKE_OOT never tries   */
/* to regenerate it. Keep it in step with include/gnuradio/isac/one_bit_rx_filter.h */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(one_bit_rx_filter.h)                                       */
/* BINDTOOL_HEADER_FILE_HASH(445a06a13b6e66ef257c8e537109a0f0) */
/***********************************************************************************/

#include <pybind11/complex.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

namespace py = pybind11;

#include <gnuradio/isac/one_bit_rx_filter.h>

void bind_one_bit_rx_filter(py::module& m)
{
    using blk = gr::isac::one_bit_rx_filter;

    py::class_<blk, gr::sync_block, gr::block, gr::basic_block, std::shared_ptr<blk>>(
        m,
        "one_bit_rx_filter",
        R"doc(
1-bit ISAC paper radar receive filter and GLRT/CFAR detector.

in0: n_rx samples per snapshot (1-bit ADC output if adc="1bit", raw echo if "inf");
in1: the n_tx transmit vector x of the same snapshot.
out0: z = u^H r with the distortionless optimal filter u (Woodbury over the clutter);
out1: |z|/kappa; >= 1 is a detection and is tagged "isac_detect". threshold="exact"
(default): kappa holds the Pfa when lit clutter saturates the 1-bit ADC (arcsine-law
variance, conditional-Gaussian tail; docs/one_bit_rx_filter.md); "theorem1": eq. 15. cpi_len > 1: coherent sum over each CPI, statistic on the
CPI's last snapshot (0 elsewhere), threshold from the analytic H0 variance of the sum.
c_0 = 0 (x orthogonal to the target) and NaN/Inf snapshots give z = 0 and statistic 0
and are counted ("stats" port). "set" port: dict with target_deg, clutter_deg,
snr_r_db, cnr_db, pfa, radar_noise_var, threshold_scale (multiplies kappa; see
gnuradio.isac.rx_calibration). Bad parameters raise ValueError.)doc"
        // clang-format off
    // gen_params:begin doc
    "\n\nParameters:\n"
    "  n_tx: transmit antennas (in1 vlen); [1, 4096]\n"
    "  n_rx: receive antennas (in0 vlen); [1, 4096]\n"
    "  target_deg: target angle theta_0 (deg); [-90, 90] [settable]\n"
    "  clutter_deg: clutter angles theta_1..theta_Q (may be empty) (deg); each in [-90, 90] [settable]\n"
    "  snr_r_db: SNR_R = zeta_0^2/sigma_R^2 (enters the expected QSCNR, not the filter) (dB); [-200, 200] [settable]\n"
    "  cnr_db: zeta_q^2/sigma_R^2, one per clutter angle or one for all (dB); each in [-200, 200] [settable]\n"
    "  radar_noise_var: sigma_R^2; (0, inf) [settable]\n"
    "  pfa: false-alarm probability of the threshold; (0, 1) [settable]\n"
    "  adc: 1-bit ADC or infinite resolution; \"1bit\", \"inf\"\n"
    "  cpi_len: snapshots integrated per decision; with adc 1bit, threshold exact and at most 16 antennas a CPI adds the distortion's cross terms between its distinct x, which costs several times the filter when x never repeats (possibly below real time: use a table-driven x, threshold theorem1 or a lower rate; docs/one_bit_rx_filter.md); [1, 16777216] (default 1)\n"
    "  threshold_scale: scales the threshold kappa; [1e-30, 1000000000000000019884624838656] (default 1.0) [settable]\n"
    "  threshold: threshold model, fixed at construction: exact, or theorem1 (eq. 15); \"exact\", \"theorem1\" (default \"exact\")\n"
    "  tag_detections: tag each detection \"isac_detect\" (value = stat) and the first output of each stretch without a decision \"isac_no_tx\" (value = snapshots of the CPI) on both outputs (false: none; stat >= 1 is the detection itself, stat = -1 no decision) (default True)\n"
    "  clutter_model: law of the clutter amplitudes the exact threshold assumes (set at construction): swerling1 (redrawn per CPI, the paper's) or fixed (constant amplitude and phase: a room, the radio emulator, isac_channel gain_model fixed); \"swerling1\", \"fixed\" (default \"swerling1\")\n"
    "  cpi_weights: weights of the CPI sum (set at construction): equal (sum z_l) or inverse_variance (w_l = 1/V_l, snapshot l's H0 variance; the threshold carries the weights, a weakly lit snapshot no longer takes most of the CPI's noise); \"equal\", \"inverse_variance\" (default \"equal\")\n"
    // gen_params:end doc
        // clang-format on
        )

        .def(py::init(&blk::make),
             py::call_guard<py::gil_scoped_release>(),
             // clang-format off
             // gen_params:begin args
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("target_deg"),
             py::arg("clutter_deg"),
             py::arg("snr_r_db"),
             py::arg("cnr_db"),
             py::arg("radar_noise_var"),
             py::arg("pfa"),
             py::arg("adc"),
             py::arg("cpi_len") = 1,
             py::arg("threshold_scale") = 1.0,
             py::arg("threshold") = "exact",
             py::arg("tag_detections") = true,
             py::arg("clutter_model") = "swerling1",
             py::arg("cpi_weights") = "equal")
             // gen_params:end args
        // clang-format on
        // clang-format off
        // gen_params:begin accessors
        .def("set_target_deg", &gr::isac::one_bit_rx_filter::set_target_deg, py::arg("target_deg"), py::call_guard<py::gil_scoped_release>())
        .def("target_deg", &gr::isac::one_bit_rx_filter::target_deg)
        .def("set_clutter_deg", &gr::isac::one_bit_rx_filter::set_clutter_deg, py::arg("clutter_deg"), py::call_guard<py::gil_scoped_release>())
        .def("clutter_deg", &gr::isac::one_bit_rx_filter::clutter_deg)
        .def("set_snr_r_db", &gr::isac::one_bit_rx_filter::set_snr_r_db, py::arg("snr_r_db"), py::call_guard<py::gil_scoped_release>())
        .def("snr_r_db", &gr::isac::one_bit_rx_filter::snr_r_db)
        .def("set_cnr_db", &gr::isac::one_bit_rx_filter::set_cnr_db, py::arg("cnr_db"), py::call_guard<py::gil_scoped_release>())
        .def("cnr_db", &gr::isac::one_bit_rx_filter::cnr_db)
        .def("set_radar_noise_var", &gr::isac::one_bit_rx_filter::set_radar_noise_var, py::arg("radar_noise_var"), py::call_guard<py::gil_scoped_release>())
        .def("radar_noise_var", &gr::isac::one_bit_rx_filter::radar_noise_var)
        .def("set_pfa", &gr::isac::one_bit_rx_filter::set_pfa, py::arg("pfa"), py::call_guard<py::gil_scoped_release>())
        .def("pfa", &gr::isac::one_bit_rx_filter::pfa)
        .def("adc", &gr::isac::one_bit_rx_filter::adc)
        .def("cpi_len", &gr::isac::one_bit_rx_filter::cpi_len)
        .def("set_threshold_scale", &gr::isac::one_bit_rx_filter::set_threshold_scale, py::arg("threshold_scale"), py::call_guard<py::gil_scoped_release>())
        .def("threshold_scale", &gr::isac::one_bit_rx_filter::threshold_scale)
        .def("threshold", &gr::isac::one_bit_rx_filter::threshold)
        .def("tag_detections", &gr::isac::one_bit_rx_filter::tag_detections)
        .def("clutter_model", &gr::isac::one_bit_rx_filter::clutter_model)
        .def("cpi_weights", &gr::isac::one_bit_rx_filter::cpi_weights)
        // gen_params:end accessors
        // clang-format on
        // the rebuild (the exact threshold of up to 512 clutter patches) can take
        // seconds: other Python threads run meanwhile
        .def("set_clutter",
             &blk::set_clutter,
             py::arg("clutter_deg"),
             py::arg("cnr_db"),
             py::call_guard<py::gil_scoped_release>())
        .def("expected_metric", &blk::expected_metric, py::arg("x"))
        .def("expected_pd", &blk::expected_pd, py::arg("x"))
        .def("degenerate_count", &blk::degenerate_count)
        .def("no_decision_count", &blk::no_decision_count)
        .def("nan_count", &blk::nan_count)
        .def("detection_count", &blk::detection_count)
        .def("pfa_coarse",
             &blk::pfa_coarse,
             "True where the 1-bit statistic can hold the set Pfa only roughly "
             "(core.pfa_reach).");
}
