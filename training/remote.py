"""LoRA runs where the `compute` var says (`train_jobs`): in-process one after the other, or as Ray
tasks (`backend: ray`): each run not finished yet is one
task (compute/tasks.py: gpus_per_worker / cpus_per_worker each, `workers` at once) that calls
`train_lora` with the run's own out_dir, so the adapter, its run.json and its checkpoints are
written where the node reads them: out_dir must be the same path on every node (a shared path in a
multi-node cluster). The driver reuses a finished run (run.json of the same fingerprint) without
the cluster; a task whose worker died is rerun, that run only, and resumes from its latest
checkpoint.

A job of the dbt DAG (`warehouse_job`) has a content-addressed out_dir beside the warehouse
(sftmart.artefacts): it trains in its own work folder and is renamed into out_dir, whole, when
finished (`run_job`), so out_dir never holds half a run and is never rewritten."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, replace
from pathlib import Path

from compute.config import parse_compute
from sftmart.artefacts import adapter_dir, move_into_place, training_dir
from training.config import ADAPTER_DIR, RUN_FILE, TrainConfig
from training.data import data_fingerprint
from training.models import ModelSpec, model_fingerprint
from training.runs import TrainingRun, recorded_run, run_fingerprint


@dataclass(frozen=True)
class LoraJob:
    label: str  # what the driver's messages call the run: <arm>-<seed>
    rows: list[dict]  # sample_id, prompt, response, in training order
    config: TrainConfig
    out_dir: str
    data_source: str
    heldout_rows: tuple[dict, ...] = ()  # rows it never trains on, whose loss the run records


def job_fingerprint(spec: ModelSpec, rows: list[dict], config: TrainConfig, heldout_rows=()) -> str:
    """The run's identity as train_lora computes it (held-out rows join it only when there are some)."""
    heldout_fp = data_fingerprint(list(heldout_rows)) if heldout_rows else None
    return run_fingerprint(model_fingerprint(spec), data_fingerprint(rows), config, heldout_fp)


def warehouse_job(
    warehouse: Path, spec: ModelSpec, label: str, rows: list[dict], config, data_source: str, heldout_rows=()
) -> LoraJob:
    """A job of the dbt DAG: its adapter goes to its content-addressed folder beside `warehouse`
    (the published file, sftmart.artefacts.adapter_dir), where a rerun of the same inputs finds it."""
    out_dir = adapter_dir(warehouse, label, job_fingerprint(spec, rows, config, heldout_rows))
    return LoraJob(label, rows, config, str(out_dir), data_source, tuple(heldout_rows))


def finished_run(spec: ModelSpec, job: LoraJob) -> TrainingRun | None:
    """The recorded run of the job's fingerprint in its out_dir, read only (out_dir is never
    written once it is there), marked reused."""
    out_dir = Path(job.out_dir)
    previous = recorded_run(out_dir, job_fingerprint(spec, job.rows, job.config, job.heldout_rows))
    if previous is None:
        return None
    print(f"Reusing the adapter in {out_dir / ADAPTER_DIR} (same model, data and config)", file=sys.stderr)
    return replace(previous, reused=True, adapter_path=str(out_dir / ADAPTER_DIR))


def run_job(spec: ModelSpec, job: LoraJob, progress: bool = True) -> TrainingRun:
    """The job's run: reused from out_dir, or trained (resumed) in its work folder, its record
    pointed at out_dir and the folder renamed there whole."""
    from training.train import train_lora

    done = finished_run(spec, job)
    if done is not None:
        return done
    out_dir = Path(job.out_dir)
    work = training_dir(out_dir)
    run = train_lora(
        spec,
        job.rows,
        job.config,
        work,
        data_source=job.data_source,
        progress=progress,
        heldout_rows=list(job.heldout_rows),
    )
    run = replace(run, adapter_path=str(out_dir / ADAPTER_DIR))
    record = json.loads((work / RUN_FILE).read_text()) | {"adapter_path": run.adapter_path}
    staging = work / f".{RUN_FILE}.final"
    staging.write_text(json.dumps(record, indent=2))
    staging.replace(work / RUN_FILE)  # a kill after this leaves a finished run that the rerun moves
    if not move_into_place(work, out_dir):  # another writer finished the same run first: use that one
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        return finished_run(spec, job) or run
    return run


def train_job(spec: ModelSpec, job: LoraJob) -> TrainingRun:
    """What a task runs on its worker."""
    return run_job(spec, job, progress=False)


def train_on_ray(compute, spec: ModelSpec, jobs: list[LoraJob], progress: bool = True) -> list[TrainingRun]:
    """Every job's run, in order: reused ones from their out_dir, the others trained on the cluster."""
    from compute.tasks import run_tasks

    runs = [finished_run(spec, job) for job in jobs]
    todo = [i for i, run in enumerate(runs) if run is None]
    trained = run_tasks(
        compute,
        train_job,
        [{"job": jobs[i]} for i in todo],
        labels=[jobs[i].label for i in todo],
        desc="LoRA runs",
        shared={"spec": spec},
        progress=progress,
    )
    for i, run in zip(todo, trained):
        runs[i] = run
    return runs


def train_jobs(compute, spec: ModelSpec, jobs: list[LoraJob], desc: str = "LoRA runs") -> list[TrainingRun]:
    """Every job's run, in order, trained (or reused) in-process or on the cluster as `compute`
    (the var's value) says."""
    from tqdm.auto import tqdm

    config = parse_compute(compute)
    if config.is_ray:
        return train_on_ray(config, spec, jobs)
    return [run_job(spec, job) for job in tqdm(jobs, desc=desc, unit="adapter", disable=len(jobs) < 2)]
