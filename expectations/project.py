"""The GX 1.x file-mode project of a warehouse: in the folder the project owns beside it
(`<warehouse>.sftmart/gx/`, sftmart.paths.warehouse_state_dir), never in the source tree, and
regenerated from `expectations.definitions` on every validation. A dbt run's build copy of the
warehouse validates into the project of the warehouse it will be published as.

Layout (GX's own, under <warehouse>.sftmart/):
  gx/great_expectations.yml                  context config (analytics and progress bars off)
  gx/expectations/<layer>/<target>.json      one suite per target of a layer suite
  gx/validation_definitions/<layer>.<target>.json
                                             the suite + that target's whole-dataframe batch definition
  gx/uncommitted/validations/                every validation result
  gx/uncommitted/data_docs/local_site/       the Data Docs site (static/offline/: the scripts and
                                             styles its pages load, see expectations.offline_docs)

A GX suite validates one DataFrame, so a layer suite (several tables) becomes one GX suite per
target, named `<layer>.<target>`; each expectation's meta carries its target, severity and
position in the target.
"""

from __future__ import annotations

import os
from pathlib import Path

from expectations.checks import Check, SuiteDef, Target
from expectations.definitions import EXTRA_PARAMETERS, SUITES

DATASOURCE = "sftmart_duckdb_batches"
DOCS_SITE = "local_site"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


def gx_root_for(db_path: str | os.PathLike) -> Path:
    """The folder GX makes its `gx/` project in: the warehouse's own folder, `<warehouse>.sftmart/`
    (for a build copy, that of the warehouse it will be published as)."""
    from sftmart.paths import published_path, warehouse_state_dir

    return warehouse_state_dir(published_path(db_path))


def docs_index(db_path: str | os.PathLike | None = None, gx_root: str | os.PathLike | None = None) -> Path:
    """The Data Docs index of a warehouse (default: $SFTMART_DB, else the repo's warehouse)."""
    if gx_root is None:
        from sftmart.paths import warehouse_path

        gx_root = gx_root_for(db_path or warehouse_path())
    return Path(gx_root) / "gx" / "uncommitted" / "data_docs" / DOCS_SITE / "index.html"


def get_context(gx_root: str | os.PathLike):
    """The file-mode context at `gx_root` (created on first use, with analytics and progress bars off)."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    fresh = not (Path(gx_root) / "gx" / "great_expectations.yml").exists()
    context = gx.get_context(mode="file", project_root_dir=str(gx_root))
    if fresh:
        context.variables.analytics_enabled = False
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.variables.save()
    return context


def to_expectation(check: Check, position: int):
    import great_expectations.expectations as gxe
    from great_expectations.expectations.metadata_types import FailureSeverity

    cls = getattr(gxe, check.type)
    severity = FailureSeverity.CRITICAL if check.severity == "error" else FailureSeverity.WARNING
    return cls(
        **check.kwargs,
        notes=check.notes or None,
        severity=severity,
        meta={"target": check.target, "severity": check.severity, "position": position},
    )


def suite_name(layer: str, target: str) -> str:
    return f"{layer}.{target}"


def to_suite(definition: SuiteDef, target: Target):
    """The GX suite of one target of a layer suite."""
    import great_expectations as gx

    return gx.ExpectationSuite(
        name=suite_name(definition.layer, target.name),
        expectations=[to_expectation(c, i) for i, c in enumerate(definition.checks_of(target.name))],
        meta={
            "layer": definition.layer,
            "layer_description": definition.description,
            "target": {"name": target.name, **target.meta()},
            "blocking": "expectations with meta.severity = 'error' fail the layer's validation node "
            "(and dbt skips everything downstream); 'warning' is reported",
            "validated_by": "expectations.validate.validate_layer: the target's SQL runs on the dbt "
            "session's DuckDB connection; 'rows' targets stream in record batches "
            "validated one by one, 'aggregate' targets are computed by DuckDB over the "
            "whole relation and GX validates the small result",
            "parameter_defaults": EXTRA_PARAMETERS,
        },
    )


def validation_definitions(context, layer: str) -> dict:
    """The layer's validation definitions by target name, saved from the definitions (added or
    updated); suites and definitions of targets that no longer exist are deleted."""
    import great_expectations as gx

    definition = SUITES[layer]
    try:
        datasource = context.data_sources.get(DATASOURCE)
    except KeyError:
        datasource = context.data_sources.add_pandas(DATASOURCE)
    try:
        asset = datasource.get_asset(layer)
    except LookupError:
        asset = datasource.add_dataframe_asset(layer)
    wanted = {suite_name(layer, t.name) for t in definition.targets}
    for stale in [v.name for v in context.validation_definitions.all()]:
        if stale.startswith(f"{layer}.") and stale not in wanted:
            context.validation_definitions.delete(stale)
    for stale in [s.name for s in context.suites.all()]:
        if stale.startswith(f"{layer}.") and stale not in wanted:
            context.suites.delete(stale)
    out = {}
    for target in definition.targets:
        name = suite_name(layer, target.name)
        try:
            batch_definition = asset.get_batch_definition(target.name)
        except KeyError:
            batch_definition = asset.add_batch_definition_whole_dataframe(target.name)
        suite = context.suites.add_or_update(to_suite(definition, target))
        out[target.name] = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
        )
    return out


def build_docs(context, result_keys: list) -> Path | None:
    """Renders the given validation results, their suites' pages and the index of the Data Docs
    site, pointed at the site's own copies of the scripts and styles (expectations.offline_docs);
    returns the index."""
    from expectations.offline_docs import localise

    suite_keys = list(
        {key.expectation_suite_identifier.name: key.expectation_suite_identifier for key in result_keys}.values()
    )
    keys = [*result_keys, *suite_keys]  # the suite pages that the results and the index link to
    urls = context.build_data_docs(site_names=[DOCS_SITE], resource_identifiers=keys)
    url = urls.get(DOCS_SITE)
    if not url:
        return None
    index = Path(url.removeprefix("file://"))
    pages = [
        Path(site["site_url"].removeprefix("file://"))
        for key in keys
        for site in context.get_docs_sites_urls(resource_identifier=key, site_name=DOCS_SITE)
        if site.get("site_url")
    ]
    localise(index.parent, [index, *pages])
    return index
