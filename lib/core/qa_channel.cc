/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Channel simulator core: the ziggurat (gaussian_rng and the lane-parallel
 * gaussian_lanes, every kernel) against the normal law, the echo against its
 * closed form (1-bit ISAC paper eq. (2); bistatic CRB paper Sec. II) recomputed
 * densely here, and the draw schedule / batching independence.
 */
#include <gnuradio/isac/core/channel.h>
#include <gnuradio/isac/core/steering.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

using namespace gr::isac::core;

namespace {
double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

std::vector<cfloat> random_x(long n, int nt, uint64_t seed)
{
    gaussian_rng g(seed);
    std::vector<cfloat> x(size_t(n) * nt);
    g.fill_cn(x.data(), x.size(), 1.0f);
    return x;
}
} // namespace

class qa_channel : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(qa_channel);
    CPPUNIT_TEST(test_gaussian_moments_and_cdf);
    CPPUNIT_TEST(test_gaussian_tail);
    CPPUNIT_TEST(test_lanes_law);
    CPPUNIT_TEST(test_lanes_kernels_identical);
    CPPUNIT_TEST(test_echo_closed_form_noiseless);
    CPPUNIT_TEST(test_bistatic_closed_form);
    CPPUNIT_TEST(test_comm_models);
    CPPUNIT_TEST(test_schedule_and_batch_independence);
    CPPUNIT_TEST(test_delay_and_nonfinite);
    CPPUNIT_TEST(test_bad_params);
    CPPUNIT_TEST_SUITE_END();

public:
    // the moments and the CDF of n draws against the normal law
    static void check_moments_and_cdf(const std::vector<float>& v)
    {
        const long n = long(v.size());
        double m1 = 0, m2 = 0, m4 = 0;
        const double qs[] = { -2.5, -1.5, -0.5, 0.0, 0.3, 1.0, 2.0 };
        long below[7] = { 0 };
        for (const double x : v) {
            m1 += x;
            m2 += x * x;
            m4 += x * x * x * x;
            for (int k = 0; k < 7; ++k)
                below[k] += x < qs[k];
        }
        m1 /= n;
        m2 /= n;
        m4 /= n;
        // Standard errors: mean 1/sqrt(n), var sqrt(2/n), E v^4 sqrt(96/n).
        // Tolerances are 5 sigma.
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.0, m1, 5 / std::sqrt(double(n)));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, m2, 5 * std::sqrt(2.0 / n));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(3.0, m4, 5 * std::sqrt(96.0 / n));
        for (int k = 0; k < 7; ++k) {
            const double p = Phi(qs[k]);
            const double se = std::sqrt(p * (1 - p) / n);
            CPPUNIT_ASSERT_DOUBLES_EQUAL(p, double(below[k]) / n, 5 * se);
        }
    }

    // The tail beyond the base strip r = 3.4426 comes from the fallback path;
    // its mass and its conditional mean must match the normal law.
    static void check_tail(const std::vector<float>& v)
    {
        const long n = long(v.size());
        const double r = 3.442619855899;
        long cnt = 0, beyond4 = 0;
        double sum = 0;
        for (const float x : v) {
            const double a = std::fabs(double(x));
            if (a > r) {
                ++cnt;
                sum += a;
            }
            beyond4 += a > 4.0;
        }
        const double p = 2 * Phi(-r);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(p * n, double(cnt), 5 * std::sqrt(p * n));
        const double p4 = 2 * Phi(-4.0);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(p4 * n, double(beyond4), 5 * std::sqrt(p4 * n));
        // E[|v| | |v| > r] = phi(r)/Phi(-r)
        const double phi_r = std::exp(-0.5 * r * r) / std::sqrt(2 * pi);
        const double cm = phi_r / Phi(-r);
        // conditional sd ~ 0.27, cnt ~ 2300 samples
        CPPUNIT_ASSERT_DOUBLES_EQUAL(cm, sum / cnt, 5 * 0.3 / std::sqrt(double(cnt)));
    }

    // correlation of x with x shifted by lag: |rho| < 5 / sqrt(n) for independent
    // draws (rho's standard error is 1/sqrt(n))
    static void check_uncorrelated(const float* x, const float* y, long n)
    {
        double sxy = 0, sxx = 0, syy = 0;
        for (long i = 0; i < n; ++i) {
            sxy += double(x[i]) * y[i];
            sxx += double(x[i]) * x[i];
            syy += double(y[i]) * y[i];
        }
        CPPUNIT_ASSERT(std::abs(sxy / std::sqrt(sxx * syy)) < 5 / std::sqrt(double(n)));
    }

    void test_gaussian_moments_and_cdf()
    {
        gaussian_rng g(7);
        std::vector<float> v(2000000);
        for (auto& x : v)
            x = g.normal();
        check_moments_and_cdf(v);
    }

    void test_gaussian_tail()
    {
        gaussian_rng g(11);
        std::vector<float> v(4000000);
        for (auto& x : v)
            x = g.normal();
        check_tail(v);
    }

    void test_lanes_law()
    {
        // the lane-parallel stream against the same law, through the kernel the
        // CPU picks, in calls of uneven length
        gaussian_lanes g(7);
        std::vector<float> v(4000000);
        size_t i = 0, len = 1;
        while (i < v.size()) {
            const size_t m = std::min(v.size() - i, len);
            g.fill_normal(v.data() + i, m);
            i += m;
            len = (len * 7 + 3) % 5000;
        }
        check_moments_and_cdf(v);
        check_tail(v);
        // successive draws, the lanes of a step (draws 2l and 2l + 1 share a
        // 64-bit word; lags 1-16 pair every lane with every other) and steps apart
        const long n = long(v.size()) - 64;
        for (int lag : { 1, 2, 3, 7, 8, 15, 16, 17, 32, 48 })
            check_uncorrelated(v.data(), v.data() + lag, n);
        // squares: a dependence that keeps the signs apart
        std::vector<float> sq(v.size());
        for (size_t k = 0; k < v.size(); ++k)
            sq[k] = v[k] * v[k] - 1.0f;
        for (int lag : { 1, 2, 16 })
            check_uncorrelated(sq.data(), sq.data() + lag, n);
        // neighbouring seeds (the emulator seeds one stream per channel)
        for (uint64_t s : { 1, 2 }) {
            gaussian_lanes a(s), b(s + 1);
            std::vector<float> va(1000000), vb(1000000);
            a.fill_normal(va.data(), va.size());
            b.fill_normal(vb.data(), vb.size());
            check_uncorrelated(va.data(), vb.data(), long(va.size()));
        }
    }

    void test_lanes_kernels_identical()
    {
        // every kernel the CPU runs gives the generic kernel's bits, including
        // the wedge/tail draws (~2.8 %), however the draws are split into calls
        const size_t n = 1 << 20;
        std::vector<float> ref(n);
        gaussian_lanes g0(2026);
        g0.fill_normal(ref.data(), n, "generic");
        const auto impls = gaussian_lanes::impls();
        CPPUNIT_ASSERT_EQUAL(std::string("generic"), impls.front());
        for (const auto& name : impls) {
            gaussian_lanes g(2026);
            std::vector<float> v(n);
            size_t i = 0, len = 0;
            while (i < n) {
                const size_t m = std::min(n - i, len);
                g.fill_normal(v.data() + i, m, name);
                i += m;
                if (i < n && len % 3 == 0)
                    v[i++] = g.normal();
                len = (len * 5 + 11) % 700;
            }
            CPPUNIT_ASSERT_MESSAGE(name, v == ref);
        }
        gaussian_lanes g(2026);
        std::vector<float> v(n);
        g.fill_normal(v.data(), n);
        CPPUNIT_ASSERT(v == ref);
        CPPUNIT_ASSERT(std::find(impls.begin(), impls.end(), gaussian_lanes::impl()) !=
                       impls.end());
        CPPUNIT_ASSERT_THROW(g.fill_normal(v.data(), 1, "sse9"), std::invalid_argument);
        // the seed sets the whole state: reseeding replays the stream
        g.seed(2026);
        g.fill_normal(v.data(), n);
        CPPUNIT_ASSERT(v == ref);
    }

    void test_echo_closed_form_noiseless()
    {
        // With (nearly) zero noise the echo is exactly sum_q gamma_q g_R g_T^T x.
        channel_params p;
        p.n_tx = 12;
        p.n_rx = 9;
        p.n_users = 3;
        p.seed = 5;
        p.target_rad = deg2rad(10);
        p.clutter_rad = { deg2rad(-50), deg2rad(30) };
        p.cnr_db = { 30, 20 };
        p.target_snr_db = 150; // echo 1e15 x the 1e-12 noise power
        p.radar_noise_var = 1e-12;
        p.comm_noise_var = { 0.0 };
        p.cpi_len = 1000;
        isac_channel_model m(p);
        const long n = 40;
        auto x = random_x(n, p.n_tx, 3);
        std::vector<cfloat> y(n * p.n_users), r(n * p.n_rx);
        CPPUNIT_ASSERT_EQUAL(n, m.process(x.data(), y.data(), r.data(), n));
        const cvec g = m.gains();
        CPPUNIT_ASSERT_EQUAL(3L, long(g.size()));
        const auto c = array_convention::first_element_unit_norm();
        const double th[3] = { p.target_rad, p.clutter_rad[0], p.clutter_rad[1] };
        cmat G = cmat::Zero(p.n_rx, p.n_tx); // dense reference
        for (int q = 0; q < 3; ++q)
            G += g[q] * ula_steering(p.n_rx, th[q], c) *
                 ula_steering(p.n_tx, th[q], c).transpose();
        for (long t = 0; t < n; ++t) {
            cvec xt(p.n_tx);
            for (int i = 0; i < p.n_tx; ++i)
                xt[i] = cdouble(x[t * p.n_tx + i]);
            const cvec ref = G * xt;
            const cvec yref = m.H() * xt;
            for (int i = 0; i < p.n_rx; ++i)
                CPPUNIT_ASSERT(std::abs(cdouble(r[t * p.n_rx + i]) - ref[i]) <
                               1e-5 * (1 + ref.norm()));
            for (int u = 0; u < p.n_users; ++u)
                CPPUNIT_ASSERT(std::abs(cdouble(y[t * p.n_users + u]) - yref[u]) <
                               1e-5 * (1 + yref.norm()));
        }
        // |gamma_q|^2 has mean zeta_q^2; one draw is checked for scale only.
        const rvec z = m.zeta2();
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1e-12 * 1e15, z[0], 1e-3);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1e-12 * 1e3, z[1], 1e-15);
    }

    void test_bistatic_closed_form()
    {
        channel_params p;
        p.n_tx = 8;
        p.n_rx = 6;
        p.n_users = 1;
        p.seed = 9;
        p.geometry = radar_geometry::bistatic;
        p.tx_rad = deg2rad(-20);
        p.rx_rad = deg2rad(35);
        p.clutter_rad = { deg2rad(40) }; // ignored in the bistatic geometry
        p.cnr_db = { 40 };
        p.target_snr_db = 150;
        p.radar_noise_var = 1e-12;
        p.gains = gain_model::fixed;
        p.cpi_len = 100;
        isac_channel_model m(p);
        const cvec g = m.gains();
        CPPUNIT_ASSERT_EQUAL(1L, long(g.size()));
        // fixed gains: |beta|^2 = zeta_0^2 exactly
        CPPUNIT_ASSERT_DOUBLES_EQUAL(m.zeta2()[0], std::norm(g[0]), 1e-9 * m.zeta2()[0]);
        const long n = 10;
        auto x = random_x(n, p.n_tx, 4);
        std::vector<cfloat> y(n), r(n * p.n_rx);
        CPPUNIT_ASSERT_EQUAL(n, m.process(x.data(), y.data(), r.data(), n));
        // the module convention written out, g(theta)_n = exp(-j pi n sin theta)/sqrt(N):
        // r = beta g_R(rx) g_T(tx)^T x, the same model as the monostatic echo
        auto g_unit = [](int N, double th) {
            cvec v(N);
            for (int i = 0; i < N; ++i)
                v[i] =
                    std::exp(cdouble(0.0, -pi * i * std::sin(th))) / std::sqrt(double(N));
            return v;
        };
        const cvec a = g_unit(8, p.tx_rad);
        const cvec b = g_unit(6, p.rx_rad);
        for (long t = 0; t < n; ++t) {
            cvec xt(p.n_tx);
            for (int i = 0; i < p.n_tx; ++i)
                xt[i] = cdouble(x[t * p.n_tx + i]);
            const cvec ref = g[0] * b * (a.transpose() * xt)(0);
            for (int i = 0; i < p.n_rx; ++i)
                CPPUNIT_ASSERT(std::abs(cdouble(r[t * p.n_rx + i]) - ref[i]) <
                               1e-5 * (1 + ref.norm()));
        }
    }

    void test_comm_models()
    {
        const std::vector<double> ang = { deg2rad(-30), deg2rad(0), deg2rad(45) };
        gaussian_rng g(1);
        // los: row u = a(theta_u)^T, unit modulus entries
        cmat L = draw_comm_channel(comm_model::los, 3, 10, ang, 0, g);
        for (int u = 0; u < 3; ++u) {
            const cvec a = ula_steering(10, ang[u]);
            CPPUNIT_ASSERT(((L.row(u).transpose() - a).norm()) < 1e-12);
            // y_u = sqrt(N) g_T(theta_u)^T x: the beam toward theta_u has gain N
            const cvec gt =
                ula_steering(10, ang[u], array_convention::first_element_unit_norm());
            CPPUNIT_ASSERT_DOUBLES_EQUAL(std::sqrt(10.0),
                                         std::abs((L.row(u) * gt.conjugate())(0)), 1e-12);
        }
        // rayleigh: E|h|^2 = 1 per entry; 3 x 4000 entries, rel se 0.009
        cmat R = draw_comm_channel(comm_model::rayleigh, 3, 4000, {}, 0, g);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0, R.squaredNorm() / R.size(), 5 * 0.0092);
        CPPUNIT_ASSERT(std::abs(R.mean()) < 5 * std::sqrt(1.0 / R.size()));
        // rician K = 10 dB: mean = sqrt(K/(1+K)) LoS, residual power 1/(1+K)
        const long nt = 4000;
        cmat Ri = draw_comm_channel(comm_model::rician, 3, nt, ang, 10.0, g);
        cmat Lo = los_channel(nt, ang);
        const double K = 10.0;
        cmat res = Ri - std::sqrt(K / (1 + K)) * Lo;
        CPPUNIT_ASSERT_DOUBLES_EQUAL(1.0 / (1 + K), res.squaredNorm() / res.size(),
                                     5 * 0.0092 / (1 + K));
        CPPUNIT_ASSERT(std::abs(res.mean()) < 5 * std::sqrt(1.0 / (1 + K) / res.size()));
    }

    void test_schedule_and_batch_independence()
    {
        channel_params p;
        p.n_tx = 4;
        p.n_rx = 5;
        p.n_users = 2;
        p.seed = 42;
        p.coherence = 7;
        p.cpi_len = 5;
        p.clutter_rad = { deg2rad(20) };
        p.cnr_db = { 10 };
        p.target_delay = 3;
        const long n = 100;
        auto x = random_x(n, p.n_tx, 8);
        auto run = [&](long chunk, std::vector<uint64_t>& comm_at, std::vector<uint64_t>& cpi_at) {
            isac_channel_model m(p);
            std::vector<cfloat> y(n * p.n_users), r(n * p.n_rx);
            long done = 0;
            comm_at = { 0 };
            cpi_at = { 0 };
            while (done < n) {
                if (m.comm_due()) {
                    m.draw_comm();
                    comm_at.push_back(m.position());
                }
                if (m.cpi_due()) {
                    m.draw_gains();
                    cpi_at.push_back(m.position());
                }
                const long k = m.process(x.data() + done * p.n_tx,
                                         y.data() + done * p.n_users,
                                         r.data() + done * p.n_rx,
                                         std::min(chunk, n - done));
                CPPUNIT_ASSERT(k > 0);
                done += k;
            }
            std::vector<cfloat> all(y);
            all.insert(all.end(), r.begin(), r.end());
            return all;
        };
        std::vector<uint64_t> c1, p1, c2, p2;
        auto a = run(1000, c1, p1);
        // 1-snapshot chunks are bit-identical too
        auto a1 = run(1, c2, p2);
        CPPUNIT_ASSERT(a == a1);
        // drawing H ahead (for early csi) changes neither H nor the output
        {
            isac_channel_model m(p), ref(p);
            std::vector<cmat> ahead;
            for (uint64_t k = 0; k < 4; ++k)
                ahead.push_back(m.H_of_draw(k));
            CPPUNIT_ASSERT_THROW(isac_channel_model(p).H_of_draw((1u << 16) + 2), param_error);
            std::vector<cfloat> y(p.n_users), r(p.n_rx), y2(p.n_users), r2(p.n_rx);
            for (long t = 0; t < 28; ++t) {
                for (auto* mm : { &m, &ref }) {
                    if (mm->comm_due())
                        mm->draw_comm();
                    if (mm->cpi_due())
                        mm->draw_gains();
                }
                CPPUNIT_ASSERT(m.H() == ahead[t / 7]);
                CPPUNIT_ASSERT(m.H() == ref.H());
                m.process(x.data() + t * p.n_tx, y.data(), r.data(), 1);
                ref.process(x.data() + t * p.n_tx, y2.data(), r2.data(), 1);
                CPPUNIT_ASSERT(y == y2 && r == r2);
            }
            CPPUNIT_ASSERT_THROW(m.H_of_draw(0), param_error); // in the past
        }
        auto b = run(3, c2, p2);
        CPPUNIT_ASSERT(a == b); // bit-identical: streams do not depend on batching
        CPPUNIT_ASSERT(c1 == c2 && p1 == p2);
        // draws at multiples of coherence / cpi_len
        CPPUNIT_ASSERT_EQUAL(size_t(1 + 99 / 7), c1.size());
        for (size_t i = 0; i < c1.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(uint64_t(7 * i), c1[i]);
        for (size_t i = 0; i < p1.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(uint64_t(5 * i), p1[i]);
        // another seed differs
        p.seed = 43;
        std::vector<uint64_t> c3, p3;
        auto d = run(1000, c3, p3);
        CPPUNIT_ASSERT(!(a == d));
    }

    void test_delay_and_nonfinite()
    {
        channel_params p;
        p.n_tx = 4;
        p.n_rx = 4;
        p.n_users = 1;
        p.seed = 2;
        p.target_rad = deg2rad(15);
        p.target_snr_db = 150;
        p.radar_noise_var = 1e-12;
        p.comm_noise_var = { 0.0 };
        p.gains = gain_model::fixed;
        p.cpi_len = 1000;
        p.target_delay = 5;
        isac_channel_model m(p);
        const long n = 20;
        std::vector<cfloat> x(n * 4, cfloat(0, 0)), y(n), r(n * 4);
        x[2 * 4 + 1] = cfloat(1, 0); // impulse at snapshot 2, antenna 1
        x[7 * 4 + 0] = cfloat(std::nanf(""), 0); // NaN at snapshot 7
        x[8 * 4 + 3] = cfloat(0, INFINITY);
        CPPUNIT_ASSERT_EQUAL(n, m.process(x.data(), y.data(), r.data(), n));
        CPPUNIT_ASSERT_EQUAL(uint64_t(2), m.nonfinite_inputs());
        const cvec gt =
            ula_steering(4, p.target_rad, array_convention::first_element_unit_norm());
        const cvec gr = gt;
        const cdouble g0 = m.gains()[0];
        for (long t = 0; t < n; ++t) {
            for (int i = 0; i < 4; ++i) {
                const cdouble ref = t == 7 ? g0 * gr[i] * gt[1] : 0.0;
                CPPUNIT_ASSERT(std::isfinite(r[t * 4 + i].real()));
                CPPUNIT_ASSERT(std::abs(cdouble(r[t * 4 + i]) - ref) < 1e-4 * std::abs(g0));
            }
            CPPUNIT_ASSERT(std::isfinite(y[t].real()) && std::isfinite(y[t].imag()));
        }
    }

    void test_bad_params()
    {
        auto bad = [](std::function<void(channel_params&)> f) {
            channel_params p;
            f(p);
            CPPUNIT_ASSERT_THROW(isac_channel_model m(p), param_error);
        };
        bad([](channel_params& p) { p.n_tx = 0; });
        bad([](channel_params& p) { p.n_users = -1; });
        bad([](channel_params& p) { p.n_rx = 0; });
        bad([](channel_params& p) { p.comm = comm_model::los; }); // no user_deg
        bad([](channel_params& p) { p.user_rad = { 0.1 }; });    // wrong length (4 users)
        bad([](channel_params& p) { p.comm_noise_var = { 1, 2 }; });
        bad([](channel_params& p) { p.comm_noise_var = { -1 }; });
        bad([](channel_params& p) { p.target_rad = 2.0; });
        bad([](channel_params& p) { p.target_snr_db = NAN; });
        bad([](channel_params& p) { p.clutter_rad = { 0.1 }; }); // no cnr_db
        bad([](channel_params& p) { p.radar_noise_var = 0; });
        bad([](channel_params& p) { p.cpi_len = 0; });
        bad([](channel_params& p) { p.target_delay = -1; });
        bad([](channel_params& p) { p.coherence = -2; });
        CPPUNIT_ASSERT_THROW(parse_comm_model("awgn"), param_error);
        CPPUNIT_ASSERT_THROW(parse_geometry("multistatic"), param_error);
        CPPUNIT_ASSERT_THROW(parse_gain_model("swerling2"), param_error);
        // a rejected runtime change leaves the state as it was
        channel_params p;
        p.seed = 1;
        isac_channel_model m(p);
        const cvec g = m.gains();
        CPPUNIT_ASSERT_THROW(m.set_clutter({ 0.1 }, {}), param_error);
        CPPUNIT_ASSERT_THROW(m.set_target_rad(NAN), param_error);
        CPPUNIT_ASSERT((m.gains() - g).norm() == 0.0);
        CPPUNIT_ASSERT_EQUAL(0.0, m.params().target_rad);
        channel_params q = m.params();
        q.n_tx = 5;
        CPPUNIT_ASSERT_THROW(m.apply(q), param_error);
        // each runtime setter changes its own field and no other
        m.set_user_rad({ 0.1, 0.2, 0.3, 0.4 });
        m.set_comm_noise_var({ 0.5 });
        m.set_rician_k_db(3.0);
        m.set_target_rad(0.6);
        m.set_tx_rad(0.7);
        m.set_rx_rad(0.8);
        m.set_target_snr_db(9.0);
        m.set_clutter({ -0.5 }, { 20.0 });
        m.set_radar_noise_var(2.5);
        q = p;
        q.user_rad = { 0.1, 0.2, 0.3, 0.4 };
        q.comm_noise_var = { 0.5 };
        q.rician_k_db = 3.0;
        q.target_rad = 0.6;
        q.tx_rad = 0.7;
        q.rx_rad = 0.8;
        q.target_snr_db = 9.0;
        q.clutter_rad = { -0.5 };
        q.cnr_db = { 20.0 };
        q.radar_noise_var = 2.5;
        const channel_params& r = m.params();
        CPPUNIT_ASSERT(r.user_rad == q.user_rad && r.comm_noise_var == q.comm_noise_var);
        CPPUNIT_ASSERT(r.clutter_rad == q.clutter_rad && r.cnr_db == q.cnr_db);
        for (auto f : { &channel_params::rician_k_db,
                        &channel_params::target_rad,
                        &channel_params::tx_rad,
                        &channel_params::rx_rad,
                        &channel_params::target_snr_db,
                        &channel_params::radar_noise_var })
            CPPUNIT_ASSERT_EQUAL(q.*f, r.*f);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(qa_channel);
