/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_DOA_MLE_IMPL_H
#define INCLUDED_ISAC_DOA_MLE_IMPL_H

#include <gnuradio/isac/core/doa.h>
#include <gnuradio/isac/doa_mle.h>
#include <atomic>
#include <chrono>
#include <mutex>

namespace gr {
namespace isac {

class doa_mle_impl : public doa_mle
{
private:
    const int d_n_rx;
    const int d_cpi_len;
    const bool d_known;
    const int d_n_tx;           // > 0: in1 carries x, the reference c_t is formed here
    // guards d_core, d_noise_var, d_p_gauss, d_tx_deg, d_g, d_clutter_deg, d_gq
    mutable std::mutex d_mutex;
    core::doa_mle_core d_core;
    double d_noise_var;
    double d_p_gauss;
    double d_tx_deg;
    std::vector<double> d_clutter_deg;
    core::cvecf d_g;                 // g_T(tx_deg) (n_tx > 0)
    core::cmatf d_gq;                // [g_T(clutter_q)] (n_tx x Q)
    std::vector<core::cfloat> d_ref; // c_t of one CPI (n_tx > 0)
    std::vector<core::cfloat> d_cref; // c_{q,t} of one CPI (L x Q)
    std::atomic<uint64_t> d_below{ 0 };
    // rate limit of the threshold-region log (work thread only)
    std::chrono::steady_clock::time_point d_below_logged{};
    uint64_t d_below_at_log = 0;
    std::atomic<uint64_t> d_cpi{ 0 };
    std::atomic<uint64_t> d_invalid{ 0 };
    unsigned d_invalid_logged = 0; // reasons already logged, a bit each (work thread)
    uint64_t d_run_cpi = 0; // CPI index since start(): cpi_index * cpi_len = item offset
    const pmt::pmt_t d_port;
    mutable std::mutex d_rec_mutex; // guards the record below
    uint64_t d_rec_first = 0, d_rec_end = 0;
    std::vector<pmt::pmt_t> d_rec;

    static core::doa_mode core_mode(bool known, double p_gauss)
    {
        return known ? (p_gauss > 0.0f ? core::doa_mode::mixed : core::doa_mode::known)
                     : core::doa_mode::gaussian;
    }
    // on_set hooks (lock held)
    void noise_var_changed();
    void p_gauss_changed();
    void tx_deg_changed();
    void clutter_deg_changed();

public:
    doa_mle_impl(int n_rx,
                 int cpi_len,
                 bool known,
                 double grid_min_deg,
                 double grid_max_deg,
                 double grid_step_deg,
                 double noise_var,
                 double p_gauss,
                 core::doa_refine refine,
                 int n_tx,
                 double tx_deg,
                 const std::vector<double>& clutter_deg);
    ~doa_mle_impl() override;

    // clang-format off
    // gen_params:begin accessors
    void set_noise_var(double noise_var) override;
    double noise_var() const override;
    void set_p_gauss(double p_gauss) override;
    double p_gauss() const override;
    void set_tx_deg(double tx_deg) override;
    double tx_deg() const override;
    void set_clutter_deg(const std::vector<double>& clutter_deg) override;
    std::vector<double> clutter_deg() const override;
    // gen_params:end accessors
    // clang-format on
    uint64_t cpi_count() const override { return d_cpi.load(); }
    bool start() override;
    uint64_t invalid_count() const override { return d_invalid.load(); }
    uint64_t below_threshold_count() const override { return d_below.load(); }
    void set_record_window(uint64_t first_cpi, uint64_t end_cpi) override;
    pmt::pmt_t recorded() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;
};

} // namespace isac
} // namespace gr

#endif /* INCLUDED_ISAC_DOA_MLE_IMPL_H */
