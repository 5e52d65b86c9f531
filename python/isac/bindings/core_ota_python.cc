/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * gnuradio.isac.core bindings of the over-the-air acquisition cores: the frame
 * (frame.h), channel estimation and feedback quantisation (csi_estimation.h)
 * and the user receiver (user_rx.h), for studies and tests without a flowgraph.
 */
/* BINDTOOL_GEN_AUTOMATIC(0)                                                       */
/* BINDTOOL_USE_PYGCCXML(0)                                                        */
/* BINDTOOL_HEADER_FILE(core/user_rx.h)                                            */
/* BINDTOOL_HEADER_FILE_HASH(0)                                                    */

#include <pybind11/complex.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <gnuradio/isac/core/csi_estimation.h>
#include <gnuradio/isac/core/frame.h>
#include <gnuradio/isac/core/user_rx.h>

namespace py = pybind11;
using namespace gr::isac::core;

namespace {
py::dict frame_dict(const rx_frame& f)
{
    py::dict d;
    d["index"] = f.index;
    d["start"] = f.start;
    d["cfo"] = f.cfo;
    d["cfo_preamble"] = f.cfo_preamble;
    d["noise_var"] = f.noise_var;
    d["snr_db"] = f.snr_db;
    d["sync_snr_db"] = f.sync_snr_db;
    d["fit_snr_db"] = f.fit_snr_db;
    d["acquired"] = f.acquired;
    d["header_flag"] = f.header_flag;
    d["header_code"] = f.header_code;
    d["decided"] = f.decided;
    d["g_ls"] = f.g_ls;
    d["payload"] = py::array_t<std::complex<float>>(f.payload.size(), f.payload.data());
    d["decisions"] = py::array_t<int>(f.decisions.size(), f.decisions.data());
    d["phase"] = f.phase;
    d["phase_drift"] = f.phase_drift;
    d["report"] = f.report;
    d["report_changed"] = f.report_changed;
    d["frames_found"] = f.frames_found;
    d["missed_total"] = f.missed_total;
    if (f.report) {
        d["row"] = f.row;
        d["row_nmse"] = f.row_nmse;
    }
    return d;
}
} // namespace

void bind_core_ota(py::module& m)
{
    // ---- frame --------------------------------------------------------------------
    py::class_<frame_format>(m, "frame_format", R"doc(
Downlink frame: preamble (preamble_reps x preamble_block), header (one block),
orthogonal pilots (pilot_len, 0 = the Hadamard order), payload (payload_len),
guard (guard_len silent snapshots, 0 = none).)doc")
        .def(py::init(&frame_format::make),
             py::arg("n_tx") = 16,
             py::arg("payload_len") = 880,
             py::arg("preamble_block") = 0,
             py::arg("preamble_reps") = 3,
             py::arg("pilot_len") = 0,
             py::arg("frame_seed") = 1,
             py::arg("guard_len") = 0)
        .def_readonly("n_tx", &frame_format::n_tx)
        .def_readonly("payload_len", &frame_format::payload_len)
        .def_property_readonly("preamble_block", &frame_format::block)
        .def_readonly("preamble_reps", &frame_format::preamble_reps)
        .def_property_readonly("pilot_len", &frame_format::pilots)
        .def_readonly("seed", &frame_format::seed)
        .def_property_readonly("frame_len", &frame_format::frame_len)
        .def_property_readonly("preamble_len", &frame_format::preamble_len)
        .def_property_readonly("header_start", &frame_format::header_start)
        .def_property_readonly("pilot_start", &frame_format::pilot_start)
        .def_property_readonly("payload_start", &frame_format::payload_start)
        .def_property_readonly("known_len", &frame_format::known_len)
        .def_readonly("guard_len", &frame_format::guard_len)
        .def_property_readonly("guard_start", &frame_format::guard_start)
        .def_property_readonly("hadamard_order", &frame_format::hadamard_order);

    m.def(
        "frame_known",
        [](const frame_format& f, bool header_flag, uint64_t index) {
            return frame_patterns(f).known(header_flag, index);
        },
        py::arg("format"),
        py::arg("header_flag") = true,
        py::arg("index") = 0,
        "Known section in sign units (entries +-1 +-j): n_tx x known_len, column t = "
        "snapshot t. Scale by sqrt(E/(2 n_tx)) for the transmitted vectors.");
    m.def(
        "frame_pilots",
        [](const frame_format& f) { return frame_patterns(f).pilots(); },
        py::arg("format"),
        "The frame's pilot matrix P (n_tx x pilot_len, P P^H = 2 pilot_len I).");
    m.def("orthogonal_pilots",
          &orthogonal_pilots,
          py::arg("n_streams"),
          py::arg("len"),
          py::arg("seed"),
          "Rows-orthogonal scrambled Hadamard pilots, entries +-(1+j), P P^H = 2 len I.");

    // ---- estimation ----------------------------------------------------------------
    m.def("ls_estimate",
          &ls_estimate,
          py::arg("Z"),
          py::arg("P"),
          py::arg("amp"),
          "LS rows G from Z = G (amp P) + W with orthogonal pilot rows P.");
    m.def("mmse_row",
          &mmse_row,
          py::arg("g_ls"),
          py::arg("err_var"),
          py::arg("R"),
          "MMSE row from its LS estimate (error variance err_var per entry), prior h = "
          "g^H ~ "
          "CN(0, R).");
    m.def("ls_nmse_theory", &ls_nmse_theory, py::arg("err_var"), py::arg("beta"));
    m.def("mmse_nmse_theory", &mmse_nmse_theory, py::arg("err_var"), py::arg("R"));
    m.def("aligned_nmse",
          &aligned_nmse,
          py::arg("est"),
          py::arg("truth"),
          "min over a common phase of ||est e^{j phi} - truth||^2 / ||truth||^2.");
    m.def("quantize_row",
          &quantize_row,
          py::arg("g"),
          py::arg("bits"),
          "The feedback quantiser (bits per real component, 0 = none).");
    m.def("quantization_nmse_theory",
          &quantization_nmse_theory,
          py::arg("g"),
          py::arg("bits"));
    m.def("reciprocity_from_pairs",
          &reciprocity_from_pairs,
          py::arg("fwd"),
          "kappa (kappa_0 = 1) from bidirectional antenna-pair measurements fwd[i, j] "
          "(i transmits, j receives).");
    m.def("reciprocity_from_reference",
          &reciprocity_from_reference,
          py::arg("g_dl"),
          py::arg("h_ul"),
          "kappa_n = g_dl[n] / h_ul[n], normalised to kappa_0 = 1.");
    m.def("downlink_from_uplink",
          &downlink_from_uplink,
          py::arg("H_ul"),
          py::arg("kappa"),
          "Downlink rows G[u, n] = kappa[n] H_ul[n, u].");
    py::class_<csi_tracker>(
        m, "csi_tracker", "Phase-continuous running average of per-frame estimates.")
        .def(py::init<int, int>(), py::arg("n"), py::arg("memory"))
        .def("add", &csi_tracker::add, py::arg("g"), py::arg("err_var"))
        .def("mean", &csi_tracker::mean)
        .def("err_var", &csi_tracker::err_var)
        .def("count", &csi_tracker::count)
        .def("restarts", &csi_tracker::restarts)
        .def("reset", &csi_tracker::reset);

    // ---- receiver ------------------------------------------------------------------
    m.def("kay_cfo_variance",
          &kay_cfo_variance,
          py::arg("block"),
          py::arg("reps"),
          py::arg("S"),
          py::arg("noise_var"),
          "Variance (cycles/sample)^2 of the receiver's preamble CFO estimator.");
    m.def("repeated_block_cfo_crb",
          &repeated_block_cfo_crb,
          py::arg("block"),
          py::arg("reps"),
          py::arg("S"),
          py::arg("noise_var"),
          "CRB (cycles/sample)^2 of the CFO from reps repetitions of an unknown block.");
    py::class_<frac_interp>(m, "frac_interp", "Kaiser-windowed sinc interpolator.")
        .def(py::init<int>(), py::arg("half"))
        .def(
            "run",
            [](const frac_interp& fi, const Eigen::VectorXcf& x, double delta) {
                // out[k] = x(k + delta) for k where the taps fit
                const long h = fi.half();
                const long n = long(x.size()) - 2 * h;
                Eigen::VectorXcf out = Eigen::VectorXcf::Zero(std::max(0L, n));
                if (n > 0)
                    fi.run(x.data() + h, delta, out.data(), size_t(n));
                return out;
            },
            py::arg("x"),
            py::arg("delta"),
            "Values at k + half + delta, k = 0..len(x) - 2 half - 1.");

    py::class_<user_receiver>(m, "user_receiver", R"doc(
The user_receiver block's core: push() a complex64 array of received samples,
get back the frames it completed as dicts (index, start, cfo, cfo_preamble,
noise_var, snr_db, sync_snr_db, fit_snr_db, acquired, header_flag, decided, g_ls, payload, decisions,
report, report_changed, row, row_nmse).)doc")
        .def(py::init([](int n_tx,
                         int payload_len,
                         int preamble_block,
                         int preamble_reps,
                         int pilot_len,
                         uint64_t frame_seed,
                         int psk_order,
                         double power,
                         const std::string& estimator,
                         double channel_var,
                         double channel_corr,
                         double csi_noise_var,
                         int avg_frames,
                         int report_every,
                         double report_threshold,
                         double sync_threshold,
                         int interp_half,
                         double pll_gain,
                         double fll_gain,
                         int max_misses,
                         long grid_offset,
                         double mismatch_margin_db,
                         double mismatch_cap_db,
                         int guard_len) {
                 user_rx_params p;
                 p.format = frame_format::make(n_tx,
                                               payload_len,
                                               preamble_block,
                                               preamble_reps,
                                               pilot_len,
                                               frame_seed,
                                               guard_len);
                 p.psk_order = psk_order;
                 p.power = power;
                 p.estimator = parse_csi_estimator("estimator", estimator);
                 p.channel_var = channel_var;
                 p.channel_corr = channel_corr;
                 p.csi_noise_var = csi_noise_var;
                 p.avg_frames = avg_frames;
                 p.report_every = report_every;
                 p.report_threshold = report_threshold;
                 p.sync_threshold = sync_threshold;
                 p.interp_half = interp_half;
                 p.pll_gain = pll_gain;
                 p.fll_gain = fll_gain;
                 p.max_misses = max_misses;
                 p.grid_offset = grid_offset;
                 p.mismatch_margin_db = mismatch_margin_db;
                 p.mismatch_cap_db = mismatch_cap_db;
                 return new user_receiver(p);
             }),
             py::arg("n_tx") = 16,
             py::arg("payload_len") = 880,
             py::arg("preamble_block") = 0,
             py::arg("preamble_reps") = 3,
             py::arg("pilot_len") = 0,
             py::arg("frame_seed") = 1,
             py::arg("psk_order") = 4,
             py::arg("power") = 1.0,
             py::arg("estimator") = "ls",
             py::arg("channel_var") = 0.0,
             py::arg("channel_corr") = 0.0,
             py::arg("csi_noise_var") = 0.0,
             py::arg("avg_frames") = 8,
             py::arg("report_every") = 16,
             py::arg("report_threshold") = 0.01,
             py::arg("sync_threshold") = 0.15,
             py::arg("interp_half") = 16,
             py::arg("pll_gain") = 0.01,
             py::arg("fll_gain") = 0.25,
             py::arg("max_misses") = 4,
             py::arg("grid_offset") = 0,
             py::arg("mismatch_margin_db") = user_rx_params().mismatch_margin_db,
             py::arg("mismatch_cap_db") = user_rx_params().mismatch_cap_db,
             py::arg("guard_len") = 0)
        .def(
            "push",
            [](user_receiver& r, const Eigen::VectorXcf& y) {
                r.push(y.data(), size_t(y.size()));
                py::list out;
                rx_frame f;
                while (r.pop(f))
                    out.append(frame_dict(f));
                return out;
            },
            py::arg("y"),
            "Append samples; returns the frames completed (list of dicts).")
        .def(
            "flush",
            [](user_receiver& r) {
                r.flush();
                py::list out;
                rx_frame f;
                while (r.pop(f))
                    out.append(frame_dict(f));
                return out;
            },
            "End of the stream: the held frame (phase held flat) and any not yet "
            "returned, as push() returns them.")
        .def("set_reference",
             &user_receiver::set_reference,
             py::arg("row"),
             py::arg("offset"))
        .def("reset", &user_receiver::reset)
        .def("locked", &user_receiver::locked)
        .def("cfo", &user_receiver::cfo)
        .def("frames", &user_receiver::frames)
        .def("acquisitions", &user_receiver::acquisitions)
        .def("missed", &user_receiver::missed)
        .def("false_acquisitions", &user_receiver::false_acquisitions)
        .def("format_mismatches", &user_receiver::format_mismatches)
        .def("mismatch_fit_snr_db", &user_receiver::mismatch_fit_snr_db)
        .def("mismatch_sync_snr_db", &user_receiver::mismatch_sync_snr_db)
        .def("grid_mismatches", &user_receiver::grid_mismatches)
        .def("grid_mismatch_spacing", &user_receiver::grid_mismatch_spacing)
        .def("first_expected_frame",
             &user_receiver::first_expected_frame,
             "No frame numbered below this comes out of push() any more.")
        .def("noise_var", &user_receiver::noise_var)
        .def("csi_mean", [](const user_receiver& r) { return r.tracker().mean(); })
        .def("csi_err_var", [](const user_receiver& r) { return r.tracker().err_var(); });

    py::class_<reference_window> rw(m, "reference_window", R"doc(
One user's transmitted symbols kept for the comparison with a receiver's
decided frames (frame k: symbols k payload_len ..): push() the stream,
release_before(first_expected_frame()), find(k) -> (status, symbols) with
status "ready", "waiting" or "gone"; at most cap symbols, the oldest past it
dropped (dropped()).)doc");
    rw.def(py::init<int, size_t>(), py::arg("payload_len"), py::arg("cap"))
        .def_static("default_cap", &reference_window::default_cap, py::arg("payload_len"))
        .def(
            "push",
            [](reference_window& w, const Eigen::VectorXcf& x) {
                w.push(x.data(), size_t(x.size()));
            },
            py::arg("x"))
        .def("release_before", &reference_window::release_before, py::arg("frame"))
        .def(
            "find",
            [](const reference_window& w, uint64_t frame) {
                const cfloat* s = nullptr;
                switch (w.find(frame, &s)) {
                case reference_window::lookup::ready:
                    return py::make_tuple(
                        "ready",
                        py::array_t<std::complex<float>>(size_t(w.payload_len()), s));
                case reference_window::lookup::waiting:
                    return py::make_tuple("waiting", py::none());
                default:
                    return py::make_tuple("gone", py::none());
                }
            },
            py::arg("frame"))
        .def("begin", &reference_window::begin)
        .def("end", &reference_window::end)
        .def("size", &reference_window::size)
        .def("payload_len", &reference_window::payload_len)
        .def("cap", &reference_window::cap)
        .def("dropped", &reference_window::dropped)
        .def("reset", &reference_window::reset);
}
