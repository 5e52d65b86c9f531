# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
# ctest labels. Every test carries exactly one of
#   gui   opens QT windows (run under Xvfb): a name with a "qt", "gui" or
#         "screenshot(s)" word, e.g. qa_qt_smoke, qa_gui_examples
#   slow  takes more than ~10 s on the 2-core development machine: a name with a
#         "soak" or "stress" word, or a name in ISAC_SLOW_TESTS below
#   fast  everything else
# `./run test` runs them all, `./run test --fast` only the fast ones (ctest -L).
#
# A CMakeLists.txt that registers tests calls isac_label_tests() at its end: it
# labels that directory's tests that have no LABELS yet (a test may set its own).
# The ctest check check_test_labels fails when a test has none, so a directory
# that forgets the call is caught.

set(ISAC_SLOW_TESTS
    qa_e2e_flowgraphs
    qa_e2e_apps
    qa_e2e_figures
    qa_ota_acceptance
    qa_ota_scenes
    qa_ota_nullspace
    qa_ota_state
    qa_one_bit_rx_filter
    qa_design_draws_massive_mimo
    qa_system_conventions
    qa_random_scenes
    qa_nullspace_figures
    qa_shared_defaults)

function(isac_test_label name out)
    list(FIND ISAC_SLOW_TESTS ${name} listed)
    if(name MATCHES "(^|_)(qt|gui|screenshots?)(_|$)")
        set(label gui)
    elseif(name MATCHES "(^|_)(soak|stress)(_|$)" OR listed GREATER -1)
        set(label slow)
    else()
        set(label fast)
    endif()
    set(${out} ${label} PARENT_SCOPE)
endfunction()

function(isac_label_tests)
    get_property(tests DIRECTORY PROPERTY TESTS)
    foreach(t ${tests})
        get_test_property(${t} LABELS have)
        if(NOT have)
            isac_test_label(${t} label)
            set_tests_properties(${t} PROPERTIES LABELS ${label})
        endif()
    endforeach()
endfunction()
