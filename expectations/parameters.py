"""The parameters a layer is validated with: the dbt vars its suite reads plus the suites' own
(`expectations.definitions.EXTRA_PARAMETERS`).

Inside dbt, a validation node gets its vars in its dbt config (already checked by dbt); the
standalone `python -m expectations validate` takes them as JSON and falls back to the defaults
in dbt_project.yml, as dbt does.
"""

from __future__ import annotations

from expectations.definitions import EXTRA_PARAMETERS

_FLOATS = ("token_budget", "en_ratio", "en_ratio_tolerance")
_INTS = ("max_record_bytes", "max_file_bytes")


def project_var_defaults() -> dict:
    """`vars:` of dbt_project.yml."""
    import yaml

    from sftmart.paths import DBT_PROJECT_DIR

    with open(DBT_PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as fh:
        return yaml.safe_load(fh).get("vars", {}) or {}


def resolve_parameters(dbt_vars: dict | None = None, defaults: dict | None = None) -> dict:
    """`defaults` (dbt_project.yml's vars when None), the suites' own defaults, then `dbt_vars`;
    numbers as numbers, and raw_root the bundled sample when empty (as in the landing model)."""
    from sftmart.paths import BUNDLED_SAMPLE

    base = project_var_defaults() if defaults is None else defaults
    params = {**base, **EXTRA_PARAMETERS, **(dbt_vars or {})}
    for name in _FLOATS:
        if params.get(name) is not None:
            params[name] = float(params[name])
    for name in _INTS:
        if params.get(name) is not None:
            params[name] = int(params[name])
    params["raw_root"] = str(params.get("raw_root") or BUNDLED_SAMPLE)
    if isinstance(params.get("follow_external_symlinks"), str):
        params["follow_external_symlinks"] = params["follow_external_symlinks"].lower() == "true"
    return params


def scalar_parameters(params: dict) -> dict:
    """The parameters GX and `_gx_params` can take: numbers, text and flags."""
    return {k: v for k, v in params.items() if isinstance(v, (int, float, str, bool))}
