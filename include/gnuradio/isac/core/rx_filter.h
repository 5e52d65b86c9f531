/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Batched 1-bit ISAC paper receive filter and GLRT/CFAR detector (eq. (13)-(16), eq.
 * (24)-(25)).
 *
 * Per snapshot l with received vector r_l (N_R) and transmit vector x_l (N_T):
 *   u_l = M_l^{-1} g_R0 / (c_0^* g_R0^H M_l^{-1} g_R0),  z_l = u_l^H r_l,
 *   statistic s_l = |z_l| / kappa_l,  kappa_l from 1-bit ISAC paper eq. (15) (or its
 * ideal-ADC form). u_l is never formed. With v_l = M_l^{-1} g_R0 = g_R0 - A_R y_l
 * (radar_scene's Woodbury), v_l^H r_l = p_0 - sum_q conj(y_q) p_q needs only the Q+1
 * projections p_q = g_R(theta_q)^H r_l, and M_l only the couplings c_q = g_T(theta_q)^T
 * x_l. A batch is therefore two thin single-precision GEMMs, (Q+1) x N_R times N_R x B
 * and (Q+1) x N_T times N_T x B, straight on the caller's buffers, plus
 * radar_scene::solve_into (O(Q^3)) per snapshot. All radar formulas (Woodbury, ||u||^2,
 * the H0 variance behind kappa) come from radar_scene.
 *
 * Everything but the projections depends on x alone (the couplings, the solve, kappa,
 * the CPI terms), and a DAC with few levels repeats x: a 1-bit DAC on N_T antennas has
 * 4^N_T vectors, 256 at N_T = 4. These x-terms are kept in a small two-way cache keyed
 * by the bytes of x, so a repeated x costs a hash and the Q+1 projections of r. The
 * x-terms are computed per column by one routine (never a batch GEMM whose rounding
 * could depend on the column's position), so a cache hit returns exactly what a miss
 * computes: the output does not depend on the cache. While x hardly repeats (hit rate
 * below 1/2) the lookups pause for 64 k snapshots.
 *
 * Special snapshots (never a division by zero, never a NaN in the outputs):
 *  - non_finite: r_l or x_l holds a NaN/Inf (seen as a non-finite projection,
 *    coupling or ||x||^2): z = 0, statistic 0.
 *  - no_tx: nothing was transmitted (||x_l||^2 below the smallest normal float:
 *    x = 0, as a precoder's muted sections and TDD guards, or only denormals): there
 *    is no decision to make, z = 0 and statistic no_decision (-1). A CPI whose
 *    snapshots are all no_tx has no decision either (cpi_integrator).
 *  - degenerate: |c_0| <= degenerate_tol * ||x_l|| with x_l transmitted (x orthogonal
 *    to the target): u is undefined (1-bit ISAC paper eq. (24)-(25)), z = 0,
 *    statistic 0. The relative tolerance 1e-5 sits two decades above the float
 *    rounding of c_0 (~sqrt(N_T) 6e-8 ||x||) and corresponds to a target
 *    illumination 100 dB below ||x||^2.
 *
 * Threshold (1-bit ADC): threshold_model::theorem1 is eq. 15 above, a linearisation of
 * the quantiser in 1/sigma_R^2 that holds only at low per-antenna SNR/CNR: once the
 * transmit beam lights the clutter the quantiser normalises by the per-antenna power
 * d > sigma_R^2 and the tail of |z| changes shape, and the real Pfa falls far below the
 * request. threshold_model::exact (the default) multiplies eq. 15's kappa^2 by the
 * ratio of the exact kappa^2 (arcsine-law variance, conditional-Gaussian tail over the
 * clutter amplitudes; one_bit_stats.h) to eq. 15's, read from a threshold_table in
 * the clutter powers p_q = CNR_q |c_q|^2. The clutter amplitudes' law is a parameter
 * (clutter_model): Swerling I, the paper's, or static (constant amplitude, as a room's
 * reflections); it sets the tail shapes, and through them every threshold below. The
 * ideal ADC's threshold is exact already.
 *
 * Coherent integration (cpi_integrator): Z = sum_l z_l over a CPI of L snapshots.
 * With gamma_0 and the clutter gammas constant over the CPI (Swerling I) and
 * independent noise per snapshot, Z | H0 is (CLT, as eq. 11-12) CN(0, V) with
 *   V = k_n sum_l ||u_l||^2 + sum_q w_q |sum_l c_{q,l} u_l^H g_R(theta_q)|^2
 * (k_n = 2 and w_q = 4 zeta_q^2/(pi sigma_R^2) for 1-bit; sigma_R^2 and zeta_q^2 for
 * the ideal ADC): radar_scene::h0_variance with summed terms. |Z| is Rayleigh,
 * so kappa_CPI = sqrt(-V ln Pfa) gives the requested Pfa exactly as eq. 15 does
 * for one snapshot; the QA checks it on H0 Monte-Carlo runs. For L = 1 it is eq. 15.
 * With the exact 1-bit threshold the CPI variance splits the same way, with the
 * exact per-snapshot variance and the clutter terms normalised by the per-antenna
 * power d_l (the Bussgang gain of the quantiser is 2/sqrt(pi d_l)):
 *   V = sum_l (V_l - L_l) + (4/pi) sum_q CNR_q |sum_l c_{q,l} u_l^H g_q / sqrt(d_l)|^2
 *       + sum_{l != m} Re u_l^H (Cq_lm - (4/pi) rho_lm) u_m,
 *   L_l = (4/pi) sum_q CNR_q |c_{q,l} u_l^H g_q|^2 / d_l:
 * the linear clutter leakage adds coherently, and so does the quantisation
 * distortion of the common clutter draw, whose cross covariance between snapshots of
 * different x is the arcsine law's nonlinear part (arcsine_cross, one_bit_stats.h;
 * added for N_R <= cross_terms_max_rx, where it matters, and evaluated once per pair
 * of distinct x, cached over CPIs for a lookup-table precoder's repeating x). A CPI of
 * more than cpi_integrator::cross_max_x distinct x adds no cross terms (the variance
 * without them, as for N_R above cross_terms_max_rx), so that a CPI costs at most
 * cross_max_x (cross_max_x - 1)/2 pair evaluations whatever its length or its x: a
 * pair sum estimated from a sample of the snapshots was tried and dropped, its noise per
 * CPI raised the Pfa of long non-repeating CPIs (docs/one_bit_rx_filter_measurements.md).
 * Terms written with cpi_len 1 (d_l = 0) carry no
 * inputs for the cross terms: such snapshots add none. The cross terms count as
 * clutter leakage in the share f below.
 * kappa_CPI^2 = -V ln Pfa S with the tail shape
 *   S = 1 + f mean_l (S_l - 1) / f_l   (weights V_l - L_l),
 * f the CPI's coherent-leakage share of V, S_l and f_l the shape and clutter share
 * of a coherent CPI of cpi_len copies of x_l: the common clutter draw shapes a
 * CPI's tail in proportion to the clutter's share of its variance (one snapshot's
 * own shape is heavier: docs/one_bit_rx_filter.md).
 *
 * A CPI partly without transmission (k of its L snapshots transmitted, the rest
 * no_tx: a CPI across the edge of a TDD guard) is the CPI of those k snapshots: the
 * sums above run over them alone. When they all share x (exact threshold), it is
 * the coherent CPI of k copies of x: E|Z|^2 = k V + k (k-1) W with W recovered from
 * the L-copy kappa^2 of the terms, and the tail shape
 *   S_k = S_1 + (f_k / f_L) (S_L - S_1),   f_k = k (k-1) W / E|Z|^2,
 * from one snapshot's own shape S_1 (its kappa^2 over -ln Pfa V: the threshold of
 * its own statistic; a cpi_len 1 filter's up to its table's interpolation) to the
 * L-copy shape S_L = 1 + f_L e. k = 1 is thus the snapshot's own threshold; the
 * L-copy shape scaled by the share alone (S_1 = 1) is lighter than one snapshot's
 * own shape at few copies, and the mixed-x variance would count the repeating
 * quantisation distortion as independent (docs/one_bit_rx_filter_measurements.md).
 *
 * Weighted CPI sum (cpi_weights::inverse_variance): Z = sum_l w_l z_l with w_l =
 * 1/V_l, V_l snapshot l's own H0 variance (the threshold's, exact or theorem1), so
 * that a weakly lit snapshot (V_l ~ 1/|c_0|^2) no longer takes most of the CPI's
 * noise. w_l z_l = (w_l u_l)^H r_l: the weighted sum is the plain sum of the
 * filters w_l u_l, so every term above carries the weight as the filter does:
 * ||u_l||^2, V_l - L_l and its tail excess by w_l^2, the leakage amplitudes
 * c_{q,l} u_l^H g_q by w_l, and the coherent-CPI kappa^2 of repeated x by w_l^2
 * (then all w_l are equal and the statistic is the equal-weight one). The shape S
 * stays the V_l - L_l weighted mean, now of the weighted V_l - L_l. Z is scaled
 * by n_ok / sum w_l (n_ok the CPI's usable snapshots), which leaves the
 * statistic unchanged and keeps Z an estimate of n_ok gamma_0 as with equal
 * weights (u_l is distortionless: E z_l = gamma_0).
 */
#ifndef INCLUDED_ISAC_CORE_RX_FILTER_H
#define INCLUDED_ISAC_CORE_RX_FILTER_H

#include <gnuradio/isac/core/one_bit_stats.h>
#include <gnuradio/isac/core/radar_metrics.h>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gr {
namespace isac {
namespace core {

enum class snapshot_status : uint8_t {
    ok = 0,
    degenerate = 1,
    non_finite = 2,
    no_tx = 3
};

//! The statistic of a snapshot or CPI in which nothing was transmitted: no
//! decision (never a detection, never a miss). A statistic |z|/kappa is >= 0.
constexpr float no_decision = -1.0f;

constexpr double degenerate_tol = 1e-5;

//! How the projections are computed: Eigen GEMM, the packing-free direct kernel,
//! or automatic (direct when min(N_R, N_T) >= 64). Results agree to float rounding.
enum class projection_kernel { automatic, gemm, direct };

//! The CPI sum's weights: equal (sum z_l) or inverse_variance (1/V_l, file comment).
enum class cpi_weights { equal, inverse_variance };

//! "equal" / "inverse_variance", else an error naming the parameter.
cpi_weights parse_cpi_weights(const std::string& name, const std::string& value);
const char* cpi_weights_name(cpi_weights w);

//! Values per snapshot rx_filter::process hands cpi_integrator::add: 3 Q + 4.
inline int cpi_terms(const radar_scene& scene) { return 3 * scene.n_clutter() + 4; }

class rx_filter
{
public:
    /*!
     * \param scene      radar scene (array sizes, angles, SNR/CNR)
     * \param adc        one_bit (input is the 1-bit ADC output) or ideal (raw input)
     * \param pfa        false-alarm probability, in (0, 1)
     * \param noise_var  sigma_R^2 (> 0), used by the ideal-ADC threshold only
     * \param kernel     projection kernel (tests and benchmarks pin it)
     * \param threshold  exact (default) or theorem1 (eq. 15); 1-bit ADC only
     * \param cpi_len    the CPI length the terms are for (exact: the coherent-CPI
     *                   threshold of repeated x, see cpi_integrator)
     * \param clutter    the clutter amplitudes' law the exact threshold assumes:
     *                   swerling1 (the paper's) or fixed (a room)
     */
    rx_filter(const radar_scene& scene,
              adc_model adc,
              double pfa,
              double noise_var = 1.0,
              projection_kernel kernel = projection_kernel::automatic,
              threshold_model threshold = threshold_model::exact,
              int cpi_len = 1,
              clutter_model clutter = clutter_model::swerling1);

    const radar_scene& scene() const { return d_scene; }
    adc_model adc() const { return d_adc; }
    double pfa() const { return d_pfa; }
    double noise_var() const { return d_noise_var; }
    threshold_model threshold() const { return d_threshold; }
    clutter_model clutter() const { return d_clutter; }
    int cpi_len() const { return d_cpi; }
    int n_terms() const { return cpi_terms(d_scene); }
    //! the exact-threshold table (null with theorem1 or the ideal ADC)
    const std::shared_ptr<const threshold_table>& table() const { return d_table; }

    /*!
     * Processes n snapshots. r: n_rx x n, x: n_tx x n (column-major, i.e. GNU
     * Radio vector items back to back). Writes z[n], stat[n] = |z|/kappa
     * (no_decision where nothing was transmitted) and status[n]. When terms is
     * non-null it also receives, per snapshot, the n_terms() values a coherent CPI
     * sum needs (zeros when not ok), at t = terms + l*n_terms(). theorem1 (and the
     * ideal ADC): t[0] = ||u_l||^2, t[q] = c_q u_l^H g_R(theta_q) (q = 1..Q), t[Q+1]
     * = 0. exact: t[0] = (V_l - L_l) (1 + j e_l), t[q] = c_q u_l^H g_R(theta_q) /
     * sqrt(d_l) and t[Q+1] the kappa^2 of a coherent CPI of cpi_len copies of x_l
     * (cpi_len > 1: its imaginary part the snapshot's own kappa^2, that of stat);
     * e_l = (S_l - 1) / f_l of that CPI (file comment), or the snapshot's own shape
     * minus 1 with cpi_len = 1. exact with cpi_len > 1 also: t[Q+2..2Q+1] =
     * c_1..c_Q, t[2Q+2..3Q+2] the coefficients beta of u_l on G = [g_R(theta_0)
     * .. g_R(theta_Q)] and t[3Q+3] = d_l (what the CPI's distortion cross terms
     * need, arcsine_cross); zeros otherwise. n_terms() = cpi_terms(scene) = 3Q+4.
     *
     * Returns n, or fewer when the calling thread was cancelled
     * (cancel_requested(), cancel.h) in a snapshot whose x-terms are expensive
     * (large Q, the exact threshold computed per snapshot): the snapshots
     * before it are complete, it and the rest are not written.
     */
    int process(const cfloat* r,
                const cfloat* x,
                int n,
                cfloat* z,
                float* stat,
                snapshot_status* status,
                cdouble* terms = nullptr);

private:
    radar_scene d_scene;
    adc_model d_adc;
    double d_pfa, d_noise_var, d_neg_log_pfa;
    threshold_model d_threshold;
    clutter_model d_clutter;
    int d_cpi;
    calibration_curve d_cal; // the exact threshold's small-array calibration
    std::shared_ptr<const threshold_table> d_table; // exact 1-bit threshold
    std::vector<double> d_pw;                       // clutter powers of a snapshot
    // G_R^H and G_T^T as real 2(Q+1) x 2N matrices acting on interleaved
    // (re, im) columns: row 2q gives Re, row 2q+1 gives Im of the product.
    // A real SGEMM with 2(Q+1) rows uses Eigen's register blocking far better
    // than a complex GEMM with Q+1 rows (measured in bench_rx_filter).
    Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> d_wr, d_wt;
    bool d_direct; // packing-free projection kernel instead of Eigen's GEMM (large N)
    bool d_small;  // a 6 x 8 projection (Q = 2, N_R = 4) in the GEMM's order
    Eigen::MatrixXf d_p; // projections of one chunk (2(Q+1) x chunk)
    Eigen::MatrixXf d_rpad; // gemm kernel: a call's last columns, padded
    int d_gemm_min = 8;     // gemm kernel: fewest columns of a product
    std::vector<cdouble> d_ws, d_cd, d_y, d_gq, d_a;

    // x-terms cache (file comment). Per slot: the key (2 N_T floats), its status, and
    // x_stride() values: conj(y_q) (Q), 1/(c_0 gmg) (1), kappa^2 (real, 1), terms
    // (n_terms()).
    int d_slots = 0; // power of two; 0: no cache
    std::vector<float> d_keys;
    std::vector<uint8_t> d_used;
    std::vector<snapshot_status> d_xstat;
    std::vector<cdouble> d_xval;
    std::vector<cdouble> d_miss; // x-terms of one snapshot when not cached
    Eigen::MatrixXf d_cx;        // couplings of one column (2(Q+1) x 1)
    uint64_t d_lookups = 0, d_hits = 0, d_pause = 0;
    // x-terms costing about a millisecond or more (Q of tens) check for
    // cancellation between their stages; d_cut: the last x_terms was cut short
    bool d_check_cancel = false, d_cut = false;
    int x_stride() const { return d_scene.n_clutter() + 2 + n_terms(); }
    //! x-terms of one transmit column (2 N_T floats) into v (x_stride() values)
    snapshot_status x_terms(const float* x, cdouble* v);
    //! the x-terms of column x: from the cache, or computed (and cached)
    snapshot_status lookup(const float* x, const cdouble*& v);
};

/*!
 * Arrays of at most this many receive antennas add the quantisation distortion's
 * cross terms to a mixed-x CPI's variance (file comment): without them a CPI of a
 * few repeating or nearly equal x lets through several times the set Pfa at 12 and
 * 16 antennas; larger arrays do without them. They cost a pair evaluation per two
 * distinct x of a CPI, so with x that never repeats the filter and CPI sum run several
 * times slower than without them at 9-16 antennas, below real time at a typical SDR
 * rate: feed a table-driven x (its few x are cached), take threshold "theorem1" (no
 * cross terms, another model) or lower the rate: docs/one_bit_rx_filter_measurements.md.
 */
constexpr int cross_terms_max_rx = 16;
static_assert(cross_terms_max_rx <= arcsine_cross::prepared_max_rx,
              "the cross terms' lags must fit arcsine_cross's prepared form");

/*!
 * Coherent sum over CPIs of cpi_len snapshots with the calibrated threshold
 * described in the file comment. Feed it z_l and the terms of rx_filter::process.
 */
class cpi_integrator
{
public:
    cpi_integrator(const radar_scene& scene,
                   adc_model adc,
                   double pfa,
                   double noise_var,
                   int cpi_len,
                   threshold_model threshold = threshold_model::exact,
                   cpi_weights weights = cpi_weights::equal);

    /*!
     * A CPI of more than this many distinct x adds no distortion cross terms (file
     * comment).
     */
    static constexpr int cross_max_x = 32;

    int cpi_len() const { return d_len; }
    //! CPIs left without cross terms: more than cross_max_x distinct x (file comment)
    uint64_t uncrossed_cpis() const { return d_uncrossed; }
    /*!
     * Bytes reserved for the pair cache (its slots' x and prepared values, the pair
     * matrix): at most max(cross_store_budget, (cross_max_x + 2) slots) plus the
     * (slots)^2 pair matrix, about 19 MB at 16 antennas and max_clutter patches;
     * pages are touched only as slots are first filled.
     */
    size_t cross_store_bytes() const;
    //! byte budget of the pair cache's per-slot store (cross_store_bytes)
    static constexpr size_t cross_store_budget = size_t(16) << 20;
    cpi_weights weights() const { return d_weights; }
    int count() const { return d_count; } //!< snapshots in the current CPI
    void reset();

    /*!
     * Adds one snapshot (terms: rx_filter::process's cpi_terms() values). Returns true
     * when it completes a CPI; then Z holds the coherent sum and stat = |Z|/kappa_CPI
     * (no_decision, Z = 0, when no snapshot of the CPI transmitted; 0 when it had no
     * other usable snapshot) and the integrator restarts. Snapshots that were not
     * ok contribute nothing but still count towards the CPI length.
     * With the exact threshold a CPI whose snapshots all carry the same terms (the
     * same x) uses the coherent-CPI kappa^2 of its terms, any other CPI the
     * incoherent-distortion variance of the file comment. With inverse-variance
     * weights Z is sum w_l z_l scaled by (ok snapshots) / sum w_l.
     */
    bool
    add(cfloat z, const cdouble* terms, snapshot_status status, cdouble& Z, double& stat);

private:
    // H0 variance of one snapshot's terms or a CPI's sums (incoherent part, leakage
    // amplitudes a); exact model: *leak gets the linear clutter leakage part
    double h0_variance(double incoherent, const cdouble* a, double* leak = nullptr) const;
    //! exact model, a CPI of d_ok copies of x and d_no_tx snapshots without
    //! transmission: its kappa^2 / (-ln Pfa) (file comment); 0 if the terms give none
    double partial_coherent_variance() const;

    radar_scene d_scene;
    adc_model d_adc;
    double d_neg_log_pfa, d_noise_var;
    bool d_exact;
    cpi_weights d_weights;
    int d_len, d_count = 0;
    cdouble d_z = 0.0;
    double d_wsum = 0.0;   // sum of the ok snapshots' weights
    cdouble d_norm2 = 0.0; // theorem1: sum ||u||^2; exact: sum (V - L)(1 + j (S - 1))
    bool d_same = true;    // exact: every snapshot so far had the first one's terms
    int d_ok = 0, d_no_tx = 0;
    // the coherent-CPI kappa^2 of the first snapshot's terms, t[Q+1] (never the last
    // term: that is d_l with the cross terms' inputs)
    double kappa_l2() const { return d_first[d_a.size() + 1].real(); }
    std::vector<cdouble> d_first;
    std::vector<cdouble> d_a;
    // exact, cpi_len > 1: the distortion cross terms of a mixed-x CPI (file comment)
    std::unique_ptr<arcsine_cross> d_cross;
    // this CPI's distinct x (cache slots) with their sums of w and w^2: exact while
    // at most cross_max_x of them (d_over: more, and no cross terms)
    std::vector<int> d_gslot;
    std::vector<double> d_gS, d_gS2;
    bool d_over = false;
    int d_nres = 0; // this CPI's snapshots with cross inputs (ok, d_l > 0)
    uint64_t d_uncrossed = 0;
    // pair cache over CPIs (a 1-bit DAC repeats its x: 4^N_T values, 256 at the
    // over-the-air N_T = 4, 16 with a lookup-table precoder): cross_cache slots of x
    // (keyed by the bytes of their terms[Q+2..3Q+3]), the least recently used one
    // evicted for a new x, and Re of their pairs' cross terms. A pair's value holds
    // while its key is the later fill of its two slots: an eviction then drops the
    // slot's pairs in O(1) (clearing its row and column cost more than a pair).
    // (slots: cross_cache, or fewer when prepared values are large: d_ncache, at
    // least cross_max_x + 2, within cross_store_budget where that allows it)
    static constexpr int cross_cache = 256;
    static_assert(cross_max_x + 1 < cross_cache, "the LRU slot must lie outside a CPI");
    int d_ncache = 0;
    struct pair_value {
        double D;
        uint64_t key; // max(d_fill of its slots) when computed; 0: never
    };
    // x -> slot: open addressing (linear probing, backward-shift erase) on a hash of
    // the x's terms bytes, 4 cross_cache entries (-1 empty); a probe compares the
    // slot's stored terms, so a hash collision costs a probe, never a wrong slot
    static constexpr int xid_size = 4 * cross_cache;
    std::vector<int> d_xid;
    std::vector<uint32_t> d_slothome; // per slot: its x's home index in d_xid
    int d_nslots = 0;                 // slots filled so far
    uint32_t home_of(const cdouble* e) const;
    std::vector<cdouble> d_slotx;       // per slot: its terms[Q+2..3Q+3]
    std::vector<double> d_prep;         // per slot: arcsine_cross::prepare of its x
    std::vector<uint64_t> d_fill;       // per slot: when its x came (d_fills then)
    uint64_t d_fills = 0;
    // slots from least to most recently used (a list through d_next/d_prev), so the
    // slot to evict is the head: never one of this CPI (at most cross_max_x + 1 <
    // cross_cache of them, all used after every other slot)
    std::vector<int> d_next, d_prev;
    int d_lru = -1, d_mru = -1;
    std::vector<int> d_sgroup;          // per slot: its group in this CPI, or -1
    std::vector<pair_value> d_pair;     // d_ncache^2, symmetric
    void touch(int slot);
    int slot_of(const cdouble* e);
    void group(int slot, double w);
    void clear_groups();
    double group_sum();
    double cross_distortion();
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
