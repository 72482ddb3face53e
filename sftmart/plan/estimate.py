"""The plan itself: every node's rows, tokens, seconds, peak RSS, disk and cache state.

`Planner` gathers what does not depend on the budgets once (the nodes, the volumes, the
calibration, the caches); `plan(vars)` then prices a set of vars in milliseconds, so
sftmart.plan.suggest can try changes and check that they fit.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from sftmart.paths import EVAL_OFF
from sftmart.plan import costs, training_settings
from sftmart.plan.volumes import Volume, model_layer_volumes, scan_volumes, warehouse_is_current, warehouse_volumes

MODEL_NODES = ("guide_adapter", "mart_base_scores", "mart_guide_scores", "final_adapter", "mart_eval_results")
GPU_SPEEDUP = 25.0  # assumed: SmolLM2-135M on one data-centre GPU against these two cores (not measured here)
DEFAULT_EVAL_ROWS, DEFAULT_EVAL_TOKENS, DEFAULT_QA_GROUPS = 120, 110.0, 2  # the bundled evaluation set


@dataclass
class NodePlan:
    node: str
    layer: str
    rows: int
    tokens: int
    seconds: float
    peak_rss_mb: float
    disk_mb: float
    cached: bool | float  # True / False, or the cached share of the rows (scores)
    source: str  # rows from the "warehouse" or the raw "scan"
    alt_seconds: float | None = None  # on the compute var's Ray cluster, or a GPU


@dataclass
class Plan:
    vars: dict
    nodes: list[NodePlan]
    contention: float
    calibration: dict
    raw: dict
    alt_label: str
    wap_copy_mb: float
    start_seconds: float = costs.DBT_START_S
    notes: list[str] = field(default_factory=list)

    @property
    def total_seconds(self) -> float:
        return self.start_seconds * self.contention + sum(n.seconds for n in self.nodes)

    @property
    def peak_rss_mb(self) -> float:
        return max((n.peak_rss_mb for n in self.nodes), default=0.0)

    @property
    def disk_mb(self) -> float:
        return self.wap_copy_mb + sum(n.disk_mb for n in self.nodes)

    def largest(self, n: int = 3) -> list[NodePlan]:
        return sorted(self.nodes, key=lambda x: -x.seconds)[:n]

    def model_layer_seconds(self) -> float:
        return sum(n.seconds for n in self.nodes if n.node in MODEL_NODES)

    def to_json(self) -> dict:
        return {
            "total_seconds": round(self.total_seconds, 1),
            "contention": round(self.contention, 2),
            "peak_rss_mb": round(self.peak_rss_mb),
            "disk_mb": round(self.disk_mb, 1),
            "write_audit_publish_copy_mb": round(self.wap_copy_mb, 1),
            "alternative": self.alt_label,
            "raw": self.raw,
            "nodes": [
                {k: (round(v, 2) if isinstance(v, float) else v) for k, v in asdict(n).items()} for n in self.nodes
            ],
        }


class Planner:
    def __init__(
        self,
        dbt_vars: dict,
        warehouse: Path,
        recalibrate: bool = False,
        calibration: dict | None = None,
        measure: bool = True,
    ):
        import duckdb

        from sftmart.plan import raw_root_of
        from sftmart.plan.nodes import dag_nodes
        from sftmart.plan.scan import scan_raw, tokenizer_counter

        self.vars, self.warehouse, self.measure = dbt_vars, warehouse, measure
        self.nodes = dag_nodes()
        self.raw_root = raw_root_of(dbt_vars)
        self.scan = scan_raw(self.raw_root, tokenizer_counter(dbt_vars["tokenizer"]))
        self.volumes: dict[str, Volume] = scan_volumes(self.nodes, self.scan, dbt_vars, DEFAULT_EVAL_ROWS)
        self.cache = {"base_scores": 0.0, "guide_scores": 0.0, "adapters": {}, "evaluated": 0, "runs": {}}
        self.eval = (DEFAULT_EVAL_ROWS, DEFAULT_EVAL_TOKENS, DEFAULT_QA_GROUPS)
        self.current = False
        if warehouse.exists():
            with duckdb.connect(str(warehouse), read_only=True) as con:
                self.current = warehouse_is_current(con, self.raw_root.resolve())
                if self.current:
                    self.volumes |= warehouse_volumes(con, self.nodes)
                    self._read_caches(con)
        self.wap_copy_mb = warehouse.stat().st_size / 2**20 if warehouse.exists() else 0.0
        self.contention = costs.contention()  # one figure per planner: every priced variant compares alike
        self.calibration = calibration or (self._calibrate(recalibrate) if dbt_vars["model_layer"] else {})

    def _read_caches(self, con) -> None:
        from sftmart.plan import cache

        self.cache["base_scores"] = cache.scored_share(con, self.warehouse, self.vars, self.vars["base_model"])
        for node in cache.ADAPTER_NODES:
            hit, run = cache.adapter_cached(con, node, self.vars)
            self.cache["adapters"][node] = hit
            if node == "guide_adapter" and hit and run.get("merged_model_path"):
                self.cache["guide_scores"] = cache.scored_share(
                    con, self.warehouse, self.vars, run["merged_model_path"]
                )
        self.cache["evaluated"] = cache.evaluated_models(con)
        try:
            n, tokens, qa = con.execute(
                "select count(*), avg(length(prompt) + length(coalesce(response, ''))) / 3.5,"
                " count(distinct eval_set || lang) filter (where options is null)"
                " from intermediate.int_eval_records_filtered"
            ).fetchone()
            if n:
                self.eval = (n, float(tokens), qa)
        except Exception:
            pass

    def _calibrate(self, recalibrate: bool) -> dict:
        from sftmart.plan.calibrate import UNCALIBRATED, cached_calibration, calibration
        from training.dag import model_spec_from_settings

        spec = model_spec_from_settings(self.vars)
        if self.measure is False:  # a plan that must not calibrate: the stored figures, or the defaults
            cal = dict(cached_calibration(spec) or UNCALIBRATED)
        else:
            cal = dict(calibration(spec, recalibrate=recalibrate))
        measured_under = max(1.0, cal.get("load_per_core", 1.0))
        for key in ("score_tokens_per_s", "train_tokens_per_s", "generate_tokens_per_s"):
            cal[key] *= measured_under  # back to quiet figures
        for key in ("load_seconds", "train_setup_seconds"):
            cal[key] /= measured_under
        return cal

    def _train_tokens(self, v: dict, budget_tokens: float, per_row: float) -> float:
        if v.get("max_steps"):
            return float(v["max_steps"]) * v["train_batch_size"] * v["grad_accumulation"] * per_row
        return budget_tokens * v["epochs"]

    def _model_cost(self, name: str, v: dict, ml: dict) -> tuple[float, float, bool | float]:
        """(quiet seconds, RSS MB, cached) of a model-heavy node."""
        cal, per_row = self.calibration, ml["tokens_per_row"]
        if name in ("mart_base_scores", "mart_guide_scores"):
            share = self.cache["base_scores" if name == "mart_base_scores" else "guide_scores"]
            tokens = ml["scored_tokens"] * (1 - share)
            ifd = name == "mart_base_scores" and costs.ifd_needed(v)
            secs = costs.score_seconds(tokens, cal, ifd=ifd) if tokens else 1.0
            return secs, costs.MODEL_RSS_MB["score"], round(share, 3)
        if name in ("guide_adapter", "final_adapter"):
            if self.cache["adapters"].get(name):
                return 1.0, costs.BASE_RSS_MB, True
            budget = ml["guide_tokens" if name == "guide_adapter" else "mix_tokens"]
            settings = training_settings(name, v)
            tokens = self._train_tokens(settings, budget, per_row)
            if name == "final_adapter":
                return costs.train_seconds(tokens, cal, merge=False), costs.MODEL_RSS_MB["train"], False
            # each guide (two with cross-fitting): its run, its held-out rows' loss before and after, its merge
            guides = 2 if v.get("guide_cross_fit") else 1
            if not settings.get("max_steps"):
                tokens /= guides  # each guide trains on its half of the guide sample
            guide_rows = min(ml["pool_rows"], ml["guide_tokens"] / per_row if per_row else 0.0)
            heldout = min(float(v.get("guide_heldout_rows") or 0), guide_rows / 2)
            heldout_s = 2 * heldout * per_row / cal["score_tokens_per_s"]
            return (
                guides * (costs.train_seconds(tokens, cal, merge=True) + heldout_s),
                costs.MODEL_RSS_MB["train"],
                False,
            )
        if v.get("eval_root") == EVAL_OFF:  # no evaluation set: the node returns an empty table
            return 1.0, costs.BASE_RSS_MB, False
        rows, tokens_per_row, qa = self.eval
        cached_models = min(self.cache["evaluated"], 1 if not self.cache["adapters"].get("final_adapter") else 2)
        models = 2 - cached_models
        gens = int(v["eval_generation_samples"]) * qa
        secs = costs.eval_seconds(models, rows * tokens_per_row, gens, int(v["eval_max_new_tokens"]), cal)
        return max(secs, 1.0), costs.MODEL_RSS_MB["eval"], cached_models == 2

    def plan(self, dbt_vars: dict | None = None) -> Plan:
        v = self.vars | (dbt_vars or {})
        factor = self.contention
        ml = model_layer_volumes(self.volumes, v)
        text_bytes = self.scan.text_bytes_per_record or 400.0
        by_id = {n.unique_id: n for n in self.nodes}
        ray = (v.get("compute") or {}).get("backend") == "ray"
        workers = int((v.get("compute") or {}).get("workers") or 1)
        out = []
        for node in self.nodes:
            vol = self.volumes.get(node.name, Volume(0.0, 0.0, "scan"))
            parents = [
                self.volumes[by_id[p].name].rows for p in node.parents if p in by_id and by_id[p].name in self.volumes
            ]
            rows_in = max(parents + [vol.rows])
            if node.resource_type == "test":
                rows_in = max(parents or [0.0])
            cached: bool | float = False
            alt = None
            if v["model_layer"] and node.name in MODEL_NODES:
                quiet, rss, cached = self._model_cost(node.name, v, ml)
                alt = quiet / (workers if ray else GPU_SPEEDUP)
                tokens = ml["scored_tokens"] if "scores" in node.name else vol.tokens
            else:
                quiet, rss, tokens = costs.sql_seconds(node, rows_in), costs.sql_rss_mb(rows_in, text_bytes), vol.tokens
            out.append(
                NodePlan(
                    node=node.name if node.resource_type != "test" else f"test:{node.name}",
                    layer=node.layer,
                    rows=round(vol.rows if node.resource_type != "test" else rows_in),
                    tokens=round(tokens),
                    seconds=quiet * factor,
                    peak_rss_mb=rss,
                    disk_mb=costs.disk_mb(node, vol.rows, text_bytes),
                    cached=cached,
                    source=vol.source,
                    alt_seconds=None if alt is None else alt * (factor if ray else 1.0),
                )
            )
        raw = {"root": str(self.raw_root), "files": self.scan.files, "bytes": self.scan.bytes}
        raw |= {"records": round(self.scan.records), "tokens_per_record": round(self.scan.tokens_per_record, 1)}
        raw |= {"exact": self.scan.exact, "warehouse_current": self.current}
        label = f"Ray, {workers} worker(s)" if ray else "one GPU (assumed 25x these cores, not measured)"
        return Plan(v, out, factor, self.calibration, raw, label, self.wap_copy_mb)
