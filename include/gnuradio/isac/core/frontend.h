/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Emulated radio front-end: what a multi-channel USRP array, the room and the
 * users' radios do to the samples between the UHD sink and the UHD sources of
 * examples/isac_usrp_ota.grc. The over-the-air chains meet here everything a
 * real run meets that the genie loopback hides, so that the first run on
 * hardware holds no surprise the emulator did not already show.
 *
 * Signal path, per snapshot t (one sample per antenna; docs/ota.md has the
 * profile table with its sources):
 *
 *   transmit channel n (n = 0 .. n_tx-1):
 *     x'_n = g_n(t) e^{j pn_n(t)} (K1_n d_n + K2_n conj(d_n)),  d_n = DAC clip(x_n, +-1)
 *       g_n(t)  = static gain and LO phase  x  slow random drift (Ornstein-Uhlenbeck)
 *       K1, K2  = IQ imbalance (image K2/K1), pn = phase noise (Ornstein-Uhlenbeck)
 *   air (a static scene in the module convention, docs/conventions.md):
 *     users   y_air = H x'                     (rows h_u^H = gain a(theta_u)^T, or
 * Rician) echo    r_air = G x',  G = sum_q gamma_q g_R(theta_q) g_T(theta_q)^T
 * (monostatic, |gamma_q|^2 = sigma_R^2 10^(snr_q/10), fixed random phases: static
 * clutter) loopback l_air = c sum_n x'_n            (a coupler with equal cables,
 * optional) delays (band-limited, fractional_delay below): echo and loopback by the
 * Tx->Rx loop delay D + f (+ a per-channel skew), user u by its own timing offset; then a
 * CW calibration pilot from pilot_deg joins the echo (external source: no loop delay)
 * during [0, pilot_len) receive channel m (sensing array, loopback, and each user's
 * radio): z = g_m(t) e^{j(2 pi eps_m t + pn_m(t))} (s_m + n_m),  n ~ CN(0, sigma^2) out =
 * ADC clip(K1_m z + K2_m conj(z), +-A_m),  A_m^2 = sigma^2 10^(headroom/10) eps_m = CFO
 * in cycles per sample (ppm x carrier / sample rate)
 *
 * Units: the receive samples are scaled so that the thermal noise variance is
 * radar_noise_var (sensing, loopback) or comm_noise_var (users): the values a
 * user measures with the transmitter off and sets in the flowgraph. The ADC's
 * full scale sits `adc_headroom_db` above that floor.
 *
 * Truth: the emulator knows the effective complex gain of every channel
 * (static x drift x K1), the loop delay, the CFOs and the timing offsets, so an
 * acceptance run can measure the residual error of each acquisition block.
 *
 * Random streams: the scene, the static impairments, the drift and every
 * channel's noise/phase-noise have their own generators seeded from one seed
 * (each channel's a gaussian_lanes: the same draws on every CPU), and drift
 * updates happen at absolute snapshot indices, so a seeded run is bit-identical
 * however the scheduler splits the stream into blocks.
 */
#ifndef INCLUDED_ISAC_CORE_FRONTEND_H
#define INCLUDED_ISAC_CORE_FRONTEND_H

#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/types.h>
#include <initializer_list>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

/*!
 * Band-limited (Kaiser-windowed sinc) delay of n_chan interleaved channels,
 * each by its own delay d_c = I_c + f_c >= 0 samples:
 *
 *   y_c(t) = sum_k h_{f_c}(k) x_c(t - I_c - k),  h_f(k) = w(k - f) sinc(k - f),
 *   k = -(h - 1) .. h,  h = min(taps/2, I_c + 1),  sum_k h_f(k) = 1,
 *
 * so the kernel never reaches a sample later than t (a delay below taps/2 - 1
 * gets a shorter kernel; an integer delay is an exact FIFO). With 16 taps and
 * beta = 6 the response matches exp(-j 2 pi nu d) within -55 dB for
 * |nu| <= 0.35 cycles/sample; near Nyquist a fractional delay attenuates, as
 * every real interpolation filter does.
 *
 * Layout: snapshot-major (n x n_chan), the layout of a GNU Radio vector stream.
 * Not thread-safe.
 */
class fractional_delay
{
public:
    //! taps: even, [2, 256]; max_delay: largest delay set_delays() accepts.
    fractional_delay(int n_chan,
                     double max_delay,
                     int taps = 16,
                     double kaiser_beta = 6.0);

    //! One delay per channel, or one value for every channel; each in [0, max_delay].
    void set_delays(const std::vector<double>& delays);
    const std::vector<double>& delays() const { return d_delay; }
    int n_chan() const { return d_nchan; }
    int taps() const { return d_taps; }
    double max_delay() const { return d_max_delay; }

    void process(const cfloat* in, cfloat* out, long n);
    /*!
     * The same on split channels: channel c's n real parts at in + 2 c n, its n
     * imaginary parts right after them; out (not in) in the same layout. The
     * same values as process().
     */
    void process_split(const float* in, float* out, long n);
    //! Zero the history (as at construction).
    void reset();

    /*!
     * The kernel of delay d (its taps for k = -(h-1) .. h, h as above), for
     * tests and for the estimator's reference shape.
     */
    static std::vector<double>
    kernel(double d, int taps, double kaiser_beta, int& k_first);

private:
    int d_nchan, d_taps;
    double d_beta, d_max_delay;
    long d_hist; // samples of history kept per channel
    long d_len;  // end of the valid samples in d_re/d_im (>= d_hist)
    std::vector<double> d_delay;
    std::vector<long> d_int;                    // I_c
    std::vector<int> d_kfirst;                  // first k of each channel's kernel
    std::vector<std::vector<float>> d_h;        // reversed kernel per channel
    std::vector<std::vector<float>> d_re, d_im; // history + block, per channel
    std::vector<float> d_acc_re, d_acc_im;      // process(): output sums
    long d_copy = 0; // every channel one exact tap at this delay, else -1
    void rebuild(int c);
    long copy_delay() const;
    long make_room(long n);
    // channel c's n outputs from its line (the block appended at base + d_hist)
    void filter(long c, long base, long n, float* ar, float* ai);
};

/*! Ranges of the impairments; each channel draws its own values from them. */
struct impairment_profile {
    std::string name = "none";
    // gain and LO phase of every transmit and receive channel
    double gain_std_db = 0.0;         //!< static gain mismatch, Gaussian std (dB)
    bool random_phase = false;        //!< static LO phase uniform in [-180, 180) deg
    double drift_phase_std_deg = 0.0; //!< slow phase drift: stationary std (deg)
    double drift_gain_std_db = 0.0;   //!< slow gain drift: stationary std (dB)
    double drift_tau_s = 60.0;        //!< drift correlation time (s)
    // IQ imbalance: uniform in +-iq_gain_db (amplitude) and +-iq_phase_deg
    double iq_gain_db = 0.0;
    double iq_phase_deg = 0.0;
    // phase noise: Ornstein-Uhlenbeck phase with this RMS and corner frequency
    double pn_rms_deg = 0.0;
    double pn_corner_hz = 100e3;
    // carrier frequency offsets: uniform in +-ppm of the carrier
    double sense_cfo_ppm = 0.0; //!< per sensing receive channel (and the loopback)
    double user_cfo_ppm = 0.0;  //!< per user receiver
    // timing
    double loop_delay_min = 0.0; //!< Tx->Rx loop delay, uniform in [min, max] samples
    double loop_delay_max = 0.0;
    double rx_skew_max = 0.0; //!< per sensing channel extra delay, uniform +-(samples)
    //! user timing offset: an integer start offset uniform in [0, user_delay_max]
    //! samples plus a fraction: users on the array's time reference (PPS,
    //! GPSDO) sample within user_timing_ns of the symbol instants (uniform
    //! [0, user_timing_ns]); free-running users at any phase (uniform [0, 1))
    double user_delay_max = 0.0;
    double user_timing_ns = 0.0;
    bool users_free_running = false;
    // converters
    double adc_headroom_db =
        std::numeric_limits<double>::infinity(); //!< full scale / noise floor

    //! "none", "typical" or "harsh" (docs/ota.md gives the sources).
    static impairment_profile named(const std::string& name);
    //! Throws param_error naming the field.
    void validate() const;
};

/*! The emulated world: array sizes, radio settings, scene and impairments. */
struct frontend_params {
    int n_tx = 4;
    int n_rx = 4;
    int n_users = 2;
    double samp_rate = 1e6;      //!< Hz: converts ppm CFOs and drift times
    double center_freq = 2.45e9; //!< Hz
    // users (module convention: row u of H is user_gain a(theta_u)^T for "los")
    comm_model users = comm_model::los;
    std::vector<double> user_rad;
    double user_gain = 1.0;
    double rician_k_db = 10.0;
    double comm_noise_var = 0.1;
    // monostatic scene (static gains, random phases)
    double target_rad = 0.0;
    double target_snr_db = 15.0;
    std::vector<double> clutter_rad;
    std::vector<double> cnr_db;
    double radar_noise_var = 1.0;
    //! 0: static target gain; > 0: Swerling 1, a new gain every this many
    //! snapshots (a CPI), at absolute indices 0, c, 2c, ...
    long target_coherence = 0;
    // receive calibration pilot: a CW tone from pilot_rad, pilot_freq cycles
    // per sample, per-antenna SNR pilot_snr_db, on for snapshots [0, pilot_len)
    // (0 = always on); pilot_snr_db = -inf switches it off
    double pilot_rad = 0.0;
    double pilot_snr_db = -std::numeric_limits<double>::infinity();
    double pilot_freq = 0.0625;
    uint64_t pilot_len = 0;
    // loopback coupler to one extra sensing receive channel (index n_rx):
    // Tx-power-to-noise ratio of the coupled sum of all transmit channels
    bool loopback = false;
    double loopback_snr_db = 30.0;
    /*!
     * TDD uplink (0 = off): every user sends its row of
     * orthogonal_pilots(n_users, uplink_len, uplink_seed) (core/frame.h,
     * scaled by 1/2: DAC points) in the slots [k uplink_period + uplink_offset,
     * k uplink_period + uplink_offset + uplink_len), k = 0, 1, ..., of the
     * array's receive snapshots, through its own transmit
     * chain (gain, IQ, phase noise, its CFO negated: the same LO as its
     * receiver) and the reciprocal air (H^T), aligned to the slot by timing
     * advance up to the fraction of its timing offset. The transmit array's
     * own receive chains (TDD: the same antennas, other chains; n_tx more
     * outputs) see it with noise radar_noise_var; uplink_snr_db is the
     * per-antenna SNR of one user with |h| = user_gain. They also see the
     * array's own transmission, as a TDD radio's receive chains do when the
     * array radiates during a slot: x through its transmit chains, after the
     * loop delay's integer part (the Tx->Rx latency), uplink_self_db above the
     * uplink pilot of one user per antenna (per unit of |x|^2 n_tx); the
     * frames' guard keeps those snapshots zero (frame.h, docs/ota.md), and
     * uplink_collisions() counts the slot snapshots where it did not.
     */
    int uplink_len = 0;
    uint64_t uplink_period = 1024;
    uint64_t uplink_offset = 0; //!< < uplink_period
    double uplink_self_db = 20.0;
    double uplink_snr_db = 20.0;
    uint64_t uplink_seed = 3;
    impairment_profile imp;
    uint64_t seed = 0; //!< 0 = random
    int fd_taps = 32;  //!< kernel length of the emulated delays
    /*!
     * Memory of the phase history behind tx_phases_over() and
     * rx_phases_over(): at most this many phases (n_tx + n_rx a drift update,
     * and never fewer than 64 updates), thinned beyond (see tx_phases_over).
     */
    uint64_t phase_history_values = uint64_t(1) << 20;

    void validate() const;
};

/*! Per-channel truth the emulator draws (read-only for callers). */
struct chain_truth {
    cdouble gain = 1.0;   //!< effective complex gain now: static x drift x K1
    cdouble image = 0.0;  //!< K2 (IQ image coefficient)
    double cfo = 0.0;     //!< cycles per sample
    double delay = 0.0;   //!< samples (receive channels)
    uint64_t clipped = 0; //!< converter samples clipped (I or Q)
};

class frontend_emulator
{
public:
    explicit frontend_emulator(const frontend_params& p);

    const frontend_params& params() const { return d_p; }
    uint64_t seed_used() const { return d_seed; }
    uint64_t position() const { return d_pos; }
    int n_sense_out() const { return d_p.n_rx + (d_p.loopback ? 1 : 0); }
    //! n_tx with the TDD uplink on, else 0.
    int n_uplink_out() const { return d_p.uplink_len > 0 ? d_p.n_tx : 0; }

    /*!
     * n snapshots: x (n x n_tx) in, echo (n x n_sense_out()) and users
     * (n x n_users) out, snapshot-major. Either output may be null (not
     * computed, but every random stream still advances, so what is computed
     * never depends on what is skipped). Non-finite inputs count as 0.
     */
    void process(const cfloat* x, cfloat* echo, cfloat* users, long n);
    //! The same plus the TDD uplink (n x n_uplink_out(); may be null).
    void process(const cfloat* x, cfloat* echo, cfloat* users, cfloat* uplink, long n);

    // ---- truth
    double loop_delay() const { return d_loop_delay; }
    const chain_truth& tx(int n) const { return d_tx[n].truth; }
    const chain_truth& rx(int m) const { return d_rx[m].truth; } //!< m < n_sense_out()
    const chain_truth& user(int u) const { return d_user[u].truth; }
    //! angle(g_n g_0^*), n = 0 .. n_tx-1 (rad): what transmit calibration estimates.
    std::vector<double> tx_phases() const;
    //! angle(g_m g_0^*) over the n_rx sensing channels: what receive calibration
    //! estimates.
    std::vector<double> rx_phases() const;
    /*!
     * tx_phases() and rx_phases() as they were over the snapshots [first, last]
     * of this run: each channel's mean phasor there, what an estimate over those
     * snapshots refers to. The phases change only at the drift updates (every
     * drift_step snapshots); a history of them is kept, one entry per update
     * while the run is shorter than phase_history_span(), then every second,
     * fourth, ... one (each kept value then stands for the updates up to the
     * next). Throws std::out_of_range unless first <= last < position().
     */
    std::vector<double> tx_phases_over(uint64_t first, uint64_t last) const;
    std::vector<double> rx_phases_over(uint64_t first, uint64_t last) const;
    //! Snapshots the phase history holds at one entry per drift update.
    uint64_t phase_history_span() const { return uint64_t(d_hist_cap) * drift_step; }
    //! The users' channel of the air, rows h_u^H (n_users x n_tx).
    const cmat& H() const { return d_H; }
    //! What a downlink channel estimator sees: row u = g_u,rx (h_u^H) diag(g_tx),
    //! the channel from the DAC inputs to user u's ADC (phase noise and CFO aside).
    cmat H_effective() const;
    //! Echo gains gamma_q (target first, the current draw) and the echo matrix G (n_rx x
    //! n_tx).
    const cvec& echo_gains() const { return d_gamma; }
    const cmat& G() const { return d_G; }
    uint64_t nonfinite_inputs() const { return d_nonfinite; }
    // ---- TDD uplink truth (uplink_len > 0)
    const chain_truth& uplink_rx(int n) const { return d_arx[n].truth; }
    const chain_truth& user_tx(int u) const { return d_utx[u].truth; }
    //! The uplink channel from each user's DAC input to each array ADC
    //! (n_tx x n_users): r_n H(u, n) t_u times the air gain of uplink_snr_db.
    cmat H_uplink() const;
    /*!
     * Uplink slot snapshots (at the array's receive chains) during which the
     * array's own transmission reached them: x non-zero on any antenna one
     * loop delay (integer part) earlier. 0 when the frames' guard covers
     * every slot.
     */
    uint64_t uplink_collisions() const { return d_ul_collisions; }
    //! The downlink rows in the users' noise units (n_users x n_tx): row u =
    //! H(u, :) diag(g_tx) e^{j arg g_u,rx}, what a user receiver reports with
    //! csi_noise_var = comm_noise_var (its gain divides out with its noise).
    cmat H_downlink_reported() const;

private:
    struct chain {
        chain_truth truth;
        cdouble g_static = 1.0;
        double drift_phase = 0.0, drift_gain_db = 0.0; // OU states
        cfloat g_now{ 1.0f, 0.0f }; // g_static x drift (K1 is applied with K2)
        cfloat k1{ 1.0f, 0.0f }, k2{ 0.0f, 0.0f };
        float pn = 0.0f, pn_a = 0.0f, pn_b = 0.0f;
        bool pn_exact = false; // large phase noise: exact sincos instead of the series
        double cfo = 0.0;
        float noise_std = 0.0f; // per real component
        float clip = 0.0f;      // 0 = no clipping
        gaussian_lanes rng;     // noise and phase noise: many draws per snapshot
    };

    frontend_params d_p;
    uint64_t d_seed;
    uint64_t d_pos = 0;
    uint64_t d_nonfinite = 0;
    uint64_t d_last_drift = 0;
    uint64_t d_last_target = 0;
    double d_loop_delay = 0.0;
    gaussian_rng d_rng_drift, d_rng_target;
    double d_drift_a = 1.0, d_drift_b_ph = 0.0, d_drift_b_g = 0.0;
    static constexpr uint64_t drift_step = 1024;
    // phase history (tx_phases_over): rows of n_tx + n_rx phases after the kept
    // drift updates, at snapshots d_hist_pos; one kept per d_hist_stride updates
    std::vector<uint64_t> d_hist_pos;
    std::vector<double> d_hist;
    uint64_t d_hist_stride = 1;
    size_t d_hist_cap = 0;
    void record_phases();
    std::vector<double> phases_over(uint64_t first, uint64_t last, bool tx) const;

    std::vector<chain> d_tx, d_rx, d_user; // d_rx: n_rx sensing (+ loopback)
    std::vector<chain> d_utx, d_arx;       // TDD: users' Tx, the array's Rx chains
    gaussian_rng d_rng_drift_ul;
    cmatf d_ul_pilots;      // n_users x uplink_len, times 1/2
    double d_ul_gain = 0.0; // air gain of the uplink
    // the array's own transmission in its uplink capture: the transmit
    // chains' output (split per channel) of the last d_self_delay snapshots,
    // and whether x was non-zero there
    float d_self_gain = 0.0f;
    long d_self_delay = 0;
    std::vector<float> d_self_hist, d_self_cur;
    std::vector<uint8_t> d_self_on;
    uint64_t d_ul_collisions = 0;
    int d_ul_lead = 0;      // pilots are generated this far ahead of the delay line
    std::vector<cfloat> d_ul_p, d_ul_d, d_ul_r;
    std::vector<float> d_ul_s;              // the uplink chains' split samples
    cmat d_H, d_G, d_G_clutter, d_G_target; // G = G_clutter + gamma_0 G_target
    cvec d_gamma;
    // float copies of the air matrices, row-major
    std::vector<cfloat> d_Hf, d_Gf;
    cfloat d_coupler{ 0.0f, 0.0f };
    std::vector<cfloat> d_pilot_a; // pilot amplitude x a(pilot) per sensing channel
    double d_pilot_phase0 = 0.0;
    fractional_delay d_fd_echo, d_fd_user, d_fd_ul;
    // block buffers, split channels (per channel n real, then n imaginary parts):
    // transmit chains' outputs, the air, after the delays
    std::vector<float> d_xs, d_air_r, d_air_u, d_del_r, d_del_u;
    // process_tx/rx scratch: the chains' normal draws, phase-noise samples, CFO phasors
    std::vector<float> d_w, d_pn;
    std::vector<cfloat> d_rot;

    void draw_scene(gaussian_rng& rng);
    void draw_target();
    void rebuild_echo();
    void
    draw_chain(chain& c, gaussian_rng& rng, double cfo_ppm, double noise_var, bool rx);
    void update_drift();
    void refresh_gain(chain& c);
    // every chain of v: chain k from column k of the stride-interleaved input
    // to the split samples out (chain k's n real parts at out + 2 k n, then its
    // imaginary parts)
    void
    process_tx(std::vector<chain>& v, const cfloat* in, int stride, float* out, long n);
    // receive chains: chain k of *v on the split samples io (in place), then
    // (out not null) into column k of the stride-interleaved out
    struct rx_group {
        std::vector<chain>* v;
        float* io;
        cfloat* out;
        int stride;
    };
    // the groups' chains together (their recursions side by side)
    void process_rx(std::initializer_list<rx_group> groups, long n, uint64_t pos0);
    std::vector<chain*> d_chains; // process_tx/rx: the chains of one call
    void
    ou_recursions(chain* const* v, size_t K, const float* w, int per, float* pn, long n);
    long
    process_block(const cfloat* x, cfloat* echo, cfloat* users, cfloat* uplink, long n);
    void process_uplink(const cfloat* x, cfloat* uplink, long n);
    void add_self(const cfloat* x, long n);
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
