"""Response NLL: teacher-forced NLL of each reference response's tokens given its prompt, by the
scoring code (udfs.lm_scoring.score_samples: the same tokens and truncation rule as the scores).
A multiple-choice row whose reference response is one of its options takes it from its options'
scores (evaluation/multiple_choice.py, the same prompt + option sequence; the prompt's forward pass
shared with the options), so the evaluator runs that prompt once for both metrics."""

from __future__ import annotations

from collections.abc import Sequence


def response_nlls(
    model, rows: Sequence[dict], progress: bool = True, shared: bool = True
) -> list[tuple[float, int] | None]:
    """(summed NLL in nats, tokens scored) per row; None for a row with nothing to score."""
    from evaluation.multiple_choice import option_scores
    from udfs.lm_scoring import score_samples

    out: list[tuple[float, int] | None] = [None] * len(rows)
    mc = [i for i, r in enumerate(rows) if shared and r.get("options") and r["response"] in r["options"]]
    for i, scores in zip(mc, option_scores(model, [rows[i] for i in mc], progress)):
        loglik, n = scores[rows[i]["options"].index(rows[i]["response"])]
        out[i] = (-loglik, n) if n else None
    taken = set(mc)
    rest = [i for i in range(len(rows)) if i not in taken]
    scores = score_samples(
        model.scoring_model,
        model.tokenizer,
        [rows[i]["prompt"] for i in rest],
        [rows[i]["response"] for i in rest],
        scope="response",
        max_length=model.max_length,
        progress=progress,
    )
    for i, s in zip(rest, scores):
        out[i] = (s["mean_nll"] * s["n_tokens"], s["n_tokens"]) if s["n_tokens"] else None
    return out
