#
# Copyright 2026 gr-isac authors.
# SPDX-License-Identifier: GPL-3.0-or-later
#
"""apps/isac_ota_emulated as a module: the benches that reuse its flowgraph,
scenes and genies import it from here (the app has no .py suffix)."""

import argparse
import importlib.machinery
import importlib.util
import os

APP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "apps", "isac_ota_emulated")


def load_app():
    loader = importlib.machinery.SourceFileLoader("ota_app", APP)
    app = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    loader.exec_module(app)
    return app


def flowgraph(app, chain="1bit"):
    """The compiled flowgraph class of the chain (app.FLOWGRAPHS), its operating
    point (app.scene()) and sample rate."""
    cls = app.compile_flowgraph(app.find_grc(app.FLOWGRAPHS[chain]))
    sc, sr = app.probe(cls)
    return cls, sc, sr


def scene_of(app):
    """The flowgraph's operating point (app.scene()) with its sample rate, as
    the benches that build their own emulator need it."""
    _, sc, sr = flowgraph(app)
    return dict(sc, samp_rate=sr)


def with_scene(sc0, s, **extra):
    """The operating point sc0 with the scene s's angles and CNRs (a drawn scene
    carries only these)."""
    return dict(sc0, target_deg=s["target_deg"], clutter_deg=list(s["clutter_deg"]), cnr_db=list(s["cnr_db"]),
                user_deg=list(s["user_deg"]), **extra)


def run_args(app, sc0, samp_rate, impairments, seed, seconds, cpi_weights=None, scene_seed=None):
    """app.run_ota's arguments as the app builds them from these options (FDD CSI,
    its default window and loop-delay search), on the scene drawn from
    scene_seed or, when None, the flowgraph's own (sc0)."""
    a = argparse.Namespace(impairments=impairments, seed=seed, seconds=seconds, csi="fdd", measure_from=None,
                           max_loop_delay=None, cpi_weights=cpi_weights, samp_rate=samp_rate)
    if scene_seed is not None:
        a.scene = app.isac.scene.draw_scene(scene_seed, sc0["n_tx"], sc0["n_users"])
    else:
        a.scene = {k: sc0[k] for k in ("target_deg", "clutter_deg", "cnr_db", "user_deg")}
    app.run_defaults(a)
    return a
