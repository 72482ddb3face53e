"""Multiple choice as lm-evaluation-harness scores it: each option is a continuation of the
prompt, its log-likelihood the sum of its tokens' log-probabilities; `acc` is right when the
answer has the highest log-likelihood, `acc_norm` when it has the highest log-likelihood per
character of the option (lm-eval's `acc_norm` divides by `len(choice)`, characters, not tokens).
Ties go to the first option, as numpy's argmax does in lm-eval."""

from __future__ import annotations

from collections.abc import Sequence


def option_logliks(model, rows: Sequence[dict], progress: bool = True) -> list[list[float]]:
    """Per row, the log-likelihood of each option given the prompt (-inf for an option with nothing
    to score: empty, or too long to fit with its prompt)."""
    from udfs.lm_scoring import score_samples

    prompts, options = [], []
    for row in rows:
        for option in row["options"]:
            prompts.append(row["prompt"])
            options.append(option)
    scores = score_samples(
        model.scoring_model,
        model.tokenizer,
        prompts,
        options,
        scope="response",
        max_length=model.max_length,
        progress=progress,
    )
    flat = [-(s["mean_nll"] * s["n_tokens"]) if s["n_tokens"] else float("-inf") for s in scores]
    out, at = [], 0
    for row in rows:
        out.append(flat[at : at + len(row["options"])])
        at += len(row["options"])
    return out


def argmax(values: Sequence[float]) -> int:
    best = 0
    for i, v in enumerate(values):
        if v > values[best]:
            best = i
    return best


def choice_correct(options: Sequence[str], logliks: Sequence[float], answer_index: int) -> tuple[bool, bool]:
    """(acc, acc_norm) of one question."""
    normalised = [ll / max(len(o), 1) for o, ll in zip(options, logliks)]
    return argmax(logliks) == answer_index, argmax(normalised) == answer_index
