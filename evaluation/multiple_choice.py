"""Multiple choice as lm-evaluation-harness scores it: each option is a continuation of the
prompt, its log-likelihood the sum of its tokens' log-probabilities; `acc` is right when the
answer has the highest log-likelihood, `acc_norm` when it has the highest log-likelihood per
character of the option (lm-eval's `acc_norm` divides by `len(choice)`, characters, not tokens).
Ties go to the first option, as numpy's argmax does in lm-eval."""

from __future__ import annotations

from collections.abc import Sequence


def option_logliks(model, rows: Sequence[dict], progress: bool = True, shared: bool = True) -> list[list[float]]:
    """Per row, the log-likelihood of each option given the prompt (-inf for an option with nothing
    to score: empty, or too long to fit with its prompt). `shared`: each prompt's forward pass is
    shared by its options (evaluation/shared_prefix.py) wherever its options' sequences share the
    prompt's tokens; the other questions, or all with `shared` off, score every prompt + option
    sequence whole (the plain way)."""
    return [[ll for ll, _ in row] for row in option_scores(model, rows, progress, shared)]


def option_scores(model, rows: Sequence[dict], progress: bool = True, shared: bool = True):
    """Per row, (log-likelihood, tokens scored) of each option. Each question's scores are kept on
    the model (`model.memo`), so the response NLL of a question whose reference is one of its options
    (evaluation/responses.py) and its options are computed in one pass."""
    from evaluation.shared_prefix import shared_logliks, shared_prefix
    from udfs.lm_scoring.sequences import build_sequences

    memo = model.memo
    keys = [("options", shared, row["prompt"], tuple(row["options"])) for row in rows]
    todo = [i for i, k in enumerate(keys) if k not in memo]
    plain = todo
    if shared:
        fast, prefixes, options = [], [], []
        for i in todo:
            row = rows[i]
            seqs = build_sequences(
                model.tokenizer, [row["prompt"]] * len(row["options"]), row["options"], "response", model.max_length
            )
            if (prefix := shared_prefix(seqs)) is not None:
                fast.append(i)
                prefixes.append(prefix)
                options.append([s.ids[s.start :] for s in seqs])
        for i, ids, logliks in zip(fast, options, shared_logliks(model.scoring_model, prefixes, options)):
            memo[keys[i]] = [(ll, len(o)) for ll, o in zip(logliks, ids)]
        plain = [i for i in todo if keys[i] not in memo]
    for i, scores in zip(plain, _plain_scores(model, [rows[i] for i in plain], progress)):
        memo[keys[i]] = scores
    return [memo[k] for k in keys]


def _plain_scores(model, rows: Sequence[dict], progress: bool) -> list[list[tuple[float, int]]]:
    """Every prompt + option sequence scored whole by the scoring code."""
    from udfs.lm_scoring import score_samples

    prompts, options = [], []
    for row in rows:
        for option in row["options"]:
            prompts.append(row["prompt"])
            options.append(option)
    if not prompts:
        return [[] for _ in rows]
    scores = score_samples(
        model.scoring_model,
        model.tokenizer,
        prompts,
        options,
        scope="response",
        max_length=model.max_length,
        progress=progress,
    )
    flat = [(-(s["mean_nll"] * s["n_tokens"]), s["n_tokens"]) if s["n_tokens"] else (float("-inf"), 0) for s in scores]
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
