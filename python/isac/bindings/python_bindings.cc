/*
 * Copyright 2026 gr-isac authors.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include <pybind11/pybind11.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace py = pybind11;

// Headers for binding functions
// BINDING_FUNCTION_PROTOTYPES(
void bind_one_bit_quantizer(py::module& m);
void bind_isac_channel(py::module& m);
void bind_one_bit_rx_filter(py::module& m);
void bind_doa_mle(py::module& m);
void bind_ci_precoder(py::module& m);
void bind_nullspace_precoder(py::module& m);
// ) END BINDING_FUNCTION_PROTOTYPES

// Core (no GNU Radio runtime) bindings, into gnuradio.isac.core
void bind_core_steering(py::module& m);
void bind_core_radar_metrics(py::module& m);
void bind_core_channel(py::module& m);
void bind_core_rx_filter(py::module& m);
void bind_core_crb(py::module& m);
void bind_core_doa(py::module& m);
void bind_core_ci_solver(py::module& m);
void bind_core_nullspace(py::module& m);
void bind_core_comm_precoder(py::module& m);

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
        "core", "gr-isac algorithm core: steering vectors, designs, bounds (numpy in/out).");
    bind_core_steering(core);
    bind_core_radar_metrics(core);
    bind_core_channel(core);
    bind_core_rx_filter(core);
    bind_core_crb(core);
    bind_core_doa(core);
    bind_core_ci_solver(core);
    bind_core_nullspace(core);
    bind_core_comm_precoder(core);

    // BINDING_FUNCTION_CALLS(
    bind_one_bit_quantizer(m);
    bind_isac_channel(m);
    bind_one_bit_rx_filter(m);
    bind_doa_mle(m);
    bind_ci_precoder(m);
    bind_nullspace_precoder(m);
    // ) END BINDING_FUNCTION_CALLS
}
