/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * isac.core.radar_scene: the 1-bit ISAC paper radar metrics (QSCNR/SCNR, optimal
 * filter, detector threshold). Degrees and dB at the Python surface.
 */
/* BINDTOOL_HEADER_FILE(core/radar_metrics.h)                                      */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/radar_metrics.h>

namespace py = pybind11;
using namespace gr::isac::core;

void bind_core_radar_metrics(py::module& m)
{
    py::enum_<adc_model>(m, "adc_model")
        .value("one_bit", adc_model::one_bit)
        .value("ideal", adc_model::ideal);

    py::class_<radar_solution>(m, "radar_solution")
        .def_readonly("c", &radar_solution::c)
        .def_readonly("y", &radar_solution::y)
        .def_readonly("gmg", &radar_solution::gmg)
        .def_readonly("gq_minv_g0", &radar_solution::gq_minv_g0)
        .def_readonly("metric", &radar_solution::metric)
        .def_readonly("degenerate", &radar_solution::degenerate);

    py::class_<radar_scene>(m, "radar_scene", R"doc(
Monostatic 1-bit ISAC paper radar scene (target + Q clutter, unit-norm ULA steering).
radar_scene(n_tx, n_rx, target_deg, clutter_deg, snr_r_db, cnr_db): cnr_db are the
physical zeta_q^2/sigma_R^2; the 1-bit model applies the 2/pi factor itself.)doc")
        .def(py::init([](int n_tx,
                         int n_rx,
                         double target_deg,
                         std::vector<double> clutter_deg,
                         double snr_r_db,
                         std::vector<double> cnr_db) {
                 check_finite("snr_r_db", snr_r_db);
                 for (auto& c : clutter_deg) {
                     check_angle_deg("clutter_deg", c);
                     c = deg2rad(c);
                 }
                 for (auto& c : cnr_db) {
                     check_finite("cnr_db", c);
                     c = std::pow(10.0, c / 10.0);
                 }
                 check_angle_deg("target_deg", target_deg);
                 return radar_scene(n_tx, n_rx, deg2rad(target_deg), clutter_deg,
                                    std::pow(10.0, snr_r_db / 10.0), cnr_db);
             }),
             py::arg("n_tx"),
             py::arg("n_rx"),
             py::arg("target_deg"),
             py::arg("clutter_deg") = std::vector<double>{},
             py::arg("snr_r_db") = 15.0,
             py::arg("cnr_db") = std::vector<double>{})
        .def_property_readonly("gt", &radar_scene::gt)
        .def_property_readonly("gr", &radar_scene::gr)
        .def("mu", &radar_scene::mu)
        .def("weight", &radar_scene::weight)
        .def("couplings", &radar_scene::couplings, py::arg("x"))
        .def("solve",
             &radar_scene::solve,
             py::arg("c"),
             py::arg("adc") = adc_model::one_bit)
        .def("metric",
             &radar_scene::metric,
             py::arg("x"),
             py::arg("adc") = adc_model::one_bit,
             "QSCNR (adc=one_bit) or SCNR (adc=ideal) of transmit vector x, linear.")
        .def("filter", &radar_scene::filter, py::arg("solution"))
        .def("filter_norm2", &radar_scene::filter_norm2, py::arg("solution"))
        .def("threshold",
             &radar_scene::threshold,
             py::arg("solution"),
             py::arg("adc"),
             py::arg("pfa"),
             py::arg("noise_var") = 1.0);

    m.def("detection_probability",
          &detection_probability,
          py::arg("pfa"),
          py::arg("metric"),
          "Pd = Pfa^(1/(1+metric)) (1-bit ISAC paper eq. (16)).");
}
