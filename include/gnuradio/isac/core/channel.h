/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * MIMO ISAC channel simulator core (1-bit ISAC paper Sec. II, eq. (2); bistatic CRB paper
 * Sec. II): the users' downlink channel H (n_users x n_tx, rows h_u^H, y = H x + n) and
 * the radar echo of a target plus Q clutter patches, monostatic or bistatic.
 *
 * The echo uses the rank-(Q+1) structure of 1-bit ISAC paper eq. (2): c_q =
 * g_T(theta_q)^T x, r = sum_q gamma_q c_q g_R(theta_q) + n_R; no n_rx x n_tx matrix is
 * formed. The hot path is single precision, one snapshot at a time, with a fixed-order
 * dot kernel so that the rounding never depends on batching.
 *
 * Random streams: H draws, gain draws, comm noise and radar noise each have
 * their own generator seeded from `seed`, so the output of a fixed seed does
 * not depend on how the snapshots are split into batches.
 *
 * Conventions (the module's, docs/conventions.md; details in docs/isac_channel.md):
 *  - monostatic: g_T, g_R = ula_steering(N, theta,
 *    array_convention::first_element_unit_norm()) (unit norm), gamma_q = zeta_q w_q,
 *    zeta_q^2 = sigma_R^2 10^(snr_q/10); target-to-noise ratio zeta_0^2/sigma_R^2,
 *    CNR_q = zeta_q^2/sigma_R^2.
 *  - bistatic: r = beta g_R(rx) g_T(tx)^T x + n with the same unit-norm
 *    vectors, so target_snr_db means zeta_0^2/sigma_R^2 in both geometries and
 *    a receiver scanning g_R finds the target at rx_deg in both. (The bistatic
 *    CRB paper writes b(theta) a(phi)^H with midpoint-referenced, sign +1,
 *    unnormalised vectors: its a^H x is our g_T^T x up to a phase, its b is our
 *    g_R mirrored; the DoA core converts.) Clutter is not modelled in the
 *    bistatic geometry.
 *  - "los" users: row u of H is a(theta_u)^T with a = ula_steering(n_tx,
 *    theta_u) in the module default convention (sign -1, first element,
 *    unnormalised: unit gain per antenna), i.e. h_u = conj(a(theta_u)), so
 *    y_u = sqrt(n_tx) g_T(theta_u)^T x: the same transmit direction as the echo.
 *  - "rician": h = sqrt(K/(1+K)) h_LoS + sqrt(1/(1+K)) h_NLoS, h_NLoS ~ CN(0, I).
 */
#ifndef INCLUDED_ISAC_CORE_CHANNEL_H
#define INCLUDED_ISAC_CORE_CHANNEL_H

#include <gnuradio/isac/core/types.h>
#include <volk/volk_alloc.hh>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

//! splitmix64 step: seeds the xoshiro state from one 64-bit seed.
uint64_t splitmix64(uint64_t& state);

//! A seed in [1, 2^63 - 1] from std::random_device (used when the user's seed is
//! 0); it fits the blocks' int64 seed parameters, so seed_used() reproduces a run.
uint64_t random_seed();

/*!
 * Fast Gaussian generator: xoshiro256++ uniform bits and the Marsaglia-Tsang
 * ziggurat (128 layers). The layer index comes from the low 7 bits and the
 * value from the high 32 bits of the same 64-bit word, so the two are not
 * correlated (the weakness of the original SHR3-based ziggurat). About 97.2 %
 * of draws need one table lookup and one multiply (the top layer, 1/128 of them,
 * has no rectangle); the rest take the exact wedge/tail fallback, so the
 * distribution is exact up to 32-bit resolution. A per-layer squeeze decides
 * the wedge test without the exponential for all but ~1 % of those.
 */
class gaussian_rng
{
public:
    explicit gaussian_rng(uint64_t seed = 1);
    void seed(uint64_t seed);
    uint64_t next_u64() { return step(s[0], s[1], s[2], s[3]); }
    //! One xoshiro256++ step of the state words (s0 .. s3): its output (the
    //! lane-parallel kernels step their lanes with it too).
    static uint64_t step(uint64_t& s0, uint64_t& s1, uint64_t& s2, uint64_t& s3)
    {
        const uint64_t r = rotl(s0 + s3, 23) + s0;
        const uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl(s3, 45);
        return r;
    }
    //! Uniform on the open interval (0, 1), 53-bit resolution.
    double uniform() { return (double(next_u64() >> 11) + 0.5) * 0x1.0p-53; }
    //! Standard normal N(0, 1).
    float normal()
    {
        const uint64_t u = next_u64();
        const int32_t hz = static_cast<int32_t>(u >> 32);
        const uint32_t iz = static_cast<uint32_t>(u & 127u);
        const uint32_t ahz = hz < 0 ? uint32_t(-int64_t(hz)) : uint32_t(hz);
        if (ahz < s_kn[iz])
            return float(hz) * s_wn[iz];
        return normal_fix(hz, iz);
    }
    /*!
     * n draws of N(0, 1): the same values as n calls of normal(), with the state in
     * registers (a loop that interleaves normal() with other work keeps storing it).
     */
    void fill_normal(float* out, size_t n);
    //! n samples of CN(0, var): real and imaginary parts N(0, var/2).
    void fill_cn(cfloat* out, size_t n, float var);
    //! One CN(0, 1) sample in double precision (channel and gain draws).
    cdouble cn();

private:
    friend class gaussian_lanes;
    uint64_t s[4];
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    float normal_fix(int32_t hz, uint32_t iz);
    static uint32_t s_kn[128];
    static float s_wn[128];
    static float s_fn[128];
    static bool init_tables();
};

/*!
 * The same ziggurat as gaussian_rng, fed by eight xoshiro256++ generators side by
 * side, so that a CPU draws sixteen normals per step in vector lanes (the
 * emulator's noise and phase noise: many draws per snapshot).
 *
 * The stream is a function of the seed alone. Lane l (l = 0 .. 7) starts where
 * gaussian_rng(seed) is after (l + 1) x 2^128 steps (xoshiro's jump); step k of
 * lane l gives the 64-bit word w, whose low half makes draw 16k + 2l and high half
 * draw 16k + 2l + 1. A 32-bit half v gives the layer iz = v mod 128 and the signed
 * value hz = v with its low 7 bits replaced by 64 (symmetric about 0); the draw is
 * hz x w_iz when |hz| < k_iz (about 97.2 % of draws). The others, in draw order,
 * each take one uniform u from a ninth generator W (gaussian_rng(seed) after
 * 9 x 2^128 steps): in layers iz > 0 the draw is x = hz x w_iz (in double) if
 * u passes gaussian_rng's wedge test at x, else the next normal() of a tenth
 * generator R (after 10 x 2^128 steps); in layer 0 it is gaussian_rng's exact tail
 * beyond the base strip, drawn from R. Every kernel ("generic", "avx2",
 * "avx512f") gives the same bits, and the values do not depend on how the draws
 * are split into calls.
 */
class gaussian_lanes
{
public:
    explicit gaussian_lanes(uint64_t seed = 1);
    void seed(uint64_t seed);
    //! n draws of N(0, 1).
    void fill_normal(float* out, size_t n);
    //! One draw (the next of the same stream).
    float normal();

    //! The kernels this CPU runs, "generic" first, and the one fill_normal uses.
    static std::vector<std::string> impls();
    static std::string impl();
    //! fill_normal through the named kernel (throws std::invalid_argument if this
    //! CPU cannot run it): the same draws, for tests and benchmarks.
    void fill_normal(float* out, size_t n, const std::string& impl);

    /*!
     * A kernel: nblocks steps of the lanes, 16 draws each, into out (the
     * rectangle's values hz x w_iz), raw (the 32-bit halves v) and list (the
     * indices of the draws that miss the rectangle, ascending; room for
     * 16 nblocks + 16); returns their count.
     */
    using kernel_fn = size_t (*)(uint64_t (&s)[4][8],
                                 const uint32_t* kn,
                                 const float* wn,
                                 float* out,
                                 uint32_t* raw,
                                 uint32_t* list,
                                 size_t nblocks);

private:
    uint64_t d_s[4][8]; // d_s[word][lane]
    gaussian_rng d_wedge, d_retry;
    float d_buf[16];
    unsigned d_left = 0; // draws of d_buf not yet returned (its last d_left)
    static kernel_fn kernel(const std::string& name);
    static kernel_fn best();
    void blocks(float* out, size_t nblocks, kernel_fn k);
    void fill(float* out, size_t n, kernel_fn k);
};

enum class comm_model { rayleigh, los, rician };
enum class radar_geometry { monostatic, bistatic };
enum class gain_model { swerling1, fixed };

comm_model parse_comm_model(const std::string& s);
radar_geometry parse_geometry(const std::string& s);
gain_model parse_gain_model(const std::string& s);
std::string to_string(comm_model m);
std::string to_string(radar_geometry g);
std::string to_string(gain_model g);

//! Everything the simulator needs. Angles in radians (the core's unit).
struct channel_params {
    int n_tx = 16;
    int n_users = 4;
    int n_rx = 16;
    comm_model comm = comm_model::rayleigh;
    std::vector<double> user_rad;            //!< n_users angles (los/rician)
    std::vector<double> comm_noise_var{ 1.0 }; //!< 1 or n_users values >= 0
    double rician_k_db = 10.0;
    long coherence = 0; //!< snapshots per channel draw, 0 = static
    uint64_t seed = 0;  //!< 0 = random
    radar_geometry geometry = radar_geometry::monostatic;
    double target_rad = 0.0;
    double tx_rad = 0.0;
    double rx_rad = 0.0;
    double target_snr_db = 0.0;
    std::vector<double> clutter_rad;
    std::vector<double> cnr_db; //!< one per clutter angle
    double radar_noise_var = 1.0;
    gain_model gains = gain_model::swerling1;
    long cpi_len = 1;
    long target_delay = 0;

    //! Throws param_error naming the (block-level) parameter on bad values.
    void validate() const;
};

//! Limits shared by the block's validation and the core's.
constexpr long channel_max_delay = 1L << 20;
constexpr double channel_max_db = 200.0;

/*!
 * The simulator. Not thread-safe: the owner serialises calls.
 *
 * Timing: snapshot index t counts from 0. H is drawn at t = 0, coherence,
 * 2 coherence, ... (only at 0 when coherence = 0); the gains at t = 0,
 * cpi_len, 2 cpi_len, ... process() stops at those boundaries, and the caller
 * asks comm_due()/cpi_due() and calls draw_comm()/draw_gains() there (the
 * constructor makes the draws for t = 0).
 */
class isac_channel_model
{
public:
    explicit isac_channel_model(const channel_params& p);

    const channel_params& params() const { return d_p; }
    uint64_t position() const { return d_pos; }
    uint64_t seed_used() const { return d_seed; }

    //! True when the next snapshot starts a new channel draw / CPI.
    bool comm_due() const { return d_pos >= d_next_comm; }
    bool cpi_due() const { return d_pos >= d_next_cpi; }
    void draw_comm(); //!< new H (NLoS part), schedules the next draw
    /*!
     * H of channel draw k (k >= comm_draw_index()), which takes effect at
     * snapshot k * coherence. Future draws are taken from the H stream ahead
     * of time and kept, so draw_comm() later uses exactly this matrix (lets
     * the block publish csi before the snapshot it applies to). With
     * coherence = 0 only k = 0 exists. Future LoS parts use the current angles.
     */
    cmat H_of_draw(uint64_t k);
    void draw_gains(); //!< new gammas, schedules the next CPI
    uint64_t comm_draw_index() const { return d_comm_index; }
    uint64_t cpi_index() const { return d_cpi_index; }
    //! Snapshot where the current channel draw / CPI began.
    uint64_t comm_draw_start() const { return d_comm_start; }
    uint64_t cpi_start() const { return d_cpi_start; }

    /*!
     * Process up to n snapshots (x: n x n_tx, y: n x n_users, r: n x n_rx,
     * snapshot-contiguous, i.e. column-major n_tx x n) with the current draws.
     * Stops before the next draw boundary; returns the count processed.
     * Non-finite input entries are treated as 0 (and counted) so they never
     * reach the delay line.
     */
    long process(const cfloat* x, cfloat* y, cfloat* r, long n);
    uint64_t nonfinite_inputs() const { return d_nonfinite; }
    //! Snapshots whose finite input overflowed single precision (processed as x = 0,
    //! or with the overflowing outputs set to 0).
    uint64_t overflow_snapshots() const { return d_overflow; }

    //! Current channel (rows h_u^H) in double precision, and its float copy.
    const cmat& H() const { return d_H; }
    //! Current gammas [gamma_0, gamma_1..gamma_Q] (bistatic: [beta]).
    cvec gains() const;
    //! zeta_q^2 = sigma_R^2 10^(snr_q/10) for the target and each clutter patch.
    rvec zeta2() const;
    //! Echo steering vectors: receive (n_rx x (Q+1)) and transmit rows
    //! ((Q+1) x n_tx) so that c = Tx x, r = Rx diag(gamma) c.
    const cmat& rx_steering() const { return d_gr; }
    const cmat& tx_rows() const { return d_gt; }

    // Runtime changes (validated; throw param_error and leave the state
    // unchanged on a bad value). Comm changes rebuild H from the kept NLoS part.
    void set_user_rad(const std::vector<double>& v);
    void set_comm_noise_var(const std::vector<double>& v);
    void set_rician_k_db(double k);
    void set_target_rad(double t);
    void set_tx_rad(double t);
    void set_rx_rad(double t);
    void set_target_snr_db(double s);
    void set_clutter(const std::vector<double>& clutter_rad, const std::vector<double>& cnr_db);
    void set_radar_noise_var(double v);
    //! Applies all of q's runtime fields at once after validating q as a whole.
    void apply(const channel_params& q);

private:
    channel_params d_p;
    uint64_t d_seed;
    gaussian_rng d_rng_h, d_rng_gain, d_rng_comm, d_rng_radar;

    uint64_t d_pos = 0;
    uint64_t d_next_comm, d_next_cpi;
    uint64_t d_comm_index = 0, d_cpi_index = 0;
    uint64_t d_comm_start = 0, d_cpi_start = 0;
    uint64_t d_nonfinite = 0;
    uint64_t d_overflow = 0;

    //! Rows of a complex matrix in float, each starting on VOLK's alignment:
    //! the operands of the aligned VOLK kernels in process().
    struct aligned_rows {
        int rows = 0, n = 0, stride = 0;
        volk::vector<cfloat> data;
        void assign(const cmat& M);
        const cfloat* row(int r) const { return data.data() + size_t(r) * stride; }
    };

    cmat d_H, d_Hnlos;       // n_users x n_tx
    std::deque<cmat> d_future_nlos; // pre-drawn NLoS parts of draws index+1, +2, ...
    std::vector<float> d_comm_std; // per-user noise std per real component
    cvec d_w;                // unit gain draws (Q+1)
    cmat d_gr, d_gt;         // n_rx x (Q+1), (Q+1) x n_tx
    // hot-path copies (float): rows h_u^H, g_T(theta_q)^T and conj(g_R(theta_q))
    aligned_rows d_H_rows, d_gt_rows, d_grc_rows;
    std::vector<cfloat> d_gam;   // gamma_q
    volk::vector<cfloat> d_x;    // one input snapshot (aligned copy)
    volk::vector<cfloat> d_racc; // one radar snapshot being summed
    std::vector<cfloat> d_c;     // c_q = g_T(theta_q)^T x
    std::vector<cfloat> d_delay; // FIFO of c_0 for target_delay
    size_t d_delay_pos = 0;

    int n_echo() const;      // Q+1 (1 for bistatic)
    void rebuild_H();
    void rebuild_steering();
    void rebuild_gains();
    void rebuild_noise();
    static uint64_t next_boundary(uint64_t pos, long period);
};

//! One channel draw of the users' model (for studies): n_users x n_tx, rows h_u^H.
cmat draw_comm_channel(comm_model m,
                       int n_users,
                       int n_tx,
                       const std::vector<double>& user_rad,
                       double rician_k_db,
                       gaussian_rng& rng);

//! The deterministic line-of-sight channel: row u = ula_steering(n_tx, theta_u)^T.
cmat los_channel(int n_tx, const std::vector<double>& user_rad);

} // namespace core
} // namespace isac
} // namespace gr

#endif
