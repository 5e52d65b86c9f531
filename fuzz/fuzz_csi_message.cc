/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fuzzes lib/csi_message.h, the parser every block's `csi` and `set` handler
 * goes through. Properties checked on every input (beyond "no crash, no
 * sanitizer report"):
 *  - nothing throws (a throwing message handler kills the block's thread);
 *  - parse_csi: success <=> `why` empty; an accepted H is finite, 1..4096
 *    per side, and has the expected shape; make_csi(H) parses back to H;
 *  - dict_get_*: success => finite value and empty `why`; a failure either
 *    leaves `why` empty (key absent) or explains itself; out is untouched on failure.
 */
#include "../lib/csi_message.h"
#include "fuzz_common.h"

using namespace gr::isac;
using isac_fuzz::fail;

namespace {

const std::vector<std::string>& keys()
{
    // the csi keys plus the `set` keys the blocks use (angles, SNRs, pfa, ...)
    static const std::vector<std::string> k = { "H",         "rows",       "cols",
                                                "offset",    "target_deg", "clutter_deg",
                                                "snr_r_db",  "cnr_db",     "pfa",
                                                "noise_var", "power",      "mode",
                                                "gamma_db",  "user_deg",   "theta_deg" };
    return k;
}

void check_parse(const pmt::pmt_t& msg, int er, int ec)
{
    csi_update u;
    u.H = Eigen::MatrixXcd::Constant(1, 1, 7.0);
    std::string why;
    const bool ok = parse_csi(msg, u, why, er, ec);
    if (!ok) {
        if (why.empty())
            fail("parse_csi failed without a reason");
        // blocks parse into their live state: a rejected message must not touch it
        if (u.H.rows() != 1 || u.H.cols() != 1 || u.H(0, 0) != std::complex<double>(7.0))
            fail("parse_csi modified its output on failure", why);
        return;
    }
    if (!why.empty())
        fail("parse_csi succeeded but set why", why);
    const long r = u.H.rows(), c = u.H.cols();
    if (r < 1 || c < 1 || r > 4096 || c > 4096)
        fail("parse_csi accepted an out-of-range shape");
    if ((er > 0 && r != er) || (ec > 0 && c != ec))
        fail("parse_csi accepted the wrong shape");
    if (!u.H.allFinite())
        fail("parse_csi accepted non-finite H");
    // Round trip through the builder the channel block publishes with.
    // Entries beyond float range cannot survive the c32 encoding by design.
    if (u.H.cwiseAbs().maxCoeff() < 1e30) {
        csi_update back;
        std::string why2;
        if (!parse_csi(make_csi(u.H, u.offset), back, why2, er, ec))
            fail("make_csi output does not parse", why2);
        if (back.H.rows() != r || back.H.cols() != c || !back.has_offset ||
            back.offset != (u.has_offset ? u.offset : 0))
            fail("make_csi round trip changed shape or offset");
        const double tol = 1e-6 * (1.0 + u.H.cwiseAbs().maxCoeff());
        if ((back.H - u.H).cwiseAbs().maxCoeff() > tol)
            fail("make_csi round trip changed H");
    }
}

void check_accessors(const pmt::pmt_t& msg)
{
    for (const auto& k : keys()) {
        std::string why = "stale";
        double d = 12345.0;
        if (dict_get_double(msg, k.c_str(), d, why)) {
            if (!why.empty() || !std::isfinite(d))
                fail("dict_get_double returned a non-finite value or a reason", k);
        } else if (d != 12345.0) {
            fail("dict_get_double wrote its output on failure", k);
        }
        why = "stale";
        long l = 12345;
        if (dict_get_int(msg, k.c_str(), l, why)) {
            if (!why.empty())
                fail("dict_get_int succeeded with a reason", k);
        } else if (l != 12345) {
            fail("dict_get_int wrote its output on failure", k);
        }
        why = "stale";
        std::string s = "untouched";
        if (dict_get_string(msg, k.c_str(), s, why) && !why.empty())
            fail("dict_get_string succeeded with a reason", k);
        why = "stale";
        std::vector<double> v{ 1.0 };
        if (dict_get_doubles(msg, k.c_str(), v, why)) {
            if (!why.empty() || v.size() > 4096)
                fail("dict_get_doubles returned a reason or too many values", k);
            for (double x : v)
                if (!std::isfinite(x))
                    fail("dict_get_doubles returned a non-finite value", k);
        } else if (v.size() != 1 || v[0] != 1.0) {
            fail("dict_get_doubles wrote its output on failure", k);
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    isac_fuzz::reader r(data, size);
    isac_fuzz::pmt_gen g(r, keys());
    const int er = int(r.range(-1, 5)), ec = int(r.range(-1, 5));
    const pmt::pmt_t msg = g.message();
    try {
        check_parse(msg, er, ec);
        check_accessors(msg);
    } catch (const std::exception& e) {
        fail("csi_message threw", e.what());
    }
    return 0;
}
