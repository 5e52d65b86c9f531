/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/steering.h>
#include <volk/volk.h>
#include <algorithm>
#include <limits>
#include <random>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

uint64_t splitmix64(uint64_t& state)
{
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t random_seed()
{
    std::random_device rd;
    uint64_t s = 0;
    // 63 bits: the blocks take their seed as a signed 64-bit parameter (GRC's int),
    // so a drawn seed_used() must fit one to reproduce the run
    while (s == 0)
        s = ((uint64_t(rd()) << 32) ^ uint64_t(rd())) >> 1;
    return s;
}

// ---------------------------------------------------------------------------
// Ziggurat tables (Marsaglia & Tsang 2000, 128 layers, r = 3.442619855899,
// layer area v = 9.91256303526217e-3), for 32-bit signed values hz.
uint32_t gaussian_rng::s_kn[128];
float gaussian_rng::s_wn[128];
float gaussian_rng::s_fn[128];

namespace {
// f(x) on a layer's wedge lies in [chord + below p, chord + above p],
// p = (x - xa)(xb - x) >= 0: most wedge tests end without the exponential
struct wedge_bound {
    double xa, xb, fa, slope, below, above;
};
wedge_bound s_wedge[128];
enum wedge_verdict : uint8_t { under, over, open };

// y against f(x) in layer iz > 0 by the squeeze, with a margin far above exp's and
// the bounds' rounding (~1e-16), so that under / over are the exponential's verdicts
inline wedge_verdict squeeze(uint32_t iz, double x, double y)
{
    constexpr double margin = 1e-9;
    const wedge_bound& w = s_wedge[iz];
    const double ax = std::abs(x);
    const double c = w.fa + w.slope * (ax - w.xa), p = (ax - w.xa) * (w.xb - ax);
    const bool below = y < c + w.below * p - margin;
    const bool above = y > c + w.above * p + margin;
    // under 0, over 1, open 2 without a branch (the verdicts are random)
    return wedge_verdict(unsigned(!below) << unsigned(!above));
}
} // namespace

bool gaussian_rng::init_tables()
{
    const double m1 = 2147483648.0; // 2^31
    double dn = 3.442619855899, tn = dn;
    const double vn = 9.91256303526217e-3;
    const double q = vn / std::exp(-0.5 * dn * dn);
    s_kn[0] = uint32_t((dn / q) * m1);
    s_kn[1] = 0;
    s_wn[0] = float(q / m1);
    s_wn[127] = float(dn / m1);
    s_fn[0] = 1.0f;
    s_fn[127] = float(std::exp(-0.5 * dn * dn));
    for (int i = 126; i >= 1; --i) {
        dn = std::sqrt(-2.0 * std::log(vn / dn + std::exp(-0.5 * dn * dn)));
        s_kn[i + 1] = uint32_t((dn / tn) * m1);
        tn = dn;
        s_fn[i] = float(std::exp(-0.5 * dn * dn));
        s_wn[i] = float(dn / m1);
    }
    // the wedge squeeze of each layer: x of a wedge candidate lies in [xa, xb]
    // (xa where the rectangle test stops accepting, xb the layer's edge); there
    // f(x) = exp(-x^2/2) = chord(x) - f''(xi)/2 (x - xa)(xb - x) for some xi, and
    // f''(x) = (x^2 - 1) f(x) is bounded by its values at the ends, at 0 and at
    // sqrt(3) (its extrema)
    for (int i = 1; i < 128; ++i) {
        wedge_bound& w = s_wedge[i];
        w.xa = double(s_kn[i]) * s_wn[i];
        w.xb = m1 * double(s_wn[i]);
        w.fa = std::exp(-0.5 * w.xa * w.xa);
        w.slope = (std::exp(-0.5 * w.xb * w.xb) - w.fa) / (w.xb - w.xa);
        auto f2 = [](double x) { return (x * x - 1.0) * std::exp(-0.5 * x * x); };
        double lo = std::min(f2(w.xa), f2(w.xb)), hi = std::max(f2(w.xa), f2(w.xb));
        if (w.xa <= std::sqrt(3.0) && std::sqrt(3.0) <= w.xb)
            hi = f2(std::sqrt(3.0));
        if (w.xa <= 0.0)
            lo = -1.0;
        w.below = -0.5 * hi;
        w.above = -0.5 * lo;
    }
    return true;
}

gaussian_rng::gaussian_rng(uint64_t sd)
{
    // Function-local static: tables are filled exactly once, thread-safely,
    // before any generator can draw.
    static const bool ready = init_tables();
    (void)ready;
    seed(sd);
}

void gaussian_rng::seed(uint64_t sd)
{
    uint64_t st = sd;
    for (auto& w : s)
        w = splitmix64(st);
}

float gaussian_rng::normal_fix(int32_t hz, uint32_t iz)
{
    const double r = 3.442619855899;
    for (;;) {
        const double x = double(hz) * s_wn[iz];
        if (iz == 0) {
            // Tail beyond r (Marsaglia 1964): exact.
            double xt, y;
            do {
                xt = -std::log(uniform()) / r;
                y = -std::log(uniform());
            } while (y + y < xt * xt);
            return float(hz > 0 ? r + xt : -r - xt);
        }
        // Wedge between layers: accept under the density. The squeeze decides
        // whenever y is clear of the bounds by far more than exp's rounding, so
        // the outcome is the exponential's, without it.
        const double y = s_fn[iz] + uniform() * (s_fn[iz - 1] - s_fn[iz]);
        const wedge_verdict v = squeeze(iz, x, y);
        if (v == under || (v == open && y < std::exp(-0.5 * x * x)))
            return float(x);
        const uint64_t u = next_u64();
        hz = static_cast<int32_t>(u >> 32);
        iz = static_cast<uint32_t>(u & 127u);
        const uint32_t ahz = hz < 0 ? uint32_t(-int64_t(hz)) : uint32_t(hz);
        if (ahz < s_kn[iz])
            return float(hz) * s_wn[iz];
    }
}

void gaussian_rng::fill_normal(float* out, size_t n)
{
    uint64_t s0 = s[0], s1 = s[1], s2 = s[2], s3 = s[3];
    for (size_t i = 0; i < n; ++i) {
        const uint64_t u = step(s0, s1, s2, s3);
        const int32_t hz = static_cast<int32_t>(u >> 32);
        const uint32_t iz = static_cast<uint32_t>(u & 127u);
        const uint32_t ahz = hz < 0 ? uint32_t(-int64_t(hz)) : uint32_t(hz);
        if (ahz < s_kn[iz]) {
            out[i] = float(hz) * s_wn[iz];
        } else { // the wedge or the tail (~2.8 %): the members' state
            s[0] = s0;
            s[1] = s1;
            s[2] = s2;
            s[3] = s3;
            out[i] = normal_fix(hz, iz);
            s0 = s[0];
            s1 = s[1];
            s2 = s[2];
            s3 = s[3];
        }
    }
    s[0] = s0;
    s[1] = s1;
    s[2] = s2;
    s[3] = s3;
}

// gaussian_lanes (its kernels and dispatch in gaussian_lanes.cc): the kernel over
// chunks of steps, then the draws that missed the rectangle, in draw order. The
// wedge tests come first for all of them, without branches (the squeeze settles
// ~99 %; each takes one uniform), then the few the squeeze left open get the
// exponential, and the rejected ones and the tail get their draws from d_retry.
void gaussian_lanes::blocks(float* out, size_t nblocks, kernel_fn k)
{
    constexpr size_t chunk = 64;
    uint32_t raw[16 * chunk];
    uint32_t list[16 * chunk + 16];
    double ys[16 * chunk];
    wedge_verdict verdict[16 * chunk]; // the tail (layer 0): over
    for (size_t b0 = 0; b0 < nblocks; b0 += chunk) {
        const size_t m = std::min(chunk, nblocks - b0);
        float* o = out + 16 * b0;
        const size_t nl = k(d_s, gaussian_rng::s_kn, gaussian_rng::s_wn, o, raw, list, m);
        for (size_t q = 0; q < nl; ++q) {
            const uint32_t v = raw[list[q]];
            const uint32_t iz = v & 127u, iw = iz ? iz : 1u;
            const double x = double(int32_t((v & ~127u) | 64u)) * gaussian_rng::s_wn[iz];
            const double y =
                gaussian_rng::s_fn[iw] +
                d_wedge.uniform() * (gaussian_rng::s_fn[iw - 1] - gaussian_rng::s_fn[iw]);
            verdict[q] = iz ? squeeze(iw, x, y) : over;
            ys[q] = y;
            o[list[q]] = float(x);
        }
        for (size_t q = 0; q < nl; ++q) {
            if (verdict[q] == under)
                continue;
            const uint32_t v = raw[list[q]];
            const uint32_t iz = v & 127u;
            const int32_t hz = int32_t((v & ~127u) | 64u);
            if (iz == 0) {
                o[list[q]] = d_retry.normal_fix(hz, 0);
                continue;
            }
            const double x = double(hz) * gaussian_rng::s_wn[iz];
            if (verdict[q] == open && ys[q] < std::exp(-0.5 * x * x))
                continue;
            o[list[q]] = d_retry.normal();
        }
    }
}

void gaussian_rng::fill_cn(cfloat* out, size_t n, float var)
{
    const float sd = std::sqrt(0.5f * var);
    float* f = reinterpret_cast<float*>(out);
    fill_normal(f, 2 * n);
    for (size_t i = 0; i < 2 * n; ++i)
        f[i] = sd * f[i];
}

cdouble gaussian_rng::cn()
{
    const double re = normal();
    const double im = normal();
    return cdouble(re, im) * std::sqrt(0.5);
}

// ---------------------------------------------------------------------------
comm_model parse_comm_model(const std::string& s)
{
    if (s == "rayleigh")
        return comm_model::rayleigh;
    if (s == "los")
        return comm_model::los;
    if (s == "rician")
        return comm_model::rician;
    throw_param("comm_model", "'" + s + "'", "'rayleigh', 'los' or 'rician'");
}

radar_geometry parse_geometry(const std::string& s)
{
    if (s == "monostatic")
        return radar_geometry::monostatic;
    if (s == "bistatic")
        return radar_geometry::bistatic;
    throw_param("geometry", "'" + s + "'", "'monostatic' or 'bistatic'");
}

gain_model parse_gain_model(const std::string& s)
{
    if (s == "swerling1")
        return gain_model::swerling1;
    if (s == "fixed")
        return gain_model::fixed;
    throw_param("gain_model", "'" + s + "'", "'swerling1' or 'fixed'");
}

std::string to_string(comm_model m)
{
    return m == comm_model::rayleigh ? "rayleigh"
           : m == comm_model::los    ? "los"
                                     : "rician";
}
std::string to_string(radar_geometry g)
{
    return g == radar_geometry::monostatic ? "monostatic" : "bistatic";
}
std::string to_string(gain_model g)
{
    return g == gain_model::swerling1 ? "swerling1" : "fixed";
}

// ---------------------------------------------------------------------------
namespace {
std::string num(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

// Angles arrive in radians; the message speaks degrees, like the block.
void check_angle_rad(const std::string& name, double v)
{
    if (!(std::isfinite(v) && std::fabs(v) <= 0.5 * pi * (1.0 + 1e-12)))
        throw_param(name, num(rad2deg(v)) + " deg", "[-90, 90] degrees");
}

void check_db(const std::string& name, double v)
{
    if (!(std::isfinite(v) && std::fabs(v) <= channel_max_db))
        throw_param(name, num(v), "a finite value in [-200, 200] dB");
}

constexpr long max_period = 1L << 62;
} // namespace

void channel_params::validate() const
{
    check_int_range("n_tx", n_tx, 1, max_antennas);
    check_int_range("n_users", n_users, 1, max_users);
    check_int_range("n_rx", n_rx, 1, max_antennas);
    if (comm != comm_model::rayleigh && long(user_rad.size()) != n_users)
        throw_param("user_deg",
                    list_str(user_rad.size(), "angle"),
                    "n_users = " + std::to_string(n_users) + " angles for comm_model '" +
                        to_string(comm) + "'");
    if (!user_rad.empty() && long(user_rad.size()) != n_users)
        throw_param("user_deg",
                    list_str(user_rad.size(), "angle"),
                    "empty or n_users = " + std::to_string(n_users) + " angles");
    for (double a : user_rad)
        check_angle_rad("user_deg", a);
    if (comm_noise_var.size() != 1 && long(comm_noise_var.size()) != n_users)
        throw_param("comm_noise_var",
                    list_str(comm_noise_var.size(), "value"),
                    "one value or n_users = " + std::to_string(n_users) + " values");
    for (double v : comm_noise_var)
        if (!(std::isfinite(v) && v >= 0.0 && v <= 1e30))
            throw_param("comm_noise_var", num(v), "finite values >= 0");
    check_db("rician_k_db", rician_k_db);
    check_int_range("coherence", coherence, 0, max_period);
    check_angle_rad("target_deg", target_rad);
    check_angle_rad("tx_deg", tx_rad);
    check_angle_rad("rx_deg", rx_rad);
    check_db("target_snr_db", target_snr_db);
    check_clutter_count("clutter_deg", clutter_rad.size());
    for (double a : clutter_rad)
        check_angle_rad("clutter_deg", a);
    if (cnr_db.size() != clutter_rad.size())
        throw_param("cnr_db",
                    list_str(cnr_db.size(), "value"),
                    "one value per clutter_deg entry (" +
                        std::to_string(clutter_rad.size()) + ")");
    for (double c : cnr_db)
        check_db("cnr_db", c);
    if (!(std::isfinite(radar_noise_var) && radar_noise_var > 0.0 &&
          radar_noise_var <= 1e30))
        throw_param("radar_noise_var", num(radar_noise_var), "a finite value > 0");
    check_int_range("cpi_len", cpi_len, 1, max_period);
    check_int_range("target_delay", target_delay, 0, channel_max_delay);
}

// ---------------------------------------------------------------------------
cmat los_channel(int n_tx, const std::vector<double>& user_rad)
{
    cmat H(user_rad.size(), n_tx);
    for (size_t u = 0; u < user_rad.size(); ++u)
        H.row(u) = ula_steering(n_tx, user_rad[u]).transpose();
    return H;
}

namespace {
cmat draw_cn_matrix(int rows, int cols, gaussian_rng& rng)
{
    cmat M(rows, cols);
    for (int i = 0; i < rows; ++i) // row-major order: documented draw order
        for (int j = 0; j < cols; ++j)
            M(i, j) = rng.cn();
    return M;
}

cmat combine(comm_model m,
             const cmat& nlos,
             int n_tx,
             const std::vector<double>& user_rad,
             double k_db)
{
    if (m == comm_model::rayleigh)
        return nlos;
    const cmat los = los_channel(n_tx, user_rad);
    if (m == comm_model::los)
        return los;
    const double K = db2lin(k_db);
    return std::sqrt(K / (1.0 + K)) * los + std::sqrt(1.0 / (1.0 + K)) * nlos;
}
} // namespace

cmat draw_comm_channel(comm_model m,
                       int n_users,
                       int n_tx,
                       const std::vector<double>& user_rad,
                       double rician_k_db,
                       gaussian_rng& rng)
{
    channel_params p;
    p.n_users = n_users;
    p.n_tx = n_tx;
    p.comm = m;
    p.user_rad = user_rad;
    p.rician_k_db = rician_k_db;
    p.validate();
    const cmat nlos = m == comm_model::los ? cmat::Zero(n_users, n_tx)
                                           : draw_cn_matrix(n_users, n_tx, rng);
    return combine(m, nlos, n_tx, user_rad, rician_k_db);
}

// ---------------------------------------------------------------------------
isac_channel_model::isac_channel_model(const channel_params& p) : d_p(p)
{
    d_p.validate();
    d_seed = d_p.seed ? d_p.seed : random_seed();
    // Independent streams (see header): one splitmix64 sequence seeds all four.
    uint64_t st = d_seed;
    d_rng_h.seed(splitmix64(st));
    d_rng_gain.seed(splitmix64(st));
    d_rng_comm.seed(splitmix64(st));
    d_rng_radar.seed(splitmix64(st));

    d_delay.assign(d_p.target_delay, cfloat(0.0f, 0.0f));
    d_x.assign(size_t(d_p.n_tx), cfloat(0.0f, 0.0f));
    d_racc.assign(size_t(d_p.n_rx), cfloat(0.0f, 0.0f));
    rebuild_noise();
    rebuild_steering();
    d_next_comm = 0;
    d_next_cpi = 0;
    draw_comm();
    draw_gains();
}

int isac_channel_model::n_echo() const
{
    return d_p.geometry == radar_geometry::bistatic ? 1 : 1 + int(d_p.clutter_rad.size());
}

uint64_t isac_channel_model::next_boundary(uint64_t pos, long period)
{
    if (period <= 0)
        return std::numeric_limits<uint64_t>::max();
    return pos + uint64_t(period);
}

void isac_channel_model::draw_comm()
{
    if (d_p.comm == comm_model::los) {
        d_Hnlos = cmat::Zero(d_p.n_users, d_p.n_tx); // deterministic: no draw
    } else if (!d_future_nlos.empty()) {
        d_Hnlos = std::move(d_future_nlos.front()); // drawn ahead by H_of_draw
        d_future_nlos.pop_front();
    } else {
        d_Hnlos = draw_cn_matrix(d_p.n_users, d_p.n_tx, d_rng_h);
    }
    rebuild_H();
    d_comm_start = d_pos;
    d_comm_index = d_p.coherence > 0 ? d_pos / uint64_t(d_p.coherence) : 0;
    d_next_comm = next_boundary(d_pos, d_p.coherence);
}

cmat isac_channel_model::H_of_draw(uint64_t k)
{
    if (k < d_comm_index || (d_p.coherence == 0 && k != 0))
        throw param_error("H_of_draw: draw " + std::to_string(k) +
                          " is in the past or does not exist");
    if (k == d_comm_index)
        return d_H;
    const size_t ahead = size_t(k - d_comm_index);
    if (ahead > (1u << 16) + 1)
        throw param_error("H_of_draw: more than 65537 draws ahead");
    if (d_p.comm == comm_model::los)
        return combine(d_p.comm, d_Hnlos, d_p.n_tx, d_p.user_rad, d_p.rician_k_db);
    while (d_future_nlos.size() < ahead)
        d_future_nlos.push_back(draw_cn_matrix(d_p.n_users, d_p.n_tx, d_rng_h));
    return combine(
        d_p.comm, d_future_nlos[ahead - 1], d_p.n_tx, d_p.user_rad, d_p.rician_k_db);
}

void isac_channel_model::draw_gains()
{
    const int e = n_echo();
    d_w.resize(e);
    for (int q = 0; q < e; ++q) {
        if (d_p.gains == gain_model::swerling1) {
            d_w[q] = d_rng_gain.cn();
        } else {
            const double ph = 2.0 * pi * d_rng_gain.uniform();
            d_w[q] = cdouble(std::cos(ph), std::sin(ph));
        }
    }
    rebuild_gains();
    d_cpi_start = d_pos;
    d_cpi_index = d_pos / uint64_t(d_p.cpi_len);
    d_next_cpi = next_boundary(d_pos, d_p.cpi_len);
}

void isac_channel_model::rebuild_H()
{
    d_H = combine(d_p.comm, d_Hnlos, d_p.n_tx, d_p.user_rad, d_p.rician_k_db);
    d_H_rows.assign(d_H);
}

void isac_channel_model::rebuild_noise()
{
    d_comm_std.assign(d_p.n_users, 0.0f);
    for (int u = 0; u < d_p.n_users; ++u) {
        const double v = d_p.comm_noise_var.size() == 1 ? d_p.comm_noise_var[0]
                                                        : d_p.comm_noise_var[u];
        d_comm_std[u] = float(std::sqrt(0.5 * v)); // per real component
    }
}

void isac_channel_model::rebuild_steering()
{
    const int e = n_echo();
    d_gr.resize(d_p.n_rx, e);
    d_gt.resize(e, d_p.n_tx);
    // Both geometries use the module convention (docs/conventions.md): the
    // receive response to a source at theta is g(theta) and the field radiated
    // toward theta is g(theta)^T x, unit-norm g, element 0 the phase reference.
    const auto c = array_convention::first_element_unit_norm();
    if (d_p.geometry == radar_geometry::monostatic) {
        for (int q = 0; q < e; ++q) {
            const double th = q == 0 ? d_p.target_rad : d_p.clutter_rad[q - 1];
            d_gr.col(q) = ula_steering(d_p.n_rx, th, c);
            d_gt.row(q) = ula_steering(d_p.n_tx, th, c).transpose();
        }
    } else {
        d_gr.col(0) = ula_steering(d_p.n_rx, d_p.rx_rad, c);
        d_gt.row(0) = ula_steering(d_p.n_tx, d_p.tx_rad, c).transpose();
    }
    d_gt_rows.assign(d_gt);
    d_grc_rows.assign(d_gr.transpose().conjugate());
    d_c.assign(size_t(e), cfloat(0.0f, 0.0f));
}

rvec isac_channel_model::zeta2() const
{
    const int e = n_echo();
    rvec z(e);
    z[0] = d_p.radar_noise_var * db2lin(d_p.target_snr_db);
    for (int q = 1; q < e; ++q)
        z[q] = d_p.radar_noise_var * db2lin(d_p.cnr_db[q - 1]);
    return z;
}

void isac_channel_model::rebuild_gains()
{
    const rvec z = zeta2();
    const int e = int(z.size());
    d_gam.assign(size_t(e), cfloat(0.0f, 0.0f));
    for (int q = 0; q < e; ++q)
        d_gam[q] = cfloat(std::sqrt(z[q]) * d_w[q]);
}

cvec isac_channel_model::gains() const
{
    const rvec z = zeta2();
    cvec g(z.size());
    for (int q = 0; q < z.size(); ++q)
        g[q] = std::sqrt(z[q]) * d_w[q];
    return g;
}

void isac_channel_model::aligned_rows::assign(const cmat& M)
{
    rows = int(M.rows());
    n = int(M.cols());
    const int per = int(std::max<size_t>(1, volk_get_alignment() / sizeof(cfloat)));
    stride = (n + per - 1) / per * per;
    data.assign(size_t(rows) * stride, cfloat(0.0f, 0.0f));
    for (int r = 0; r < rows; ++r)
        for (int k = 0; k < n; ++k)
            data[size_t(r) * stride + k] = cfloat(M(r, k));
}

/*
 * Per snapshot: the Q+1 products c_q = g_T(theta_q)^T x and the U user outputs
 * are VOLK dot products, the radar sum is Q+1 VOLK scaled adds. Every operand
 * is an aligned copy and the aligned (_a) dispatchers run, so each snapshot is
 * computed by the same implementation in the same order whatever the batch or
 * work() size: a fixed seed gives bit-identical output however the scheduler
 * splits the stream.
 */
long isac_channel_model::process(const cfloat* x, cfloat* y, cfloat* r, long n)
{
    const uint64_t stop = std::min(d_next_comm, d_next_cpi);
    if (stop <= d_pos || n <= 0)
        return 0;
    const long len = long(std::min<uint64_t>(uint64_t(n), stop - d_pos));
    const int nt = d_p.n_tx, nu = d_p.n_users, nr = d_p.n_rx, e = n_echo();
    const long delay = d_p.target_delay;
    const float noise_var = float(d_p.radar_noise_var);
    cfloat* xa = d_x.data();
    cfloat* ra = d_racc.data();
    cfloat* c = d_c.data();

    for (long t = 0; t < len; ++t) {
        std::copy(x + t * nt, x + (t + 1) * nt, xa);
        // c_q = g_T(theta_q)^T x (rank-(Q+1) structure, 1-bit ISAC paper eq. (2)).
        bool finite = true;
        for (int q = 0; q < e; ++q) {
            volk_32fc_x2_dot_prod_32fc_a(&c[q], d_gt_rows.row(q), xa, unsigned(nt));
            finite = finite && std::isfinite(c[q].real()) && std::isfinite(c[q].imag());
        }
        if (!finite) {
            // A non-finite input makes every c_q non-finite (no g_T entry is
            // zero); zero those entries so the delay line and outputs stay
            // finite, and count them.
            for (int k = 0; k < nt; ++k) {
                float re = xa[k].real(), im = xa[k].imag();
                if (!std::isfinite(re)) {
                    re = 0.0f;
                    ++d_nonfinite;
                }
                if (!std::isfinite(im)) {
                    im = 0.0f;
                    ++d_nonfinite;
                }
                xa[k] = cfloat(re, im);
            }
            for (int q = 0; q < e; ++q)
                volk_32fc_x2_dot_prod_32fc_a(&c[q], d_gt_rows.row(q), xa, unsigned(nt));
            finite = true;
            for (int q = 0; q < e; ++q)
                finite =
                    finite && std::isfinite(c[q].real()) && std::isfinite(c[q].imag());
        }
        if (!finite) {
            // Finite entries whose products overflow single precision (|x| ~ 1e38):
            // the snapshot is treated as x = 0 and counted, like a non-finite one.
            std::fill(xa, xa + nt, cfloat(0.0f, 0.0f));
            for (int q = 0; q < e; ++q)
                c[q] = cfloat(0.0f, 0.0f);
            ++d_overflow;
        }

        // Users: y_u = h_u^H x + n_u (row u of H), noise user by user.
        cfloat* yt = y + t * nu;
        for (int u = 0; u < nu; ++u) {
            const float sd = d_comm_std[u];
            const float nre = sd * d_rng_comm.normal();
            const float nim = sd * d_rng_comm.normal();
            cfloat h;
            volk_32fc_x2_dot_prod_32fc_a(&h, d_H_rows.row(u), xa, unsigned(nt));
            yt[u] = cfloat(nre + h.real(), nim + h.imag());
        }

        // Target delay: c_0 leaves a FIFO of `delay` snapshots.
        if (delay > 0) {
            std::swap(c[0], d_delay[d_delay_pos]);
            if (++d_delay_pos == size_t(delay))
                d_delay_pos = 0;
        }
        // r = n_R + sum_q (gamma_q c_q) g_R(theta_q): Q+1 scaled vectors
        // (the kernel adds conj(b) s, so the rows hold conj(g_R)).
        d_rng_radar.fill_cn(ra, size_t(nr), noise_var);
        for (int q = 0; q < e; ++q)
            volk_32fc_x2_s32fc_multiply_conjugate_add_32fc_a(
                ra, ra, d_grc_rows.row(q), d_gam[q] * c[q], unsigned(nr));
        std::copy(ra, ra + nr, r + t * nr);
    }
    // What the couplings did not catch (h_u^H x, gamma_q c_q g_R) can still
    // overflow: such outputs are set to 0 and counted, never passed on as Inf.
    const float* yf = reinterpret_cast<const float*>(y);
    const float* rf = reinterpret_cast<const float*>(r);
    float acc = 0.0f;
    for (long i = 0; i < 2 * len * nu; ++i)
        acc += yf[i] - yf[i]; // 0 for finite values, NaN otherwise
    for (long i = 0; i < 2 * len * nr; ++i)
        acc += rf[i] - rf[i];
    if (acc != 0.0f) {
        float* yw = reinterpret_cast<float*>(y);
        float* rw = reinterpret_cast<float*>(r);
        for (long t = 0; t < len; ++t) {
            bool bad = false;
            for (long i = 2 * t * nu; i < 2 * (t + 1) * nu; ++i)
                if (!std::isfinite(yw[i])) {
                    yw[i] = 0.0f;
                    bad = true;
                }
            for (long i = 2 * t * nr; i < 2 * (t + 1) * nr; ++i)
                if (!std::isfinite(rw[i])) {
                    rw[i] = 0.0f;
                    bad = true;
                }
            d_overflow += bad;
        }
    }
    d_pos += uint64_t(len);
    return len;
}

// ---------------------------------------------------------------------------
void isac_channel_model::apply(const channel_params& q)
{
    q.validate();
    if (q.n_tx != d_p.n_tx || q.n_users != d_p.n_users || q.n_rx != d_p.n_rx ||
        q.comm != d_p.comm || q.coherence != d_p.coherence || q.seed != d_p.seed ||
        q.geometry != d_p.geometry || q.gains != d_p.gains || q.cpi_len != d_p.cpi_len ||
        q.target_delay != d_p.target_delay)
        throw param_error("only angles, SNRs, noise variances and rician_k_db can change "
                          "at runtime");
    const size_t old_q = d_p.clutter_rad.size();
    d_p = q;
    rebuild_H();
    rebuild_noise();
    if (d_p.geometry == radar_geometry::monostatic && d_p.clutter_rad.size() != old_q) {
        // New clutter patches get gains drawn now; kept ones keep theirs.
        const int e = n_echo();
        cvec w(e);
        for (int k = 0; k < e; ++k) {
            if (k < int(d_w.size())) {
                w[k] = d_w[k];
            } else if (d_p.gains == gain_model::swerling1) {
                w[k] = d_rng_gain.cn();
            } else {
                const double ph = 2.0 * pi * d_rng_gain.uniform();
                w[k] = cdouble(std::cos(ph), std::sin(ph));
            }
        }
        d_w = w;
    }
    rebuild_steering();
    rebuild_gains();
}

namespace {
// d_p with one runtime field changed, for apply(): it validates the set as a
// whole before it takes it.
template <class T>
channel_params with(channel_params q, T channel_params::*field, const T& v)
{
    q.*field = v;
    return q;
}
} // namespace

void isac_channel_model::set_user_rad(const std::vector<double>& v)
{
    apply(with(d_p, &channel_params::user_rad, v));
}
void isac_channel_model::set_comm_noise_var(const std::vector<double>& v)
{
    apply(with(d_p, &channel_params::comm_noise_var, v));
}
void isac_channel_model::set_rician_k_db(double k)
{
    apply(with(d_p, &channel_params::rician_k_db, k));
}
void isac_channel_model::set_target_rad(double t)
{
    apply(with(d_p, &channel_params::target_rad, t));
}
void isac_channel_model::set_tx_rad(double t)
{
    apply(with(d_p, &channel_params::tx_rad, t));
}
void isac_channel_model::set_rx_rad(double t)
{
    apply(with(d_p, &channel_params::rx_rad, t));
}
void isac_channel_model::set_target_snr_db(double s)
{
    apply(with(d_p, &channel_params::target_snr_db, s));
}
void isac_channel_model::set_clutter(const std::vector<double>& clutter_rad,
                                     const std::vector<double>& cnr_db)
{
    channel_params q = d_p;
    q.clutter_rad = clutter_rad;
    q.cnr_db = cnr_db;
    apply(q);
}
void isac_channel_model::set_radar_noise_var(double v)
{
    apply(with(d_p, &channel_params::radar_noise_var, v));
}

} // namespace core
} // namespace isac
} // namespace gr
