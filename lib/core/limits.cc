/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gnuradio/isac/core/limits.h>
#include <gnuradio/isac/core/types.h>
#include <cmath>
#include <cstdlib>
#include <mutex>
#include <sstream>

namespace gr {
namespace isac {
namespace core {

namespace {
constexpr uint64_t default_memory_limit = uint64_t(2) << 30;
constexpr uint64_t default_queue_limit = uint64_t(64) << 20;

uint64_t from_env(const char* var, uint64_t fallback)
{
    const char* v = std::getenv(var);
    if (!v || !*v)
        return fallback;
    try {
        return parse_bytes(var, v);
    } catch (const param_error&) {
        return fallback; // a typo in the environment must not stop a flowgraph from
                         // loading
    }
}

struct limits_state {
    std::atomic<uint64_t> memory, queue;
    limits_state()
        : memory(from_env("GR_ISAC_MEMORY_LIMIT", default_memory_limit)),
          queue(from_env("GR_ISAC_QUEUE_LIMIT", default_queue_limit))
    {
    }
};

limits_state& state()
{
    static limits_state s;
    return s;
}
} // namespace

uint64_t memory_limit() { return state().memory.load(); }
void set_memory_limit(uint64_t bytes)
{
    if (bytes < (uint64_t(1) << 20))
        throw_param("memory_limit", std::to_string(bytes), ">= 1048576 bytes (1 MiB)");
    state().memory = bytes;
}

uint64_t queue_limit() { return state().queue.load(); }
void set_queue_limit(uint64_t bytes)
{
    if (bytes < 4096)
        throw_param("queue_limit", std::to_string(bytes), ">= 4096 bytes");
    state().queue = bytes;
}

uint64_t parse_bytes(const std::string& name, const std::string& text)
{
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    std::string unit(end ? end : "");
    while (!unit.empty() && unit.back() == ' ')
        unit.pop_back();
    double mul = 1;
    if (unit == "K" || unit == "k" || unit == "KiB")
        mul = 1024.0;
    else if (unit == "M" || unit == "MiB")
        mul = 1024.0 * 1024;
    else if (unit == "G" || unit == "GiB")
        mul = 1024.0 * 1024 * 1024;
    else if (unit == "T" || unit == "TiB")
        mul = 1024.0 * 1024 * 1024 * 1024;
    else if (!unit.empty() && unit != "B")
        throw_param(
            name, "'" + text + "'", "a byte count such as 2147483648, 512M or 8G");
    const double b = v * mul;
    if (end == text.c_str() || !std::isfinite(b) || b < 0 || b > 1.8e19)
        throw_param(
            name, "'" + text + "'", "a byte count such as 2147483648, 512M or 8G");
    return uint64_t(b);
}

std::string format_bytes(double bytes)
{
    static const char* units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    int u = 0;
    while (bytes >= 1024.0 && u < 6) {
        bytes /= 1024.0;
        ++u;
    }
    std::ostringstream s;
    s.precision(u == 0 ? 0 : 3);
    s << std::defaultfloat << bytes << " " << units[u];
    if (u == 0) {
        s.str("");
        s << uint64_t(bytes) << " B";
    }
    return s.str();
}

void check_memory(const std::string& param,
                  const std::string& value,
                  double bytes,
                  const std::string& what)
{
    const uint64_t lim = memory_limit();
    if (!(bytes <= double(lim)))
        throw_param(param,
                    value,
                    "a value whose memory fits the module's limit (" + what + " needs " +
                        format_bytes(bytes) + " > memory limit " +
                        format_bytes(double(lim)) +
                        "; raise it with gnuradio.isac.set_memory_limit() or "
                        "GR_ISAC_MEMORY_LIMIT)");
}

void check_clutter_count(const std::string& name, size_t q)
{
    if (q > size_t(max_clutter))
        throw_param(name,
                    list_str(q, "angle"),
                    "at most " + std::to_string(max_clutter) +
                        " clutter patches (each snapshot solves a Q x Q system)");
}

std::string list_str(size_t n, const std::string& noun, const std::string& plural)
{
    if (n == 0)
        return "an empty list";
    return "a list of " + std::to_string(n) + " " + (n == 1 ? noun : plural);
}

std::string list_str(size_t n, const std::string& noun)
{
    return list_str(n, noun, noun + "s");
}

std::string shape_str(long rows, long cols)
{
    return std::to_string(rows) + "x" + std::to_string(cols);
}

std::string num_str(double v)
{
    std::ostringstream s;
    s << v;
    return s.str();
}

double db_to_linear(const std::string& name, double db, double lo, double hi)
{
    if (!(std::isfinite(db) && db >= lo && db <= hi))
        throw_param(name, num_str(db), "[" + num_str(lo) + ", " + num_str(hi) + "] dB");
    return db2lin(db);
}

} // namespace core
} // namespace isac
} // namespace gr
