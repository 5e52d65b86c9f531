/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The isac_python module. The hand-written bindings (X_python.cc defines
 * bind_X, a block for gnuradio.isac; core_X_python.cc defines bind_core_X, for
 * gnuradio.isac.core) are found by the CMake glob, and their prototypes and
 * calls are generated into isac_bindings_generated.h, so adding a binding
 * never touches this file. The two marker blocks below are where
 * `gr_modtool add` and `gr_modtool bind` register their bindings; a binding
 * named there is left out of the generated list.
 */

#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace py = pybind11;

#include "isac_bindings_generated.h"

// BINDING_FUNCTION_PROTOTYPES(
// ) END BINDING_FUNCTION_PROTOTYPES

// import_array() returns NULL on newer Pythons; this wrapper hides that.
void* init_numpy()
{
    import_array();
    return NULL;
}

PYBIND11_MODULE(isac_python, m)
{
    init_numpy();

    // Allow access to base block methods
    py::module::import("gnuradio.gr");

    py::module core = m.def_submodule(
        "core",
        "gr-isac algorithm core: steering vectors, designs, bounds (numpy in/out).");
    isac_bind_generated(m, core);

    // BINDING_FUNCTION_CALLS(
    // ) END BINDING_FUNCTION_CALLS
}
