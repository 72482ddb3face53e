"""Marts layer: the training mix is non-empty, traceable, free of duplicate texts, every mix (the
training mix and the experiment's arms) within its token budget per language, the training mix at
the requested language ratio, and the funnel agrees with it.

Keys, non-null columns and accepted values are dbt tests (the YAML beside each model in
dbt_project/models/marts/, selection/, experiment/);
traceability to the raw layer, the budget, the ratio and the funnel reconciliation are checked here."""

from expectations.checks import SuiteDef, Target, between, in_set, zero

_UNTRACEABLE = """from {table} as m
                  anti join raw.alpaca_cot_records as r
                    on r.record_id = m.sample_id and r.source_file is not distinct from m.source_file"""

MARTS = SuiteDef(
    layer="marts",
    description="The training mix: non-empty, traceable, within budget and at the requested language ratio.",
    targets=[
        Target(
            name="mix_rows",
            table="marts.mart_training_mix",
            kind="rows",
            description="One row per mix sample; prompt/response read as UTF-8 byte lengths.",
            id_columns=["sample_id", "source_file"],
            sql="""select sample_id, source_file, lang, n_prompt_tokens, n_response_tokens, n_tokens,
                          strlen(prompt) as prompt_bytes, strlen(response) as response_bytes
                   from marts.mart_training_mix""",
        ),
        Target(
            name="mix_whole",
            table="marts.mart_training_mix",
            kind="aggregate",
            description="Whole-table properties of the mix, computed in DuckDB.",
            sql=f"""select
                     (select count(*) from marts.mart_training_mix) as n_rows,
                     (select count(*) - count(distinct md5(lower(prompt || response)))
                      from marts.mart_training_mix) as n_duplicate_texts,
                     (select count(*) {_UNTRACEABLE.format(table="marts.mart_training_mix")}) as n_untraceable""",
            examples={
                "n_duplicate_texts": """
                    select md5(lower(prompt || response)) as text_md5, count(*) as n_rows,
                           list(sample_id order by sample_id)[1:5] as sample_ids,
                           left(any_value(prompt), 80) as prompt_start
                    from marts.mart_training_mix group by 1 having count(*) > 1
                    order by n_rows desc, text_md5 limit 5""",
                "n_untraceable": f"""
                    select m.sample_id, m.source_file, left(m.prompt, 80) as prompt_start
                    {_UNTRACEABLE.format(table="marts.mart_training_mix")} order by 1 limit 5""",
            },
        ),
        Target(
            name="pool_traceability",
            table="marts.mart_candidate_pool",
            kind="aggregate",
            description="Every candidate joins to the raw record it came from.",
            sql=f"select count(*) as n_untraceable {_UNTRACEABLE.format(table='marts.mart_candidate_pool')}",
            examples={
                "n_untraceable": f"""
                select m.sample_id, m.source_file
                {_UNTRACEABLE.format(table="marts.mart_candidate_pool")} order by 1 limit 5"""
            },
        ),
        Target(
            name="mix_budget",
            table="marts.mart_training_mix",
            kind="aggregate",
            description=(
                "Per mix (the training mix and every arm, seed and budget fraction of marts.mart_arm_mixes, "
                "counted the arm's way) and language: the tokens it holds against that language's budget in "
                "intermediate.int_mix_budget (times the arm's budget fraction, floored), which no mix exceeds (a "
                "language with share 0 has budget 0)."
            ),
            id_columns=["mix", "lang"],
            sql="""with mixes as (
                       select 'training_mix' as mix, 1.0::double as budget_fraction, lang,
                              n_tokens as counted_tokens
                       from marts.mart_training_mix
                       union all
                       select arm || '-' || seed || if(budget_fraction = 1, '', '@' || budget_fraction),
                              budget_fraction, lang, counted_tokens
                       from marts.mart_arm_mixes),
                   names as (select distinct mix, budget_fraction from mixes union select 'training_mix', 1.0),
                   per_mix as (select mix, lang, count(*) as n_samples, sum(counted_tokens) as mix_tokens
                               from mixes group by all)
                   select n.mix, b.lang, floor(b.lang_budget * n.budget_fraction)::bigint as lang_budget,
                          coalesce(m.n_samples, 0) as n_samples, coalesce(m.mix_tokens, 0) as mix_tokens,
                          (coalesce(m.mix_tokens, 0) - floor(b.lang_budget * n.budget_fraction))::double
                              as tokens_over_budget
                   from names as n cross join intermediate.int_mix_budget as b
                   left join per_mix as m on m.mix = n.mix and m.lang = b.lang
                   order by 1, 2""",
        ),
        Target(
            name="mix_language_share",
            table="marts.mart_training_mix",
            kind="aggregate",
            description=(
                "English share of the mix's tokens against en_ratio; the deviation is NULL "
                "(not judged) when marts.mart_pipeline_funnel notes a shortfall."
            ),
            inputs=["params"],
            sql="""with mix as (
                       select coalesce(sum(n_tokens) filter (where lang = 'en'), 0) as en_tokens,
                              coalesce(sum(n_tokens), 0) as total_tokens
                       from marts.mart_training_mix),
                   notes as (
                       select count(*) > 0 as shortfall_noted,
                              string_agg(lang || ': ' || note, '; ' order by lang) as shortfall_notes
                       from marts.mart_pipeline_funnel
                       where stage = 'training_mix' and note like 'shortfall%')
                   select m.en_tokens, m.total_tokens, p.en_ratio,
                          m.en_tokens / nullif(m.total_tokens, 0) as en_share,
                          n.shortfall_noted, n.shortfall_notes,
                          case when n.shortfall_noted then null
                               else abs(m.en_tokens / nullif(m.total_tokens, 0) - p.en_ratio) end
                              as en_share_deviation
                   from mix as m cross join notes as n cross join _gx_params as p""",
        ),
        Target(
            name="learnability_rows",
            table="marts.mart_sample_learnability",
            kind="rows",
            description=(
                "Base and guide scores per candidate; *_is_finite is NULL where the model layer "
                "is off and nothing was scored."
            ),
            id_columns=["sample_id"],
            sql="""select sample_id,
                          isfinite(h_base) as h_base_is_finite, isfinite(h_guide) as h_guide_is_finite,
                          isfinite(relative_loss_drop) as relative_loss_drop_is_finite
                   from marts.mart_sample_learnability""",
        ),
        Target(
            name="mix_learnable",
            table="marts.mart_training_mix",
            kind="aggregate",
            description="The mix is drawn from the learnable pool only.",
            sql="""select count(*) as n_mix_rows_not_learnable
                   from marts.mart_training_mix as m
                   join marts.mart_sample_learnability as l using (sample_id)
                   where not l.is_learnable""",
            examples={
                "n_mix_rows_not_learnable": """
                select m.sample_id, l.drop_reason from marts.mart_training_mix as m
                join marts.mart_sample_learnability as l using (sample_id)
                where not l.is_learnable order by 1 limit 5"""
            },
        ),
        Target(
            name="funnel_matches_mix",
            table="marts.mart_pipeline_funnel",
            kind="aggregate",
            description="Per language: the funnel's training_mix stage against the mix itself.",
            id_columns=["lang"],
            sql="""with mix as (
                       select lang, count(*) as n_rows, sum(n_tokens) as n_tokens
                       from marts.mart_training_mix group by lang),
                   funnel as (
                       select lang, rows_out, tokens_out
                       from marts.mart_pipeline_funnel where stage = 'training_mix')
                   select coalesce(m.lang, f.lang) as lang,
                          coalesce(f.rows_out, 0) - coalesce(m.n_rows, 0) as rows_difference,
                          coalesce(f.tokens_out, 0) - coalesce(m.n_tokens, 0) as tokens_difference
                   from mix as m full outer join funnel as f using (lang)
                   order by 1""",
        ),
    ],
    checks=[
        between("mix_rows", "n_tokens", 1),
        between("mix_rows", "n_prompt_tokens", 0),
        between("mix_rows", "n_response_tokens", 0),
        between("mix_rows", "prompt_bytes", 1, notes="No empty prompt in the mix."),
        between("mix_rows", "response_bytes", 1, notes="No empty response in the mix."),
        between("mix_whole", "n_rows", 1, notes="The mix is not empty."),
        zero("mix_whole", "n_duplicate_texts", "No two mix rows share md5(lower(prompt || response))."),
        zero(
            "mix_whole",
            "n_untraceable",
            "Every mix row joins to raw.alpaca_cot_records on record_id = sample_id and source_file.",
        ),
        zero(
            "pool_traceability",
            "n_untraceable",
            "Every candidate joins to raw.alpaca_cot_records on record_id = sample_id and source_file.",
        ),
        between(
            "mix_budget",
            "tokens_over_budget",
            hi=0,
            notes="No mix exceeds its language's budget in int_mix_budget (token_budget * ratio, held or filled).",
        ),
        *[
            in_set("learnability_rows", f"{c}_is_finite", [True], f"{c} is finite where the model layer scored it.")
            for c in ("h_base", "h_guide", "relative_loss_drop")
        ],
        zero("mix_learnable", "n_mix_rows_not_learnable", "Every mix row passed the learnability filter."),
        zero("funnel_matches_mix", "rows_difference", "The funnel's training_mix rows per language equal the mix's."),
        zero(
            "funnel_matches_mix", "tokens_difference", "The funnel's training_mix tokens per language equal the mix's."
        ),
        between(
            "mix_language_share",
            "en_share_deviation",
            0,
            {"$PARAMETER": "en_ratio_tolerance"},
            severity="warning",
            notes="English token share within en_ratio_tolerance of en_ratio, unless the funnel notes a shortfall.",
        ),
    ],
)
