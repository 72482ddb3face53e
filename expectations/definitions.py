"""The four layer suites (raw, staging, intermediate, marts), in pipeline order.

Each suite is code (expectations/suites/<layer>.py, written with expectations.checks); the GX
project beside a warehouse is generated from it on every validation (expectations.project), so
the saved JSON can never drift from this source.

Parameters: a target's SQL reads `_gx_params` (a one-row relation of the parameters below) and,
for the raw layer, `_gx_expected_units` (`sftmart.landing.reconcile(raw_root)`); thresholds use
GX `$PARAMETER`s of the same names.
"""

from __future__ import annotations

from expectations.checks import SuiteDef
from expectations.suites.intermediate import INTERMEDIATE
from expectations.suites.marts import MARTS
from expectations.suites.raw import RAW
from expectations.suites.staging import STAGING

LAYERS = ("raw", "staging", "intermediate", "marts")

SUITES: dict[str, SuiteDef] = {s.layer: s for s in (RAW, STAGING, INTERMEDIATE, MARTS)}

# The dbt vars each layer's suite reads (its validation node gets them in its dbt config).
LAYER_VARS: dict[str, tuple[str, ...]] = {
    "raw": ("raw_root", "max_file_bytes", "follow_external_symlinks"),
    "staging": ("max_record_bytes",),
    "intermediate": (),
    "marts": ("token_budget", "en_ratio"),
}

# Parameters that are not dbt vars, with their defaults.
EXTRA_PARAMETERS = {
    # Largest allowed |English token share of the mix - en_ratio| when the funnel notes no
    # shortfall. A project choice, not an external figure: the sampler overshoots each language by
    # at most one sample, which at the default 10M-token budget moves the share by far less than
    # 5 points, so a larger gap means the mix is not what was asked for. Only warns.
    "en_ratio_tolerance": 0.05,
}
