/* -*- c++ -*- */
/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per-thread scratch objects of the CI solver (internal).
 */
#ifndef INCLUDED_ISAC_CORE_CI_SCRATCH_H
#define INCLUDED_ISAC_CORE_CI_SCRATCH_H

#include <memory>
#include <vector>

namespace gr {
namespace isac {
namespace core {

/*!
 * A T taken from a per-thread free list for the lease's scope and given back with
 * the capacity of its arrays: a design vector's work arrays are allocated on the
 * thread's first vectors only. A call nested in another on the same thread takes
 * another T. Users size and write every array before they read it.
 */
template <class T>
class scratch
{
public:
    scratch()
    {
        auto& s = store();
        if (s.empty()) {
            p_ = std::make_unique<T>();
        } else {
            p_ = std::move(s.back());
            s.pop_back();
        }
    }
    ~scratch() { store().push_back(std::move(p_)); }
    scratch(const scratch&) = delete;
    scratch& operator=(const scratch&) = delete;
    T& operator*() const { return *p_; }
    T* operator->() const { return p_.get(); }

private:
    std::unique_ptr<T> p_;
    static std::vector<std::unique_ptr<T>>& store()
    {
        thread_local std::vector<std::unique_ptr<T>> s;
        return s;
    }
};

} // namespace core
} // namespace isac
} // namespace gr

#endif
