#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_ota_emulated as a module: the benches that reuse its flowgraph,
scenes and genies import it from here (the app has no .py suffix)."""

import importlib.machinery
import importlib.util
import os

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps", "isac_ota_emulated")


def load_app():
    loader = importlib.machinery.SourceFileLoader("ota_app", APP)
    app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(app)
    return app
