"""A ranking order is one module of udfs/selection/orders/, found by its name: every registered one
ranks a small fixture and passes the recipe's var check, and a module written into a copy of udfs/
is, with nothing else changed, an order the recipe accepts and mart_selection_order ranks by."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import duckdb
import numpy as np
import pytest
from conftest import REPO, copy_of_validated, dbt_argv, run_dbt
from selection_oracle import deita_brute_force, kcenter_brute_force

from sftmart.vars import var_spec
from udfs.selection import orders

NEW_ORDER = '''"""`order by: longest_first`: the rows with the most tokens first; each language's shortest row
leaves the pool."""

import numpy as np

DROP_REASON = "recipe:longest_first_too_short"


def rank(candidates, step, seed):
    shortest = int(np.argmin(candidates.n_tokens))
    first = [i for i in np.argsort(-candidates.n_tokens, kind="stable").tolist() if i != shortest]
    return np.array(first), np.array([shortest])
'''


def small_candidates(n=40, dim=32, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    return orders.Candidates(np.array([f"s{i:02d}" for i in range(n)]), rng.integers(5, 60, n), 400.0, x)


def test_every_registered_order_is_accepted_by_the_var_check_and_ranks_a_small_fixture():
    by = re.compile(var_spec()["selection_recipe"]["items"]["fields"]["by"]["regex"])
    assert {"kcenter", "deita"} <= set(orders.names())
    c = small_candidates()
    for name in orders.names():
        module = orders.load(name)
        assert by.fullmatch(name) and module.__doc__, name
        first, dropped = orders.ranking(module, c, {"step": "order", "by": name, "threshold": 0.3}, 7)
        assert 0 < first.size < len(c.n_tokens), name
        assert c.n_tokens[first[:-1]].sum() < c.token_share, name  # at most one row past the share
    kcenter = orders.ranking(orders.load("kcenter"), c, {"by": "kcenter"}, 7)[0]
    assert np.array_equal(kcenter, kcenter_brute_force(c.embeddings, c.n_tokens, c.token_share, seed=7))
    chosen, rejected = orders.ranking(orders.load("deita"), c, {"by": "deita", "threshold": 0.3}, 7)
    want = deita_brute_force(c.embeddings, c.n_tokens, c.token_share, range(len(c.n_tokens)), 0.3)
    assert np.array_equal(chosen, want[0]) and np.array_equal(rejected, want[1]) and rejected.size


def test_a_module_returning_bad_rows_is_a_clear_error():
    class Bad:
        __name__ = "bad"

        @staticmethod
        def rank(candidates, step, seed):
            return np.array([0, 1]), np.array([1])

    with pytest.raises(ValueError, match="both first and dropped"):
        orders.ranking(Bad, small_candidates(), {}, 0)
    with pytest.raises(ValueError, match="no order module 'no_such'.*kcenter"):
        orders.load("no_such")


@pytest.mark.slow
def test_a_new_order_is_one_module(validated_warehouse, tmp_path):
    db, dbt_vars = copy_of_validated(validated_warehouse, tmp_path)
    nodes = "mart_selection_order mart_training_mix mart_record_outcomes"

    # a misspelt order: the error names every order there is, found in udfs/selection/orders/
    wrong = dbt_vars | {"selection_recipe": [{"step": "order", "by": "kcentre"}]}
    out = run_dbt("run", db, wrong, "--select", "mart_selection_order", check=False)
    assert "order by 'kcentre': no such order" in out and all(name in out for name in orders.names())

    # the new module, in a copy of udfs/ first on the path: nothing else changes
    copy = tmp_path / "code"
    shutil.copytree(REPO / "udfs", copy / "udfs", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "udfs" / "selection" / "orders" / "longest_first.py").write_text(NEW_ORDER, encoding="utf-8")
    recipe = [{"step": "learnability"}, {"step": "order", "by": "longest_first"}]
    target = str(tmp_path / "target")
    args = dbt_argv("run", dbt_vars | {"selection_recipe": recipe}, "--select", nodes, "--target-path", target)
    env = dict(os.environ, SFTMART_DB=str(db), PYTHONPATH=os.pathsep.join([str(copy), str(REPO)]))
    # run from the copy: `python -m` puts the working directory first on sys.path
    done = subprocess.run(args, env=env, cwd=copy, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            """select s.lang, s.n_tokens, o.selection_rank, o.drop_reason, o.seed_ranks, m.sample_id is not null,
                      r.drop_reason
               from marts.mart_sample_selection as s
               join marts.mart_selection_order as o using (sample_id)
               left join marts.mart_training_mix as m using (sample_id)
               join marts.mart_record_outcomes as r using (sample_id)
               where s.is_selected
               order by s.lang, s.model_quality_score desc nulls last, s.ifd desc nulls last, s.sample_id"""
        ).fetchall()
    for lang in ("en", "zh"):
        mine = [r for r in rows if r[0] == lang]
        tokens = np.array([r[1] for r in mine])
        shortest = int(np.argmin(tokens))
        visit = [i for i in np.argsort(-tokens, kind="stable").tolist() if i != shortest] + [shortest]
        assert [mine[i][2] for i in visit] == list(range(1, len(mine) + 1)), lang
        assert [i for i, r in enumerate(mine) if r[3]] == [shortest], lang
        assert mine[shortest][3] == mine[shortest][6] == "recipe:longest_first_too_short"
        assert not mine[shortest][5] and any(r[5] for r in mine)  # the dropped row is in no mix
        assert all(r[4] is None for r in mine)  # not SEEDED: no per-seed ranks
