"""Packed (padding-free) micro-batches (training/packing.py) on a tiny random Llama: the padded loop's
loss and gradients, samples that never see each other, and the trainer taking the packed path."""

from __future__ import annotations

import json

import pytest

import training  # noqa: F401  (first: it sets OMP_WAIT_POLICY=PASSIVE before torch loads)

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from lm_fixtures import make_tiny_model_dir  # noqa: E402

from sftmart.prompts import alpaca_prompt  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.data import IGNORE_INDEX, collate, encode_sample  # noqa: E402
from training.loss import batch_loss_sum  # noqa: E402
from training.models import ModelSpec, load_model_and_tokenizer  # noqa: E402
from training.packing import PACKED_ATTENTION, choose_packed, pack, packed_loss_sum, use_packed_attention  # noqa: E402
from training.train import prepare_model, train_lora  # noqa: E402

PAIRS = [
    ("What is 12 + 30?", "12 + 30 = 42. The answer is 42."),
    ("Name a colour.", "Blue."),
    ("把这句话翻译成英文：我喜欢猫。", "I like cats."),
    (
        "Explain why the sky is blue in one paragraph, step by step.",
        "Sunlight holds every colour; air molecules scatter short blue wavelengths far more than red ones, "
        "so blue light reaches the eye from every direction of the sky.",
    ),
]


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    return ModelSpec(path=str(make_tiny_model_dir(tmp_path_factory.mktemp("tiny") / "model")), device="cpu")


def lora_model(spec, attn_implementation="sdpa"):
    """The tiny model with the trainer's LoRA adapter, B weights perturbed off zero (so the adapter
    changes the outputs and has gradients in A), in eval mode (no dropout)."""
    model, tokenizer = load_model_and_tokenizer(spec)
    model.set_attn_implementation(attn_implementation)
    model, params = prepare_model(model, TrainConfig(lora_dropout=0.0))
    torch.manual_seed(1)
    with torch.no_grad():
        for p in params:
            p.add_(torch.randn_like(p) * 0.05)
    return model.eval(), params, tokenizer


def examples_of(tokenizer, pairs=PAIRS):
    return [encode_sample(tokenizer, alpaca_prompt(q), a) for q, a in pairs]


def grads_of(model, params, loss):
    model.zero_grad(set_to_none=True)
    loss.backward()
    return torch.cat([p.grad.flatten() for p in params])


def per_sample_logits(model, examples):
    """Logits of each sample, cut out of one packed forward."""
    batch = pack(examples)
    inputs = {k: v for k, v in batch.items() if k != "targets"}
    with torch.no_grad():
        logits = model(**inputs, use_cache=False).logits[0]
    bounds = batch["cu_seq_lens_q"].tolist()
    return [logits[a:b] for a, b in zip(bounds[:-1], bounds[1:])]


def test_pack_restarts_positions_and_masks_the_boundaries(spec):
    _, tokenizer = load_model_and_tokenizer(spec)
    examples = examples_of(tokenizer)
    batch = pack(examples)
    lengths = [len(e) for e in examples]
    assert batch["input_ids"].shape == (1, sum(lengths))  # no padding at all
    assert batch["cu_seq_lens_q"].tolist() == [sum(lengths[:k]) for k in range(len(lengths) + 1)]
    assert batch["position_ids"][0].tolist() == [p for n in lengths for p in range(n)]
    targets = batch["targets"][0].tolist()
    for k, example in enumerate(examples):
        start = sum(lengths[:k])
        assert targets[start : start + len(example)] == example.labels[1:] + [IGNORE_INDEX]
    # the response tokens (and each one's eos) are the only targets, prompts never are
    assert sum(t != IGNORE_INDEX for t in targets) == sum(
        sum(lab != IGNORE_INDEX for lab in e.labels) for e in examples
    )


@pytest.mark.parametrize("attn_implementation", ["sdpa", "eager"])
def test_packed_loss_and_gradients_equal_the_padded_loop(spec, attn_implementation):
    """On sdpa the model switches to the per-sample attention; eager keeps transformers' own
    block-diagonal mask from the restarting position_ids: both must give the padded loss."""
    model, params, tokenizer = lora_model(spec, attn_implementation)
    assert use_packed_attention(model) == (attn_implementation == "sdpa")
    examples = examples_of(tokenizer)
    padded_batch = collate(examples, tokenizer.pad_token_id)
    assert padded_batch["attention_mask"].float().mean() < 0.8  # the padded loop really pads

    padded = batch_loss_sum(model, padded_batch, trim_logits=False)
    padded_grads = grads_of(model, params, padded)
    packed = packed_loss_sum(model, pack(examples))
    packed_grads = grads_of(model, params, packed)

    torch.testing.assert_close(packed, padded, rtol=1e-5, atol=0)
    assert padded_grads.abs().max() > 0
    torch.testing.assert_close(packed_grads, padded_grads, rtol=1e-4, atol=1e-5 * float(padded_grads.abs().max()))


def test_packed_samples_do_not_attend_to_each_other(spec):
    model, _, tokenizer = lora_model(spec)
    use_packed_attention(model)
    examples = examples_of(tokenizer)
    packed = per_sample_logits(model, examples)
    with torch.no_grad():
        for example, logits in zip(examples, packed):  # each sample as it is alone
            alone = model(input_ids=torch.tensor([example.input_ids]), use_cache=False).logits[0]
            torch.testing.assert_close(logits, alone, rtol=1e-5, atol=1e-5)

    changed = examples_of(tokenizer, [("Something else entirely.", "Nothing to do with it.")] + PAIRS[1:])
    after = per_sample_logits(model, changed)
    n = min(len(after[0]), len(packed[0]))
    assert (after[0][:n] - packed[0][:n]).abs().max() > 1e-3  # the first sample did change
    for before, now in zip(packed[1:], after[1:]):  # the others' per-token outputs did not
        torch.testing.assert_close(now, before, rtol=1e-5, atol=1e-5)


def test_sdpa_without_the_packed_attention_would_mix_samples(spec):
    """The negative control: with a cache, transformers' sdpa ignores the restarting positions and
    lets the second sample attend to the first -- what the per-sample attention prevents."""
    model, _ = load_model_and_tokenizer(spec)  # plain sdpa
    _, tokenizer = load_model_and_tokenizer(spec)
    examples = examples_of(tokenizer)[:2]
    batch = pack(examples)
    inputs = {k: v for k, v in batch.items() if k != "targets"}
    with torch.no_grad():
        mixed = model(**inputs, use_cache=True).logits[0, len(examples[0]) :]
        alone = model(input_ids=torch.tensor([examples[1].input_ids]), use_cache=False).logits[0]
    assert (mixed - alone).abs().max() > 1e-3


def test_choose_packed_falls_back_when_the_model_mixes_samples(spec, capfd):
    model, _, tokenizer = lora_model(spec)
    examples = examples_of(tokenizer)
    assert choose_packed(model, examples, tokenizer.pad_token_id)
    assert model.config._attn_implementation == PACKED_ATTENTION

    # a model that drops position_ids and boundaries (as an architecture that cannot pack would)
    class Unpackable(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner
            self.config = inner.config

        def forward(self, input_ids, attention_mask=None, logits_to_keep=0, **_):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask, logits_to_keep=logits_to_keep)

    assert not choose_packed(Unpackable(model), examples, tokenizer.pad_token_id)
    assert "training on padded batches" in capfd.readouterr().err


def test_trainer_packs_by_default_and_matches_the_padded_run(spec, tmp_path):
    """Three optimizer steps (so the adapter moves) packed and padded: the same loss curve (no
    dropout: its masks differ with the batch shape)."""
    rows = [{"sample_id": str(i), "prompt": alpaca_prompt(q), "response": a} for i, (q, a) in enumerate(PAIRS * 3)]
    assert TrainConfig().packed
    runs = {}
    for packed in (True, False):
        config = TrainConfig(
            max_steps=3, batch_size=3, grad_accumulation=2, learning_rate=1e-2, lora_dropout=0.0, packed=packed
        )
        train_lora(spec, rows, config, tmp_path / str(packed), progress=False)
        runs[packed] = json.loads((tmp_path / str(packed) / "run.json").read_text())
    assert runs[True]["tokens_seen"] == runs[False]["tokens_seen"] > 0
    assert runs[True]["loss_curve"] == pytest.approx(runs[False]["loss_curve"], rel=1e-5)
    assert runs[True]["loss_curve"][0] != pytest.approx(runs[True]["loss_curve"][-1], rel=1e-3)
