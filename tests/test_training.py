"""The LoRA training module on a tiny random Llama (tests/lm_fixtures.py): masking, dropping,
learning, saving/reloading, resuming, reuse and the CLI against a small DuckDB file."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

import training  # noqa: F401  (first: it sets OMP_WAIT_POLICY=PASSIVE before torch loads)

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from lm_fixtures import make_tiny_model_dir  # noqa: E402

from sftmart.prompts import alpaca_prompt  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.data import (  # noqa: E402
    IGNORE_INDEX,
    collate,
    data_fingerprint,
    encode_rows,
    encode_sample,
    length_grouped_batches,
    read_mart,
)
from training.loss import evaluate_loss  # noqa: E402
from training.models import ModelSpec, load_model_and_tokenizer, load_tokenizer, merge_adapter, target_modules_for  # noqa: E402
from training.runs import read_run_history, recorded_run, run_fingerprint  # noqa: E402
from training.train import plan_steps, train_lora  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*is_gradient_checkpointing.*:FutureWarning"
)  # peft 0.21 x transformers 5
REPO = Path(__file__).resolve().parent.parent
WORDS = ["apple", "river", "stone", "cloud", "tiger", "maple", "piano", "ocean"]


def make_rows(n: int = 16) -> list[dict]:
    rows = []
    for i in range(n):
        word = WORDS[i % len(WORDS)]
        rows.append(
            {
                "sample_id": f"s{i:03d}",
                "prompt": alpaca_prompt(f"Repeat the word {word} three times."),
                "response": f"{word} {word} {word}",
            }
        )
    return rows


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> ModelSpec:
    # hidden 64 rather than 32: a random model's logits are tiny, and wider vectors let LoRA move them
    directory = make_tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model", hidden_size=64)
    return ModelSpec(path=str(directory), device="cpu")


@pytest.fixture(scope="module")
def tokenizer(spec):
    return load_tokenizer(spec)


def fast_config(**overrides) -> TrainConfig:
    values = dict(
        learning_rate=1e-2,
        max_steps=6,
        batch_size=4,
        grad_accumulation=1,
        max_length=128,
        warmup_ratio=0.0,
        checkpoint_every=0,
        lora_dropout=0.0,
    )
    return TrainConfig(**(values | overrides))


# -- data ---------------------------------------------------------------------------------------


def test_labels_mask_the_prompt_exactly(tokenizer):
    prompt, response = alpaca_prompt("Name a colour.", "Think of the sky."), "Blue, like 42 skies."
    example = encode_sample(tokenizer, prompt, response)
    n_masked = sum(1 for label in example.labels if label == IGNORE_INDEX)
    assert tokenizer.decode(example.input_ids[:n_masked]) == prompt
    assert all(label == IGNORE_INDEX for label in example.labels[:n_masked])
    assert example.labels[n_masked:] == example.input_ids[n_masked:]
    assert tokenizer.decode(example.labels[n_masked:]) == response + tokenizer.eos_token
    assert example.input_ids[-1] == tokenizer.eos_token_id

    short = encode_sample(tokenizer, alpaca_prompt("Hi"), "Hello")
    batch = collate([example, short], tokenizer.pad_token_id)
    assert batch["input_ids"].shape == (2, len(example))
    pad = len(example) - len(short)
    assert batch["attention_mask"][1].tolist() == [1] * len(short) + [0] * pad
    assert batch["labels"][1, len(short) :].tolist() == [IGNORE_INDEX] * pad  # right padding, never trained


def test_over_length_samples_are_dropped_and_counted(tokenizer):
    rows = make_rows(4) + [{"sample_id": "long", "prompt": alpaca_prompt("Write a lot."), "response": "word " * 300}]
    data = encode_rows(tokenizer, rows, max_length=128)
    assert data.n_dropped_over_length == 1 and data.dropped_ids == ["long"]
    assert len(data.examples) == 4 and max(data.lengths) <= 128
    assert encode_rows(tokenizer, rows, max_length=4096).n_dropped_over_length == 0


def test_length_grouped_batches_cover_every_sample_once():
    lengths = [5, 50, 7, 300, 12, 48, 9, 11, 60, 3, 33]
    batches = length_grouped_batches(lengths, batch_size=3, seed=1, mega_batch_factor=2)
    flat = [i for batch in batches for i in batch]
    assert sorted(flat) == list(range(len(lengths)))
    assert all(1 <= len(b) <= 3 for b in batches)
    assert 3 in batches[0]  # the longest sample's batch comes first
    assert batches == length_grouped_batches(lengths, batch_size=3, seed=1, mega_batch_factor=2)
    steps = plan_steps(lengths, TrainConfig(batch_size=3, grad_accumulation=2, max_steps=7))
    assert len(steps) == 7 and all(1 <= len(s) <= 2 for s in steps)
    assert len(plan_steps(lengths, TrainConfig(batch_size=3, grad_accumulation=2, epochs=3))) == 3 * 2


def test_data_fingerprint_sees_every_field():
    rows = make_rows(3)
    base = data_fingerprint(rows)
    assert data_fingerprint(make_rows(3)) == base
    for key in ("sample_id", "prompt", "response"):
        changed = [dict(r) for r in rows]
        changed[1][key] += "x"
        assert data_fingerprint(changed) != base


# -- models -------------------------------------------------------------------------------------


def test_model_spec_and_target_modules(spec):
    assert ModelSpec.from_json(spec.to_json()) == spec
    assert spec.resolved_dtype() == torch.float32 and spec.resolved_device() == "cpu"
    assert ModelSpec().trust_remote_code is False
    with pytest.raises(ValueError):
        ModelSpec(dtype="int3")
    model, tokenizer = load_model_and_tokenizer(spec)
    assert tokenizer.pad_token_id is not None
    assert target_modules_for(model) == ["q_proj", "k_proj", "v_proj", "o_proj"]
    assert target_modules_for(model, ["q_proj"]) == ["q_proj"]

    from transformers import GPT2Config, GPT2LMHeadModel

    gpt2 = GPT2LMHeadModel(GPT2Config(vocab_size=64, n_positions=16, n_embd=8, n_layer=1, n_head=2))
    assert target_modules_for(gpt2) == ["c_attn"]


# -- training -----------------------------------------------------------------------------------


def test_trimmed_logits_give_the_same_loss(spec, tokenizer):
    from training.loss import accepts_logits_to_keep, batch_loss_sum
    from training.train import attach_lora

    model, _ = load_model_and_tokenizer(spec)
    model = attach_lora(model, fast_config())
    assert accepts_logits_to_keep(model)
    rows = make_rows(3) + [{"sample_id": "x", "prompt": alpaca_prompt("Longer instruction " * 5), "response": "ok"}]
    batch = collate(encode_rows(tokenizer, rows, 256).examples, tokenizer.pad_token_id)
    model.eval()
    with torch.no_grad():
        torch.testing.assert_close(batch_loss_sum(model, batch, True), batch_loss_sum(model, batch, False))


def test_bfloat16_on_cpu_trains_under_autocast(spec, tmp_path):
    bf16 = ModelSpec(path=spec.path, device="cpu", dtype="bfloat16")
    run = train_lora(bf16, make_rows(8), fast_config(max_steps=2), tmp_path / "bf16", progress=False)
    assert run.steps == 2 and all(map(math.isfinite, (run.first_loss, run.last_loss)))


@pytest.fixture(scope="module")
def trained(spec, tmp_path_factory):
    """One LoRA run on 16 samples; captures the in-memory model's logits after the last step."""
    rows = make_rows(16)
    config = fast_config(max_steps=24)
    probe = collate(encode_rows(load_tokenizer(spec), rows[:2], 128).examples, 2)
    captured = {}

    def capture(step, loss, model):
        if step == config.max_steps:
            model.eval()
            with torch.no_grad():
                captured["logits"] = model(
                    input_ids=probe["input_ids"], attention_mask=probe["attention_mask"]
                ).logits.clone()
            model.train()

    out = tmp_path_factory.mktemp("lora")
    run = train_lora(spec, rows, config, out, progress=False, callback=capture)
    return {"run": run, "rows": rows, "config": config, "out": out, "probe": probe, "logits": captured["logits"]}


def test_lora_training_lowers_the_loss_and_reloads(spec, trained):
    from peft import PeftModel

    run, rows = trained["run"], trained["rows"]
    assert not run.reused and run.steps == 24 and run.n_samples == 16 and run.n_dropped_over_length == 0
    assert run.tokens_seen > 0 and run.first_loss > run.tail_loss_mean
    assert (Path(run.adapter_path) / "adapter_config.json").exists()
    assert json.loads((trained["out"] / "run.json").read_text())["fingerprint"] == run.fingerprint
    assert not (trained["out"] / "checkpoints").exists()

    base, tokenizer = load_model_and_tokenizer(spec)
    examples = encode_rows(tokenizer, rows, 128).examples
    loss_before = evaluate_loss(base, examples, tokenizer.pad_token_id)
    tuned = PeftModel.from_pretrained(base, run.adapter_path)
    loss_after = evaluate_loss(tuned, examples, tokenizer.pad_token_id)
    assert loss_after < loss_before - 0.1, (loss_before, loss_after)  # measured: 10.57 -> 10.39

    probe = trained["probe"]
    with torch.no_grad():
        logits = tuned(input_ids=probe["input_ids"], attention_mask=probe["attention_mask"]).logits
    torch.testing.assert_close(logits, trained["logits"], rtol=1e-5, atol=1e-5)


def test_merged_model_matches_the_adapter(spec, trained, tmp_path):
    from transformers import AutoModelForCausalLM

    merged_dir = merge_adapter(spec, trained["run"].adapter_path, tmp_path / "merged")
    assert (merged_dir / "config.json").exists() and (merged_dir / "tokenizer.json").exists()
    merged = AutoModelForCausalLM.from_pretrained(str(merged_dir))
    probe = trained["probe"]
    with torch.no_grad():
        logits = merged(input_ids=probe["input_ids"], attention_mask=probe["attention_mask"]).logits
    torch.testing.assert_close(logits, trained["logits"], rtol=1e-4, atol=1e-4)
    mtime = (merged_dir / "model.safetensors").stat().st_mtime_ns
    assert merge_adapter(spec, trained["run"].adapter_path, tmp_path / "merged") == merged_dir
    assert (merged_dir / "model.safetensors").stat().st_mtime_ns == mtime  # reused, not merged again


def test_same_fingerprint_reuses_the_recorded_run(spec, trained):
    out, run = trained["out"], trained["run"]
    weights = Path(run.adapter_path) / "adapter_model.safetensors"
    mtime = weights.stat().st_mtime_ns
    again = train_lora(spec, trained["rows"], trained["config"], out, progress=False)
    assert again.reused and again.fingerprint == run.fingerprint and again.steps == run.steps
    assert weights.stat().st_mtime_ns == mtime
    # checkpoint cadence does not change what a run produces; seed and data do
    assert (
        run_fingerprint(run.model_fingerprint, run.data_fingerprint, fast_config(max_steps=24, checkpoint_every=5))
        == run.fingerprint
    )
    assert (
        recorded_run(
            out, run_fingerprint(run.model_fingerprint, run.data_fingerprint, fast_config(max_steps=24, seed=7))
        )
        is None
    )
    assert (
        recorded_run(
            out, run_fingerprint(run.model_fingerprint, data_fingerprint(trained["rows"][:-1]), trained["config"])
        )
        is None
    )


class Stop(Exception):
    pass


def test_interrupted_run_resumes_from_its_checkpoint(spec, tmp_path, capfd):
    rows = make_rows(12)
    config = fast_config(max_steps=7, checkpoint_every=2, lora_dropout=0.1)

    def stop_at_3(step, loss, model):
        if step == 3:
            raise Stop

    with pytest.raises(Stop):
        train_lora(spec, rows, config, tmp_path / "resumed", progress=False, callback=stop_at_3)
    checkpoints = sorted(p.name for p in (tmp_path / "resumed" / "checkpoints").iterdir())
    assert checkpoints == ["step-0000003"]  # saved on the interruption; the step-2 one was replaced
    assert not (tmp_path / "resumed" / "adapter").exists()

    seen = []
    resumed = train_lora(
        spec, rows, config, tmp_path / "resumed", progress=False, callback=lambda step, loss, model: seen.append(step)
    )
    assert "Resuming from" in capfd.readouterr().err
    assert seen == [4, 5, 6, 7] and resumed.steps == 7 and not resumed.reused

    straight = train_lora(spec, rows, config, tmp_path / "straight", progress=False)
    assert resumed.fingerprint == straight.fingerprint
    assert resumed.tokens_seen == straight.tokens_seen
    curve = lambda name: json.loads((tmp_path / name / "run.json").read_text())["loss_curve"]  # noqa: E731
    assert curve("resumed") == pytest.approx(curve("straight"), abs=1e-6)
    from safetensors.torch import load_file

    a = load_file(str(tmp_path / "resumed" / "adapter" / "adapter_model.safetensors"))
    b = load_file(str(tmp_path / "straight" / "adapter" / "adapter_model.safetensors"))
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)


def test_checkpoints_by_wall_time_as_well_as_by_steps(spec, tmp_path):
    """checkpoint_seconds saves whenever that much training time passed since the last save (the
    dbt nodes use 90 s), so a kill -9 loses at most that much work whatever the step interval."""
    checkpoints = tmp_path / "timed" / "checkpoints"
    seen = {}

    def look(step, loss, model):
        seen[step] = sorted(p.name for p in checkpoints.iterdir()) if checkpoints.exists() else []

    config = fast_config(max_steps=4, checkpoint_every=0, checkpoint_seconds=1e-6)
    run = train_lora(spec, make_rows(8), config, tmp_path / "timed", progress=False, callback=look)
    assert seen == {1: ["step-0000001"], 2: ["step-0000002"], 3: ["step-0000003"], 4: ["step-0000003"]}
    assert not checkpoints.exists() and run.steps == 4  # a finished run keeps no checkpoint

    seen.clear()
    train_lora(
        spec,
        make_rows(8),
        fast_config(max_steps=4, checkpoint_every=0, checkpoint_seconds=3600),
        tmp_path / "slow",
        progress=False,
        callback=look,
    )
    assert seen == {1: [], 2: [], 3: [], 4: []}
    assert json.loads(config.to_json())["checkpoint_seconds"] == 1e-6
    assert config.fingerprint_json() == fast_config(max_steps=4, checkpoint_every=0).fingerprint_json()


# -- CLI ----------------------------------------------------------------------------------------


def test_cli_trains_from_a_mart_and_records_the_run(spec, tmp_path, capsys):
    """The CLI reads the warehouse read-only and appends each run to OUT/runs.jsonl (no DDL)."""
    import duckdb

    from training.__main__ import main

    db = tmp_path / "wh.duckdb"
    rows = make_rows(8) + [{"sample_id": "zz-long", "prompt": alpaca_prompt("Ramble."), "response": "la " * 400}]
    with duckdb.connect(str(db)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.mart_training_mix (sample_id varchar, lang varchar, prompt varchar, response varchar)"
        )
        con.executemany(
            "insert into marts.mart_training_mix values (?, 'en', ?, ?)",
            [(r["sample_id"], r["prompt"], r["response"]) for r in rows],
        )
    assert [r["sample_id"] for r in read_mart(db)] == [r["sample_id"] for r in rows]

    args = [
        "--mart",
        "marts.mart_training_mix",
        "--out",
        str(tmp_path / "run"),
        "--db",
        str(db),
        "--base",
        spec.path,
        "--max-steps",
        "3",
        "--batch-size",
        "4",
        "--lr",
        "1e-2",
        "--max-length",
        "128",
        "--device",
        "cpu",
        "--quiet",
    ]
    assert main(args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["steps"] == 3 and summary["n_samples"] == 8 and summary["n_dropped_over_length"] == 1
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["reused"] is True

    recorded = sorted(read_run_history(tmp_path / "run" / "runs.jsonl"), key=lambda r: r["reused"])
    assert len(recorded) == 2 and all(r["node"] == "cli" for r in recorded)
    first = recorded[0]
    assert (first["steps"], first["n_samples"], first["n_dropped_over_length"], first["reused"]) == (3, 8, 1, False)
    assert first["data_source"].endswith(":marts.mart_training_mix")
    assert json.loads(first["config_json"])["learning_rate"] == 1e-2
    assert first["started_at"] and recorded[1]["reused"] is True and recorded[1]["run_id"] == first["run_id"]
    with duckdb.connect(str(db), read_only=True) as con:  # the warehouse got no table from training
        assert con.sql("select table_schema || '.' || table_name from information_schema.tables").fetchall() == [
            ("marts.mart_training_mix",)
        ]


def test_cli_help_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "training", "--help"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0 and "--mart" in result.stdout


@pytest.mark.slow
def test_default_model_converts_once_and_loads():
    from training.models import default_model_dir

    directory = default_model_dir()
    assert (directory / "config.json").exists() and (directory / "tokenizer.json").exists()
    model, tokenizer = load_model_and_tokenizer(ModelSpec(device="cpu"))
    assert target_modules_for(model) == ["q_proj", "k_proj", "v_proj", "o_proj"]
    ids = tokenizer(alpaca_prompt("What is the capital of France?"), return_tensors="pt").input_ids
    with torch.no_grad():
        next_token = model(input_ids=ids).logits[0, -1].argmax().item()
    assert tokenizer.decode([next_token]).strip() != ""


def test_same_shaped_weights_get_different_fingerprints(tmp_path):
    from lm_fixtures import make_tiny_model_dir

    from training.models import ModelSpec, model_fingerprint

    first = make_tiny_model_dir(tmp_path / "a", seed=0)
    second = make_tiny_model_dir(tmp_path / "b", seed=1)
    assert model_fingerprint(ModelSpec(path=str(first))) != model_fingerprint(ModelSpec(path=str(second)))
    assert model_fingerprint(ModelSpec(path=str(first))) == model_fingerprint(ModelSpec(path=str(first)))


def test_two_runs_of_one_fingerprint_started_in_the_same_second_get_their_own_ids(tmp_path):
    """Arms whose mixes coincide train one fingerprint into two directories, often within a second
    (a small pool every arm takes whole): their run ids must differ, or the run history merges them."""
    from training.runs import run_id_for

    stamp, fingerprint = "2026-12-01T00:46:17+00:00", "94e2bb6420cb1d095ec6"
    a = run_id_for(stamp, fingerprint, tmp_path / "arms" / "curated-1")
    b = run_id_for(stamp, fingerprint, tmp_path / "arms" / "random-1")
    assert a != b and a.startswith("20261201T004617-94e2bb6420-")
    assert a == run_id_for(stamp, fingerprint, tmp_path / "arms" / ".." / "arms" / "curated-1")  # one place, one id
