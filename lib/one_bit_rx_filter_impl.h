/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#ifndef INCLUDED_ISAC_ONE_BIT_RX_FILTER_IMPL_H
#define INCLUDED_ISAC_ONE_BIT_RX_FILTER_IMPL_H

#include "csi_message.h"
#include <gnuradio/isac/core/rx_filter.h>
#include <gnuradio/isac/one_bit_rx_filter.h>
#include <atomic>
#include <memory>
#include <mutex>

namespace gr {
namespace isac {

class one_bit_rx_filter_impl : public one_bit_rx_filter
{
public:
    struct params {
        int n_tx, n_rx;
        double target_deg;
        std::vector<double> clutter_deg;
        double snr_r_db;
        std::vector<double> cnr_db;
        double noise_var;
        double pfa;
        core::adc_model adc;
        int cpi_len;
        double threshold_scale;
        core::threshold_model threshold;
        bool tag_detections;
        core::clutter_model clutter;
        core::cpi_weights weights;
    };
    //! What work() runs: rebuilt as a whole by every parameter change.
    struct state {
        core::rx_filter filt;
        core::cpi_integrator cpi;
        float inv_scale; // 1 / threshold_scale
    };

    //! Validates every parameter (param_error naming it) and builds the kernel.
    static core::radar_scene make_scene(const params& p);
    static std::unique_ptr<state> build(const params& p);

    one_bit_rx_filter_impl(const params& p, std::unique_ptr<state> s);
    ~one_bit_rx_filter_impl() override;
    bool start() override;

    // clang-format off
    // gen_params:begin accessors
    //! d_params as it is now: the setters change this copy and apply() it
    auto locked_config() const
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        return d_params;
    }
    //! the values of a parsed `set` message, all or nothing (throws param_error)
    void apply_set(const set_values& v);
    void set_target_deg(double target_deg) override;
    double target_deg() const override;
    void set_clutter_deg(const std::vector<double>& clutter_deg) override;
    std::vector<double> clutter_deg() const override;
    void set_snr_r_db(double snr_r_db) override;
    double snr_r_db() const override;
    void set_cnr_db(const std::vector<double>& cnr_db) override;
    std::vector<double> cnr_db() const override;
    void set_radar_noise_var(double radar_noise_var) override;
    double radar_noise_var() const override;
    void set_pfa(double pfa) override;
    double pfa() const override;
    std::string adc() const override;
    int cpi_len() const override;
    void set_threshold_scale(double threshold_scale) override;
    double threshold_scale() const override;
    std::string threshold() const override;
    bool tag_detections() const override;
    std::string clutter_model() const override;
    std::string cpi_weights() const override;
    // gen_params:end accessors
    // clang-format on
    void set_clutter(const std::vector<double>& clutter_deg,
                     const std::vector<double>& cnr_db) override;
    double expected_metric(const std::vector<gr_complex>& x) const override;
    double expected_pd(const std::vector<gr_complex>& x) const override;

    uint64_t degenerate_count() const override { return d_degenerate.load(); }
    uint64_t nan_count() const override { return d_nan.load(); }
    uint64_t detection_count() const override { return d_detections.load(); }
    uint64_t no_decision_count() const override { return d_no_decision.load(); }
    bool pfa_coarse() const override;

    int work(int noutput_items,
             gr_vector_const_void_star& input_items,
             gr_vector_void_star& output_items) override;

private:
    const int d_cpi_len;
    const bool d_tag_detections;
    mutable std::mutex d_mutex; // guards d_params and d_pending
    params d_params;
    std::unique_ptr<state> d_pending; // set by setters, taken by work()
    std::unique_ptr<state> d_state;   // used by work() only
    std::vector<core::snapshot_status> d_status;
    std::vector<core::cdouble> d_terms;
    std::vector<char> d_ends;   // CPI mode: the items that end a CPI
    std::vector<float> d_signs; // 1-bit mode: the signs of r
    std::vector<gr::tag_t> d_tags;
    std::atomic<uint64_t> d_degenerate{ 0 }, d_nan{ 0 }, d_detections{ 0 },
        d_no_decision{ 0 };
    // a CPI above the cross terms' distinct-x cap (logged once)
    bool d_cap_logged = false;
    uint64_t d_items = 0;
    bool d_no_tx_run = false; // the last CPI made no decision (work(), start())
    bool d_cpi_restarted = false; // a parameter change restarted the CPI: tag it (work())
    const pmt::pmt_t d_stats_port, d_set_port, d_detect_key, d_cpi_key, d_infeasible_key,
        d_no_tx_key;
    std::string d_warned_coarse; // the coarse-Pfa rule last evaluated (empty: not coarse)
    pmt::pmt_t d_srcid =
        pmt::PMT_F; // alias_pmt() at start(): interned once, not per detection

    //! Copy the input tags of the n items consumed (TPP_CUSTOM, see the constructor).
    void forward_tags(int n);

    //! Validate p, build its kernel and make it current (throws, leaving the old state).
    void apply(const params& p);
    //! core::pfa_reach of p, with its strongest clutter when that clutter is Swerling-I
    //! and the threshold the exact model's (threshold_scale 1)
    static core::one_bit_pfa_reach coarse_reach(const params& p);
    //! Log p's coarse-Pfa warning once per setting (core::pfa_reach).
    void warn_if_coarse(const params& p);
    void handle_set(const pmt::pmt_t& msg);
};

} // namespace isac
} // namespace gr

#endif
