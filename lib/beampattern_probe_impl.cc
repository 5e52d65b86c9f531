/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/beampattern_probe.h>
#include <gnuradio/isac/core/block_params.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <algorithm>
#include <cmath>
#include <numeric>
#ifndef _WIN32
#include <unistd.h>
#endif

namespace gr {
namespace isac {

namespace {
std::vector<double> make_grid(double lo, double hi, double step)
{
    // as numpy.arange(lo, hi + 1e-9 step, step)
    const long n = long(std::floor((hi - lo) / step + 1e-9)) + 1;
    std::vector<double> g(n);
    for (long i = 0; i < n; ++i)
        g[i] = lo + double(i) * step;
    return g;
}
} // namespace

class beampattern_probe_impl : public beampattern_probe
{
    const int d_n, d_L;
    const bool d_db;
    const std::vector<double> d_grid;
    core::cmatf d_AT; // n_grid x n_tx: a(theta_m)^T in stream order
    core::cmatf d_P;  // n_grid x frame_len products of one frame

public:
    beampattern_probe_impl(
        int n, int L, std::vector<double> grid, bool reverse_elements, bool db)
        : gr::sync_decimator("beampattern_probe",
                             gr::io_signature::make(1, 1, sizeof(gr_complex) * n),
                             gr::io_signature::make(1, 1, sizeof(float) * grid.size()),
                             L),
          d_n(n),
          d_L(L),
          d_db(db),
          d_grid(std::move(grid))
    {
        std::vector<double> rad(d_grid.size());
        for (size_t i = 0; i < rad.size(); ++i)
            rad[i] = core::deg2rad(d_grid[i]);
        // the module's unnormalised a(theta) (docs/conventions.md): a(theta)^T x is
        // the field radiated toward theta; rows reversed when stream channel k
        // drives antenna n-1-k
        core::cmat A = core::ula_steering_matrix(n, rad, core::array_convention{});
        if (reverse_elements)
            A = A.colwise().reverse().eval();
        d_AT = A.transpose().cast<core::cfloat>();
        // GNU Radio's double-mapped buffers hold whole pages of whole items, a
        // multiple of page / gcd(page, item) items (1024 for any odd grid size); it
        // rounds its own count (from the buffer_size preference) up to that, and
        // warns ("buffer_double_mapped ... allocate_buffer") when that more than
        // doubles it. Asking for at least that multiple allocates the same memory
        // without the warning (a smaller count than GNU Radio's is a no-op). It
        // also lifts max_noutput_items to that count (1024 patterns, not e.g. 45):
        // a work() call is still bounded by the input, frame_len snapshots each.
        const long item = long(sizeof(float) * d_grid.size());
#ifdef _WIN32
        const long page = 65536; // the allocation granularity of Windows mappings
#else
        const long page = std::max(1L, sysconf(_SC_PAGESIZE));
#endif
        const long whole = page / std::gcd(page, item);
        if (whole > 1)
            set_min_output_buffer(0, whole);
    }

    int n_grid() const override { return int(d_grid.size()); }
    std::vector<double> grid_deg() const override { return d_grid; }

    int work(int noutput_items,
             gr_vector_const_void_star& in,
             gr_vector_void_star& out) override
    {
        const auto x = static_cast<const gr_complex*>(in[0]);
        auto o = static_cast<float*>(out[0]);
        const int G = n_grid();
        const work_budget budget(0.05);
        int k = 0;
        for (; k < noutput_items; ++k) {
            if (k > 0 && budget.exhausted())
                break; // big grids x big frames: return so stop() is served
            Eigen::Map<const core::cmatf> X(x + size_t(k) * d_L * d_n, d_n, d_L);
            d_P.noalias() = d_AT * X;
            float* ok = o + size_t(k) * G;
            for (int m = 0; m < G; ++m) {
                const double p = double(d_P.row(m).squaredNorm()) / d_L;
                ok[m] = d_db ? float(10.0 * std::log10(std::max(p, 1e-30))) : float(p);
            }
        }
        return k;
    }
};

beampattern_probe::sptr beampattern_probe::make(int n_tx,
                                                int frame_len,
                                                double grid_min_deg,
                                                double grid_max_deg,
                                                double grid_step_deg,
                                                bool reverse_elements,
                                                bool db)
{
    core::params::beampattern_probe::check(
        n_tx, frame_len, grid_min_deg, grid_max_deg, grid_step_deg, reverse_elements, db);
    const double G = std::floor((grid_max_deg - grid_min_deg) / grid_step_deg + 1e-9) + 1;
    if (G > 1e6)
        core::throw_param("grid_step_deg",
                          core::num_str(grid_step_deg),
                          "a step giving at most 1e6 grid points (here " +
                              core::num_str(G) + ")");
    // the grid table and one frame's products, plus an input frame and an output
    // vector in the stream buffers (two of each)
    const auto bytes_of = [n_tx](double g, double l) {
        return 8.0 * g * n_tx + 8.0 * g * l + 2.0 * 8.0 * l * n_tx + 2.0 * 4.0 * g;
    };
    const double bytes = bytes_of(G, frame_len);
    // the error names the parameter that alone (the other at its default: 181
    // angles, 64 snapshots) needs more memory: the one to lower
    const bool frame = bytes_of(181, frame_len) > bytes_of(G, 64);
    core::check_memory(frame ? "frame_len" : "grid_step_deg",
                       frame ? std::to_string(frame_len) : core::num_str(grid_step_deg),
                       bytes,
                       "the beampattern grid (" + core::num_str(G) + " angles x " +
                           std::to_string(n_tx) + " antennas) and a frame of " +
                           std::to_string(frame_len) + " snapshots");
    return gnuradio::make_block_sptr<beampattern_probe_impl>(
        n_tx,
        frame_len,
        make_grid(grid_min_deg, grid_max_deg, grid_step_deg),
        reverse_elements,
        db);
}

} // namespace isac
} // namespace gr
