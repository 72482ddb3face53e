"""LoRA runs where the `compute` var says (`train_jobs`): in-process one after the other, or as Ray
tasks (`backend: ray`): each run not finished yet is one
task (udfs/compute/tasks.py: gpus_per_worker / cpus_per_worker each, `workers` at once) that calls
`train_lora` with the run's own out_dir, so the adapter, its run.json and its checkpoints are
written where the node reads them: out_dir must be the same path on every node (a shared path in a
multi-node cluster). The driver reuses a finished run (run.json of the same fingerprint) without
the cluster; a task whose worker died is rerun, that run only, and resumes from its latest
checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from training.config import TrainConfig
from training.data import data_fingerprint
from training.models import ModelSpec, model_fingerprint
from training.runs import TrainingRun, reuse_recorded, run_fingerprint
from udfs.compute.config import parse_compute


@dataclass(frozen=True)
class LoraJob:
    label: str  # what the driver's messages call the run: <arm>-<seed>
    rows: list[dict]  # sample_id, prompt, response, in training order
    config: TrainConfig
    out_dir: str
    data_source: str
    heldout_rows: tuple[dict, ...] = ()  # rows it never trains on, whose loss the run records


def finished_run(spec: ModelSpec, job: LoraJob) -> TrainingRun | None:
    """The recorded run of the job's fingerprint in its out_dir, as `train_lora` would reuse it."""
    heldout_fp = data_fingerprint(list(job.heldout_rows)) if job.heldout_rows else None
    fingerprint = run_fingerprint(model_fingerprint(spec), data_fingerprint(job.rows), job.config, heldout_fp)
    return reuse_recorded(Path(job.out_dir), fingerprint)


def train_job(spec: ModelSpec, job: LoraJob) -> TrainingRun:
    """What a task runs on its worker."""
    from training.train import train_lora

    return train_lora(
        spec,
        job.rows,
        job.config,
        job.out_dir,
        data_source=job.data_source,
        progress=False,
        heldout_rows=list(job.heldout_rows),
    )


def train_on_ray(compute, spec: ModelSpec, jobs: list[LoraJob], progress: bool = True) -> list[TrainingRun]:
    """Every job's run, in order: reused ones from their out_dir, the others trained on the cluster."""
    from udfs.compute.tasks import run_tasks

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
    from training.train import train_lora

    return [
        train_lora(
            spec, job.rows, job.config, job.out_dir, data_source=job.data_source, heldout_rows=list(job.heldout_rows)
        )
        for job in tqdm(jobs, desc=desc, unit="adapter", disable=len(jobs) < 2)
    ]
