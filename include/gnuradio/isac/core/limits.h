/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bounds that keep every accepted parameter finite in memory: the module-wide
 * memory and message-queue limits, and the range checks shared by every block
 * (docs/reliability.md). Time is bounded by cancellation (cancel.h).
 */
#ifndef INCLUDED_ISAC_CORE_LIMITS_H
#define INCLUDED_ISAC_CORE_LIMITS_H

#include <cstdint>
#include <string>

namespace gr {
namespace isac {
namespace core {

/*!
 * Module-wide memory limit in bytes (default 2 GiB; environment variable
 * GR_ISAC_MEMORY_LIMIT, e.g. "8G", read once at first use). Constructors and
 * setters estimate what a parameter set allocates (tables, grids, scene
 * matrices, stream items) and reject it above this limit, naming the
 * parameter (check_memory). Raising it is the user's decision.
 */
uint64_t memory_limit();
void set_memory_limit(uint64_t bytes);

/*!
 * Module-wide limit in bytes on the messages a block keeps queued for later
 * (csi and designs waiting for a future offset), default 64 MiB, environment
 * variable GR_ISAC_QUEUE_LIMIT. Above it a block drops its oldest queued
 * entry, logs a warning and counts it.
 */
uint64_t queue_limit();
void set_queue_limit(uint64_t bytes);

//! Parses "123", "64K", "8M", "2G", "1.5G" (powers of 1024); throws param_error naming
//! `name`.
uint64_t parse_bytes(const std::string& name, const std::string& text);
//! "1.5 GiB", "64 MiB", "512 B".
std::string format_bytes(double bytes);

/*!
 * Throws param_error "<param> = <value> is out of range; allowed: a value whose
 * memory fits the limit (<what> needs <bytes> > <limit>; ...)" when bytes
 * exceeds memory_limit(). `what` names the allocation (e.g. "the lookup table:
 * 1048576 vectors x 4096 antennas x 8 B").
 */
void check_memory(const std::string& param,
                  const std::string& value,
                  double bytes,
                  const std::string& what);

//! Antennas per array side and users any block, core model or CSI message accepts:
//! one limit everywhere, so no block accepts a size that its own CSI port rejects.
constexpr long max_antennas = 4096;
constexpr long max_users = 4096;

//! Clutter patches a radar scene may hold: the receive filter solves a Q x Q
//! system per snapshot (~0.1 s at Q = 512 on one core), the CI precoder keeps Q x Q
//! couplings; more would make a single item take minutes.
constexpr int max_clutter = 512;
//! Throws param_error naming `name` when more than max_clutter patches are given.
void check_clutter_count(const std::string& name, size_t q);

/*!
 * A dB parameter as the user wrote it: checks it is finite and within
 * [lo, hi] dB (default +-200 dB, whose linear values stay normal in float)
 * and returns 10^(db/10). The error names `name` with the dB value.
 */
double
db_to_linear(const std::string& name, double db, double lo = -200.0, double hi = 200.0);

//! A number as the error messages print it (shortest round-trip-ish form, "1e+30").
std::string num_str(double v);

//! A list's size as the error messages print it: "an empty list", "a list of 1 angle",
//! "a list of 3 angles" (`noun` singular).
std::string list_str(size_t n, const std::string& noun);
//! The same with an irregular plural: list_str(1, "entry", "entries").
std::string list_str(size_t n, const std::string& noun, const std::string& plural);

} // namespace core
} // namespace isac
} // namespace gr

#endif
