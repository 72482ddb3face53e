"""Response NLL: teacher-forced NLL of each reference response's tokens given its prompt, by the
scoring code (udfs.lm_scoring.score_samples: the same tokens and truncation rule as the scores)."""

from __future__ import annotations

from collections.abc import Sequence


def response_nlls(model, rows: Sequence[dict], progress: bool = True) -> list[tuple[float, int] | None]:
    """(summed NLL in nats, tokens scored) per row; None for a row with nothing to score."""
    from udfs.lm_scoring import score_samples

    scores = score_samples(
        model.scoring_model,
        model.tokenizer,
        [r["prompt"] for r in rows],
        [r["response"] for r in rows],
        scope="response",
        max_length=model.max_length,
        progress=progress,
    )
    return [(s["mean_nll"] * s["n_tokens"], s["n_tokens"]) if s["n_tokens"] else None for s in scores]
