/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * isac.core.rx_filter: the batched receive-filter/detector kernel on numpy
 * arrays (one row per snapshot), for Monte-Carlo studies without a flowgraph.
 */
/* BINDTOOL_HEADER_FILE(core/rx_filter.h)                                          */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/rx_filter.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
using carr = py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast>;

py::tuple process(rx_filter& f, carr r, carr x, bool with_terms)
{
    const int nr = f.scene().n_rx(), nt = f.scene().n_tx(), Q1 = f.n_terms();
    if (r.ndim() != 2 || r.shape(1) != nr)
        throw_param("r", "shape", "(n, n_rx=" + std::to_string(nr) + ")");
    if (x.ndim() != 2 || x.shape(1) != nt || x.shape(0) != r.shape(0))
        throw_param("x", "shape", "(n, n_tx=" + std::to_string(nt) + ") with n as in r");
    const int n = int(r.shape(0));
    py::array_t<std::complex<float>> z(n);
    py::array_t<float> st(n);
    py::array_t<uint8_t> status(n);
    py::array_t<std::complex<double>> terms(
        std::vector<py::ssize_t>{ with_terms ? n : 0, Q1 });
    {
        py::gil_scoped_release release;
        f.process(r.data(),
                  x.data(),
                  n,
                  z.mutable_data(),
                  st.mutable_data(),
                  reinterpret_cast<snapshot_status*>(status.mutable_data()),
                  with_terms ? terms.mutable_data() : nullptr);
    }
    if (with_terms)
        return py::make_tuple(z, st, status, terms);
    return py::make_tuple(z, st, status);
}
} // namespace

void bind_core_rx_filter(py::module& m)
{
    py::class_<rx_filter>(m, "rx_filter", R"doc(
Batched 1-bit ISAC paper receive filter + GLRT statistic (the kernel of isac.one_bit_rx_filter).
rx_filter(scene, adc, pfa, noise_var=1.0, threshold=threshold_model.exact, cpi_len=1,
clutter=clutter_model.swerling1);
process(r, x, terms=False) takes r (n x n_rx)
and x (n x n_tx) complex arrays and returns z = u^H r, |z|/kappa and a status per
snapshot (0 ok, 1 degenerate c_0 = 0, 2 NaN/Inf input, 3 nothing transmitted: x = 0, statistic
no_decision = -1); with terms=True also the
(n x (3Q+4)) CPI terms (core/rx_filter.h). cpi_len: the CPI length the terms are for.)doc")
        .def(
            py::init([](const radar_scene& s,
                        adc_model adc,
                        double pfa,
                        double nv,
                        threshold_model thr,
                        int cpi_len,
                        clutter_model clutter) {
                return rx_filter(
                    s, adc, pfa, nv, projection_kernel::automatic, thr, cpi_len, clutter);
            }),
            py::arg("scene"),
            py::arg("adc"),
            py::arg("pfa"),
            py::arg("noise_var") = 1.0,
            py::arg("threshold") = threshold_model::exact,
            py::arg("cpi_len") = 1,
            py::arg("clutter") = clutter_model::swerling1)
        .def("threshold", &rx_filter::threshold)
        .def("clutter", &rx_filter::clutter)
        .def("cpi_len", &rx_filter::cpi_len)
        .def(
            "expected_kappa_ratio",
            [](const rx_filter& f, const cvec& x) {
                if (!f.table())
                    return 1.0;
                const cvec c = f.scene().couplings(x);
                std::vector<double> p(f.scene().n_clutter());
                for (size_t q = 0; q < p.size(); ++q)
                    p[q] = f.scene().cnr()[q] * std::norm(c[q + 1]);
                double k, v;
                f.table()->factors(p.data(), k, v);
                return k;
            },
            py::arg("x"),
            "kappa^2 of the filter's threshold over Theorem 1's (eq. 15) for transmit "
            "vector x (1 with threshold theorem1 or the ideal ADC).")
        .def("process", &process, py::arg("r"), py::arg("x"), py::arg("terms") = false);

    m.attr("no_decision") = no_decision;

    py::enum_<cpi_weights>(m, "cpi_weights")
        .value("equal", cpi_weights::equal)
        .value("inverse_variance", cpi_weights::inverse_variance);

    m.def(
        "cpi_statistics",
        [](const radar_scene& s,
           adc_model adc,
           double pfa,
           double noise_var,
           int cpi_len,
           py::array_t<std::complex<float>, py::array::c_style | py::array::forcecast> z,
           py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>
               terms,
           py::array_t<uint8_t, py::array::c_style | py::array::forcecast> status,
           threshold_model thr,
           cpi_weights weights) {
            const int Q1 = cpi_terms(s);
            const py::ssize_t n = z.shape(0);
            if (terms.ndim() != 2 || terms.shape(0) != n || terms.shape(1) != Q1 ||
                status.shape(0) != n)
                throw_param("terms/status", "shape", "(n, 3Q+4) and (n,) matching z");
            cpi_integrator cpi(s, adc, pfa, noise_var, cpi_len, thr, weights);
            std::vector<std::complex<double>> Zs;
            std::vector<double> stats;
            const std::complex<float>* zp = z.data();
            const std::complex<double>* tp = n > 0 ? terms.data() : nullptr;
            const uint8_t* sp = status.data();
            {
                // the cross terms make long calls (seconds at up to 16 antennas): other
                // Python threads run meanwhile (only C++ buffers are touched)
                py::gil_scoped_release release;
                for (py::ssize_t l = 0; l < n; ++l) {
                    cdouble Z;
                    double st;
                    if (cpi.add(zp[l], tp + l * Q1, snapshot_status(sp[l]), Z, st)) {
                        Zs.push_back(Z);
                        stats.push_back(st);
                    }
                }
            }
            return py::make_tuple(py::array(py::cast(Zs)), py::array(py::cast(stats)));
        },
        py::arg("scene"),
        py::arg("adc"),
        py::arg("pfa"),
        py::arg("noise_var"),
        py::arg("cpi_len"),
        py::arg("z"),
        py::arg("terms"),
        py::arg("status"),
        py::arg("threshold") = threshold_model::exact,
        py::arg("weights") = cpi_weights::equal,
        "Coherent CPI sums Z and |Z|/kappa_CPI (no_decision for a CPI that transmitted "
        "nothing) of per-snapshot outputs of "
        "rx_filter.process (threshold: the model the filter ran with; weights: "
        "the CPI sum's, cpi_weights.equal or inverse_variance).");
}
