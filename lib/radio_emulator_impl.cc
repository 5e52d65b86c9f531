/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "block_utils.h"
#include "radio_emulator_impl.h"
#include <gnuradio/io_signature.h>
#include <gnuradio/isac/core/block_params.h>
#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <thread>

namespace gr {
namespace isac {

namespace {
std::vector<double> to_rad(const std::vector<double>& deg)
{
    std::vector<double> r;
    for (double d : deg)
        r.push_back(core::deg2rad(d));
    return r;
}

std::vector<gr_complex> flat(const core::cmat& M)
{
    std::vector<gr_complex> v;
    v.reserve(size_t(M.size()));
    for (int i = 0; i < M.rows(); ++i)
        for (int j = 0; j < M.cols(); ++j)
            v.push_back(gr_complex(M(i, j)));
    return v;
}
} // namespace

radio_emulator::sptr radio_emulator::make(int n_tx,
                                          int n_rx,
                                          int n_users,
                                          double samp_rate,
                                          double center_freq,
                                          const std::vector<double>& user_deg,
                                          const std::string& comm_model,
                                          double user_gain,
                                          double rician_k_db,
                                          double comm_noise_var,
                                          double target_deg,
                                          double target_snr_db,
                                          const std::vector<double>& clutter_deg,
                                          const std::vector<double>& cnr_db,
                                          double radar_noise_var,
                                          int64_t target_coherence,
                                          double pilot_deg,
                                          double pilot_snr_db,
                                          double pilot_freq,
                                          int64_t pilot_len,
                                          bool loopback,
                                          double loopback_snr_db,
                                          const std::string& impairments,
                                          int64_t seed,
                                          bool pace,
                                          int uplink_len,
                                          int64_t uplink_period,
                                          double uplink_snr_db,
                                          int64_t uplink_seed,
                                          bool vector_ports,
                                          int64_t uplink_offset)
{
    core::params::radio_emulator::check(n_tx,
                                        n_rx,
                                        n_users,
                                        samp_rate,
                                        center_freq,
                                        user_deg,
                                        comm_model,
                                        user_gain,
                                        rician_k_db,
                                        comm_noise_var,
                                        target_deg,
                                        target_snr_db,
                                        clutter_deg,
                                        cnr_db,
                                        radar_noise_var,
                                        target_coherence,
                                        pilot_deg,
                                        pilot_snr_db,
                                        pilot_freq,
                                        pilot_len,
                                        loopback,
                                        loopback_snr_db,
                                        impairments,
                                        seed,
                                        pace,
                                        uplink_len,
                                        uplink_period,
                                        uplink_snr_db,
                                        uplink_seed,
                                        vector_ports,
                                        uplink_offset);
    core::frontend_params p;
    p.n_tx = n_tx;
    p.n_rx = n_rx;
    p.n_users = n_users;
    p.samp_rate = samp_rate;
    p.center_freq = center_freq;
    p.users = core::parse_comm_model(comm_model);
    p.user_rad = to_rad(user_deg);
    p.user_gain = user_gain;
    p.rician_k_db = rician_k_db;
    p.comm_noise_var = comm_noise_var;
    p.target_rad = core::deg2rad(target_deg);
    p.target_snr_db = target_snr_db;
    p.clutter_rad = to_rad(clutter_deg);
    p.cnr_db = cnr_db;
    p.radar_noise_var = radar_noise_var;
    p.target_coherence = long(target_coherence);
    p.pilot_rad = core::deg2rad(pilot_deg);
    if (pilot_len >= 0) {
        p.pilot_snr_db = pilot_snr_db;
        p.pilot_len = uint64_t(pilot_len);
    }
    p.pilot_freq = pilot_freq;
    p.loopback = loopback;
    p.loopback_snr_db = loopback_snr_db;
    p.imp = core::impairment_profile::named(impairments);
    p.seed = uint64_t(seed);
    p.uplink_len = uplink_len;
    p.uplink_period = uint64_t(uplink_period);
    p.uplink_snr_db = uplink_snr_db;
    p.uplink_seed = uint64_t(uplink_seed);
    p.uplink_offset = uint64_t(uplink_offset);
    return make_with_profile(p, pace, vector_ports);
}

radio_emulator::sptr radio_emulator::make_with_profile(
    const core::frontend_params& params, bool pace, bool vector_ports)
{
    params.validate(); // before the io signatures are built: errors name our parameter
    return gnuradio::make_block_sptr<radio_emulator_impl>(params, pace, vector_ports);
}

namespace {
gr::io_signature::sptr emu_input_signature(const core::frontend_params& p, bool vec)
{
    return vec ? gr::io_signature::make(1, 1, sizeof(gr_complex) * p.n_tx)
               : gr::io_signature::make(p.n_tx, p.n_tx, sizeof(gr_complex));
}

// sensing channels, users, uplink chains: one stream each, or (vector ports)
// the sensing and the uplink channels as one vector port each
gr::io_signature::sptr emu_output_signature(const core::frontend_params& p, bool vec)
{
    const int ns = p.n_rx + (p.loopback ? 1 : 0);
    const int nl = p.uplink_len > 0 ? p.n_tx : 0;
    if (!vec)
        return gr::io_signature::make(
            ns + p.n_users + nl, ns + p.n_users + nl, sizeof(gr_complex));
    std::vector<int> sizes{ int(sizeof(gr_complex)) * ns };
    sizes.insert(sizes.end(), size_t(p.n_users), int(sizeof(gr_complex)));
    if (nl)
        sizes.push_back(int(sizeof(gr_complex)) * nl);
    return gr::io_signature::makev(int(sizes.size()), int(sizes.size()), sizes);
}
} // namespace

radio_emulator_impl::radio_emulator_impl(const core::frontend_params& p,
                                         bool pace,
                                         bool vector_ports)
    : gr::sync_block("radio_emulator",
                     emu_input_signature(p, vector_ports),
                     emu_output_signature(p, vector_ports)),
      d_emu(p),
      d_n_sense_out(d_emu.get().n_sense_out()),
      d_pace(pace),
      d_vector(vector_ports)
{
    // a radio: tags on what the flowgraph transmits do not come back out of
    // the receivers (UHD sources tag rx_time etc., nothing from the sink)
    set_tag_propagation_policy(TPP_DONT);
    if (vector_ports) {
        // a vector port holds as many snapshots as one stream per channel did
        // (GNU Radio sizes a buffer in bytes: 64 KiB, 8192 complex items), so
        // the work calls stay as long and the hand-offs as few
        const long stream_items = 65536 / long(sizeof(gr_complex));
        set_min_output_buffer(0, stream_items);
        if (p.uplink_len > 0)
            set_min_output_buffer(1 + p.n_users, stream_items);
    }
}

radio_emulator_impl::~radio_emulator_impl() {}

bool radio_emulator_impl::start()
{
    std::lock_guard<std::mutex> lock(d_mutex);
    if (d_started) {
        // Item counts restart at 0 on every start(), and so does the emulation,
        // from the seed it used (as isac_channel's model): else its pilot window
        // and TDD uplink slots stay where the first run left them while the
        // blocks downstream count from 0 again. The parameters are fixed at
        // construction, so the same seed draws the same radios and scene.
        d_emu.restart_from_seed(alias());
    }
    d_started = true;
    d_clock_started = false;
    d_clip_warned = false; // the clip counters start from 0 again too
    return sync_block::start();
}

bool radio_emulator_impl::stop()
{
    forget_buffer_sizes(*this); // the next start() sizes the buffers afresh
    return sync_block::stop();
}

void radio_emulator_impl::warn_tx_clipping()
{
    // A USRP clips its fc32 transmit stream at full scale too, so the emulator
    // does as well in every profile; a waveform scaled for unit power per
    // element (a Gaussian x) loses its peaks without any other sign. A few
    // peaks clipped cost little: a Gaussian x clipping 2 % of its samples
    // (0.3 per element) has clipping noise 27 dB below its power, under any
    // SINR the chains work at, and a warning on every run of an example whose
    // precoded x peaks near full scale (the null-space OTA's) would be noise.
    // A share above 2 % of the samples so far warns, judged on at least 65536
    // samples so that a few early peaks do not.
    constexpr double warn_share = 0.02;
    constexpr uint64_t warn_min_samples = 65536;
    if (d_clip_warned)
        return;
    uint64_t clipped = 0, samples;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        for (int k = 0; k < emu().params().n_tx; ++k)
            clipped += emu().tx(k).clipped;
        samples = emu().position() * uint64_t(emu().params().n_tx);
    }
    if (double(clipped) <= warn_share * double(std::max(samples, warn_min_samples)))
        return;
    d_clip_warned = true;
    d_logger->warn(
        "the transmit stream clips at the DAC's full scale (|I|, |Q| <= 1, as a "
        "USRP's): {:.3g} % of its first {} samples (impairment profiles, "
        "'none' too, keep the DAC's range; scale x down; tx_clipped() counts)",
        100.0 * double(clipped) / double(std::max<uint64_t>(samples, 1)),
        samples);
}

int radio_emulator_impl::work(int noutput_items,
                              gr_vector_const_void_star& input_items,
                              gr_vector_void_star& output_items)
{
    bool pace;
    double rate;
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        pace = d_pace;
        rate = emu().params().samp_rate;
    }
    if (pace) {
        // a radio's clock: never run ahead of samp_rate; sleep in short steps
        // so that a stop request is served within 50 ms
        const auto now = std::chrono::steady_clock::now();
        uint64_t pos;
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            if (!d_clock_started) {
                d_clock_started = true;
                d_t0 = now;
                d_pos0 = emu().position();
            }
            pos = emu().position() - d_pos0;
        }
        const double ahead =
            double(pos) / rate - std::chrono::duration<double>(now - d_t0).count();
        if (ahead > 0.0) {
            std::this_thread::sleep_for(
                std::chrono::duration<double>(std::min(ahead, 0.05)));
            return 0;
        }
        noutput_items = int(std::min<double>(noutput_items, std::max(1.0, 0.05 * rate)));
    }
    const int nt = emu().params().n_tx;
    const int ns = emu().n_sense_out(), nu = emu().params().n_users;
    const int nl = emu().n_uplink_out();
    const size_t n = size_t(noutput_items);
    // grow only: a vector that shrank would zero-fill its regrowth on every call
    auto at_least = [](std::vector<core::cfloat>& v, size_t m) {
        if (v.size() < m)
            v.resize(m);
    };
    at_least(d_users, n * nu);
    if (d_vector) {
        // snapshot-major ports: the emulator reads and writes the buffers in place
        const int up = 1 + nu;
        {
            std::lock_guard<std::mutex> lock(d_mutex);
            emu().process(static_cast<const core::cfloat*>(input_items[0]),
                          static_cast<core::cfloat*>(output_items[0]),
                          d_users.data(),
                          nl ? static_cast<core::cfloat*>(output_items[up]) : nullptr,
                          noutput_items);
        }
        warn_tx_clipping();
        for (int u = 0; u < nu; ++u) {
            auto out = static_cast<core::cfloat*>(output_items[1 + u]);
            for (size_t t = 0; t < n; ++t)
                out[t] = d_users[t * nu + u];
        }
        return noutput_items;
    }
    // one stream per radio channel, as the UHD blocks have them: gather the
    // transmit channels into snapshots, scatter the receive channels back
    at_least(d_x, n * nt);
    at_least(d_echo, n * ns);
    at_least(d_uplink, n * nl);
    for (int k = 0; k < nt; ++k) {
        const auto in = static_cast<const core::cfloat*>(input_items[k]);
        for (size_t t = 0; t < n; ++t)
            d_x[t * nt + k] = in[t];
    }
    {
        std::lock_guard<std::mutex> lock(d_mutex);
        emu().process(d_x.data(),
                      d_echo.data(),
                      d_users.data(),
                      nl ? d_uplink.data() : nullptr,
                      noutput_items);
    }
    warn_tx_clipping();
    for (int m = 0; m < ns; ++m) {
        auto out = static_cast<core::cfloat*>(output_items[m]);
        for (size_t t = 0; t < n; ++t)
            out[t] = d_echo[t * ns + m];
    }
    for (int u = 0; u < nu; ++u) {
        auto out = static_cast<core::cfloat*>(output_items[ns + u]);
        for (size_t t = 0; t < n; ++t)
            out[t] = d_users[t * nu + u];
    }
    for (int k = 0; k < nl; ++k) {
        auto out = static_cast<core::cfloat*>(output_items[ns + nu + k]);
        for (size_t t = 0; t < n; ++t)
            out[t] = d_uplink[t * nl + k];
    }
    return noutput_items;
}

// clang-format off
// gen_params:begin accessor_definitions
void radio_emulator_impl::set_pace(bool pace)
{
    std::lock_guard<std::mutex> lock(d_mutex);
    set_or_restore(d_pace, pace, [&] { pace_changed(); });
}

bool radio_emulator_impl::pace() const
{
    std::lock_guard<std::mutex> lock(d_mutex);
    return d_pace;
}
// gen_params:end accessor_definitions
// clang-format on

// ---- getters ---------------------------------------------------------------
#define ISAC_LOCKED std::lock_guard<std::mutex> lock(d_mutex)

std::string radio_emulator_impl::impairments() const
{
    ISAC_LOCKED;
    return emu().params().imp.name;
}
core::impairment_profile radio_emulator_impl::profile() const
{
    ISAC_LOCKED;
    return emu().params().imp;
}
uint64_t radio_emulator_impl::seed_used() const
{
    ISAC_LOCKED;
    return emu().seed_used();
}
uint64_t radio_emulator_impl::position() const
{
    ISAC_LOCKED;
    return emu().position();
}
std::vector<gr_complex> radio_emulator_impl::uplink_channel() const
{
    ISAC_LOCKED;
    return flat(emu().H_uplink());
}
uint64_t radio_emulator_impl::uplink_collisions() const
{
    ISAC_LOCKED;
    return emu().uplink_collisions();
}
std::vector<gr_complex> radio_emulator_impl::channel_reported() const
{
    ISAC_LOCKED;
    return flat(emu().H_downlink_reported());
}
double radio_emulator_impl::loop_delay() const
{
    ISAC_LOCKED;
    return emu().loop_delay();
}
std::vector<double> radio_emulator_impl::tx_phases_rad() const
{
    ISAC_LOCKED;
    return emu().tx_phases();
}
std::vector<double> radio_emulator_impl::rx_phases_rad() const
{
    ISAC_LOCKED;
    return emu().rx_phases();
}
std::vector<double> radio_emulator_impl::tx_phases_rad_over(uint64_t first,
                                                            uint64_t last) const
{
    ISAC_LOCKED;
    return emu().tx_phases_over(first, last);
}
std::vector<double> radio_emulator_impl::rx_phases_rad_over(uint64_t first,
                                                            uint64_t last) const
{
    ISAC_LOCKED;
    return emu().rx_phases_over(first, last);
}
std::vector<gr_complex> radio_emulator_impl::tx_gains() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    for (int k = 0; k < emu().params().n_tx; ++k)
        v.push_back(gr_complex(emu().tx(k).gain));
    return v;
}
std::vector<gr_complex> radio_emulator_impl::rx_gains() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    for (int m = 0; m < emu().n_sense_out(); ++m)
        v.push_back(gr_complex(emu().rx(m).gain));
    return v;
}
std::vector<gr_complex> radio_emulator_impl::user_gains() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    for (int u = 0; u < emu().params().n_users; ++u)
        v.push_back(gr_complex(emu().user(u).gain));
    return v;
}
std::vector<double> radio_emulator_impl::user_cfo() const
{
    ISAC_LOCKED;
    std::vector<double> v;
    for (int u = 0; u < emu().params().n_users; ++u)
        v.push_back(emu().user(u).cfo);
    return v;
}
std::vector<double> radio_emulator_impl::user_delay() const
{
    ISAC_LOCKED;
    std::vector<double> v;
    for (int u = 0; u < emu().params().n_users; ++u)
        v.push_back(emu().user(u).delay);
    return v;
}
std::vector<double> radio_emulator_impl::rx_cfo() const
{
    ISAC_LOCKED;
    std::vector<double> v;
    for (int m = 0; m < emu().n_sense_out(); ++m)
        v.push_back(emu().rx(m).cfo);
    return v;
}
std::vector<double> radio_emulator_impl::rx_delay() const
{
    ISAC_LOCKED;
    std::vector<double> v;
    for (int m = 0; m < emu().n_sense_out(); ++m)
        v.push_back(emu().rx(m).delay);
    return v;
}
std::vector<gr_complex> radio_emulator_impl::channel() const
{
    ISAC_LOCKED;
    return flat(emu().H());
}
std::vector<gr_complex> radio_emulator_impl::channel_effective() const
{
    ISAC_LOCKED;
    return flat(emu().H_effective());
}
std::vector<gr_complex> radio_emulator_impl::echo_matrix() const
{
    ISAC_LOCKED;
    return flat(emu().G());
}
std::vector<gr_complex> radio_emulator_impl::echo_gains() const
{
    ISAC_LOCKED;
    std::vector<gr_complex> v;
    for (int q = 0; q < emu().echo_gains().size(); ++q)
        v.push_back(gr_complex(emu().echo_gains()[q]));
    return v;
}
std::vector<uint64_t> radio_emulator_impl::rx_clipped() const
{
    ISAC_LOCKED;
    std::vector<uint64_t> v;
    for (int m = 0; m < emu().n_sense_out(); ++m)
        v.push_back(emu().rx(m).clipped);
    return v;
}
std::vector<uint64_t> radio_emulator_impl::user_clipped() const
{
    ISAC_LOCKED;
    std::vector<uint64_t> v;
    for (int u = 0; u < emu().params().n_users; ++u)
        v.push_back(emu().user(u).clipped);
    return v;
}
std::vector<uint64_t> radio_emulator_impl::tx_clipped() const
{
    ISAC_LOCKED;
    std::vector<uint64_t> v;
    for (int k = 0; k < emu().params().n_tx; ++k)
        v.push_back(emu().tx(k).clipped);
    return v;
}
uint64_t radio_emulator_impl::nonfinite_count() const
{
    ISAC_LOCKED;
    return emu().nonfinite_inputs();
}

} // namespace isac
} // namespace gr
