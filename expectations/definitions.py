"""The four layer suites (raw, staging, intermediate, marts) as code.

This module is the source the GX project under `expectations/gx/` is generated from
(`python -m expectations init`); the runner reads the saved JSON suites, and
`tests/test_expectations.py` checks that the two have not drifted apart.

How a suite is laid out
-----------------------
An expectation suite validates one pandas DataFrame at a time, but a layer has several tables.
So each suite's `meta["targets"]` names the frames the layer is checked on: for each target,
the DuckDB SQL that produces it (only the columns the expectations need), the relation it
describes, the key columns used to point at offending rows, and `kind`:

* `rows`: one frame row per table row, streamed from DuckDB in record batches; each batch is
  validated by GX and the results are added up (an expectation fails if it fails on any batch).
  Text columns are never fetched: a text check reads `strlen(text)` (UTF-8 bytes, NULL when the
  text is NULL), so memory is bounded by the batch size, not by how long a record is.
* `aggregate`: whole-table properties (uniqueness, reconciliation with the input folder, the
  token budget, the language ratio, traceability) that no single batch can decide. DuckDB
  computes them as SQL aggregates first and GX validates the small result (often one row, e.g.
  `n_duplicate_ids` expected between 0 and 0). `examples` maps a column to a query that lists a
  few offending rows; it runs only when an expectation on that column fails.

Every expectation carries `meta.target`, `meta.severity` (`error` blocks the pipeline,
`warning` is reported) and GX's own `severity` (critical / warning) to match.

Parameters: the SQL reads `_gx_params` (a one-row relation the runner registers with the dbt
vars: token_budget, en_ratio, max_record_bytes, ...) and `_gx_expected_units` (the raw layer's
`sftmart.landing.reconcile(raw_root)`); thresholds use GX `$PARAMETER`s with the same names.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sftmart.landing import REASON_CODES as LANDING_REASON_CODES

LAYERS = ("raw", "staging", "intermediate", "marts")

# Parameters that are not dbt vars, with their defaults (a dbt var of the same name overrides).
EXTRA_PARAMETERS = {
    # Largest allowed |English token share of the mix - en_ratio| when no shortfall is noted.
    "en_ratio_tolerance": 0.05,
}

REASON_CODES = list(LANDING_REASON_CODES)  # defined once, by the landing

RATIO_COLUMNS = ("alnum_ratio", "char_rep_ratio", "word_rep_ratio", "special_char_ratio",
                 "flagged_word_ratio", "quality_score")


@dataclass
class Target:
    name: str
    table: str
    kind: str                      # rows | aggregate
    sql: str
    description: str
    id_columns: list[str] = field(default_factory=list)
    inputs: list[str] = field(default_factory=list)
    examples: dict[str, str] = field(default_factory=dict)

    def meta(self) -> dict:
        out = {"table": self.table, "kind": self.kind, "sql": " ".join(self.sql.split()),
               "description": self.description, "id_columns": self.id_columns}
        if self.kind == "aggregate":
            out["computed_in"] = "DuckDB SQL aggregate over the whole relation; GX validates the result"
        if self.inputs:
            out["inputs"] = self.inputs
        if self.examples:
            out["examples"] = {k: " ".join(v.split()) for k, v in self.examples.items()}
        return out


@dataclass
class Check:
    target: str
    type: str                      # GX expectation class name, e.g. ExpectColumnValuesToBeBetween
    kwargs: dict
    severity: str = "error"        # error | warning
    notes: str = ""


@dataclass
class SuiteDef:
    layer: str
    description: str
    targets: list[Target]
    checks: list[Check]


def _between(target, column, lo=None, hi=None, severity="error", notes="", **kw) -> Check:
    kwargs = {"column": column, **kw}
    if lo is not None:
        kwargs["min_value"] = lo
    if hi is not None:
        kwargs["max_value"] = hi
    return Check(target, "ExpectColumnValuesToBeBetween", kwargs, severity, notes)


def _zero(target, column, notes, severity="error") -> Check:
    return _between(target, column, 0, 0, severity, notes)


def _not_null(target, column, notes="", severity="error") -> Check:
    return Check(target, "ExpectColumnValuesToNotBeNull", {"column": column}, severity, notes)


def _in_set(target, column, values, notes="", severity="error") -> Check:
    return Check(target, "ExpectColumnValuesToBeInSet", {"column": column, "value_set": values},
                 severity, notes)


# --------------------------------------------------------------------------- raw

RAW = SuiteDef(
    layer="raw",
    description="Landing: every input unit is landed or rejected, once, and landed rows carry their text.",
    targets=[
        Target(
            name="landing_rows", table="raw.alpaca_cot_landing", kind="rows",
            description="One row per input unit (landed or rejected).",
            id_columns=["record_id", "source_file"],
            sql="""select record_id, source_file, status, reject_reason_code,
                          (status = 'rejected') = (reject_reason_code is not null) as reason_matches_status
                   from raw.alpaca_cot_landing"""),
        Target(
            name="landed_records", table="raw.alpaca_cot_records", kind="rows",
            description="Landed rows only; text fields read as their UTF-8 byte length (NULL when the text is NULL).",
            id_columns=["record_id", "source_file"],
            sql="""select record_id, source_file, strlen(instruction) as instruction_bytes,
                          strlen(input) as input_bytes, strlen(output) as output_bytes,
                          content_hash
                   from raw.alpaca_cot_records"""),
        Target(
            name="landing_keys", table="raw.alpaca_cot_landing", kind="aggregate",
            description="Key uniqueness over the whole landing table.",
            sql="""select count(*) as n_rows,
                          count(*) - count(distinct record_id) as n_duplicate_record_ids
                   from raw.alpaca_cot_landing""",
            examples={"n_duplicate_record_ids": """
                select record_id, count(*) as n_rows, list(source_file) as source_files
                from raw.alpaca_cot_landing group by record_id having count(*) > 1
                order by n_rows desc, record_id limit 5"""}),
        Target(
            name="reconcile_with_input", table="raw.alpaca_cot_landing", kind="aggregate",
            description=("Per input file: landed + rejected rows against the units "
                         "sftmart.landing.reconcile(raw_root) counts in the input folder."),
            id_columns=["source_file"], inputs=["expected_units"],
            sql="""with landed as (
                       select source_file,
                              count(*) filter (where status = 'landed') as n_landed,
                              count(*) filter (where status = 'rejected') as n_rejected
                       from raw.alpaca_cot_landing group by source_file)
                   select coalesce(l.source_file, e.source_file) as source_file,
                          coalesce(e.expected_units, 0) as expected_units,
                          coalesce(l.n_landed, 0) as n_landed,
                          coalesce(l.n_rejected, 0) as n_rejected,
                          coalesce(l.n_landed, 0) + coalesce(l.n_rejected, 0)
                              - coalesce(e.expected_units, 0) as units_difference,
                          e.source_file is not null as file_in_input
                   from landed as l
                   full outer join _gx_expected_units as e using (source_file)
                   order by source_file"""),
    ],
    checks=[
        _not_null("landing_rows", "record_id"),
        _not_null("landing_rows", "source_file"),
        _in_set("landing_rows", "status", ["landed", "rejected"]),
        _in_set("landing_rows", "reject_reason_code", REASON_CODES,
                "NULL for landed rows; one of the landing reason codes otherwise."),
        _in_set("landing_rows", "reason_matches_status", [True],
                "A row has a reject reason code exactly when it was rejected."),
        _not_null("landed_records", "instruction_bytes", "Landed rows keep their instruction text."),
        _not_null("landed_records", "input_bytes", "Landed rows keep their input text ('' when absent)."),
        _not_null("landed_records", "output_bytes", "Landed rows keep their output text."),
        _not_null("landed_records", "content_hash"),
        _zero("landing_keys", "n_duplicate_record_ids",
              "record_id (md5 of source_file and record_index) is unique across the landing table."),
        _zero("reconcile_with_input", "units_difference",
              "landed + rejected rows of each file equal the units reconcile(raw_root) counts in it "
              "(a file missing on either side shows the whole count)."),
        _in_set("reconcile_with_input", "file_in_input", [True],
                "Every landed file is still in the input folder.", severity="warning"),
    ],
)

# --------------------------------------------------------------------------- staging

STAGING = SuiteDef(
    layer="staging",
    description="Typed, trimmed records with the Alpaca prompt built.",
    targets=[
        Target(
            name="staged_records", table="staging.stg_alpaca_cot__records", kind="rows",
            description="Prompt/response sizes in UTF-8 bytes (NULL when the text is NULL).",
            id_columns=["sample_id", "source_file"],
            sql="""select sample_id, source_file, template_lang,
                          strlen(prompt) as prompt_bytes,
                          strlen(response) as response_bytes,
                          strlen(instruction) + strlen(input) + strlen(response) as record_text_bytes
                   from staging.stg_alpaca_cot__records"""),
        Target(
            name="staging_keys", table="staging.stg_alpaca_cot__records", kind="aggregate",
            description="Key uniqueness and traceability over the whole view.",
            sql="""select count(*) as n_rows,
                          count(*) - count(distinct sample_id) as n_duplicate_sample_ids,
                          count(*) filter (where r.record_id is null) as n_untraceable
                   from staging.stg_alpaca_cot__records as s
                   left join raw.alpaca_cot_records as r on r.record_id = s.sample_id""",
            examples={
                "n_duplicate_sample_ids": """
                    select sample_id, count(*) as n_rows from staging.stg_alpaca_cot__records
                    group by sample_id having count(*) > 1 order by n_rows desc, sample_id limit 5""",
                "n_untraceable": """
                    select s.sample_id, s.source_file from staging.stg_alpaca_cot__records as s
                    anti join raw.alpaca_cot_records as r on r.record_id = s.sample_id
                    order by 1 limit 5"""}),
    ],
    checks=[
        _not_null("staged_records", "sample_id"),
        _in_set("staged_records", "template_lang", ["en", "zh"]),
        _not_null("staged_records", "prompt_bytes", "The prompt is never NULL."),
        _between("staged_records", "prompt_bytes", 1, notes="The prompt is never empty."),
        _not_null("staged_records", "response_bytes", "The response is never NULL."),
        _between("staged_records", "response_bytes", 1, severity="warning",
                 notes="An empty response is legal input (Alpaca-CoT has a few); cleaning drops it "
                       "with reason empty_instruction_or_output, so this only warns."),
        _between("staged_records", "record_text_bytes", 1, {"$PARAMETER": "max_record_bytes"},
                 notes="instruction + input + response fit in max_record_bytes (the landing limit)."),
        _zero("staging_keys", "n_duplicate_sample_ids", "sample_id is unique."),
        _zero("staging_keys", "n_untraceable", "Every staged sample is a landed raw record."),
    ],
)

# --------------------------------------------------------------------------- intermediate

_FINITE_RATIOS = ",\n".join(f"isfinite({c}) as {c}_is_finite" for c in RATIO_COLUMNS)

INTERMEDIATE = SuiteDef(
    layer="intermediate",
    description="Language tags, quality statistics, dedup clusters and token counts.",
    targets=[
        Target(
            name="lang_tags", table="intermediate.int_records_lang_tagged", kind="rows",
            description="Language tag and score per cleaned sample.",
            id_columns=["sample_id"],
            sql="""select sample_id, lang, lang_score, isfinite(lang_score) as lang_score_is_finite
                   from intermediate.int_records_lang_tagged"""),
        Target(
            name="quality_stats", table="intermediate.int_records_quality_scored", kind="rows",
            description="Quality statistics per sample; *_is_finite is NULL where the stat is NULL.",
            id_columns=["sample_id"],
            sql=f"""select sample_id, lang, n_chars, max_line_length,
                           {", ".join(RATIO_COLUMNS)},
                           {_FINITE_RATIOS}
                    from intermediate.int_records_quality_scored"""),
        Target(
            name="token_counts", table="intermediate.int_samples_tokenized", kind="rows",
            description="Token counts of the deduplicated samples.",
            id_columns=["sample_id"],
            sql="""select sample_id, n_prompt_tokens, n_response_tokens, n_tokens
                   from intermediate.int_samples_tokenized"""),
        Target(
            name="duplicate_clusters", table="intermediate.int_duplicate_clusters", kind="aggregate",
            description="One row per duplicate cluster, aggregated in DuckDB.",
            id_columns=["cluster_id"],
            sql="""select cluster_id, any_value(dedup_kind) as dedup_kind,
                          count(*) as n_members,
                          count(distinct dedup_kind) as n_dedup_kinds,
                          count(*) filter (where is_kept) as n_kept,
                          count(distinct kept_sample_id) as n_representatives,
                          count(*) filter (where is_kept and sample_id = kept_sample_id)
                              as n_kept_is_representative
                   from intermediate.int_duplicate_clusters
                   group by cluster_id order by cluster_id"""),
        Target(
            name="intermediate_keys", table="intermediate.*", kind="aggregate",
            description="Key uniqueness across the intermediate tables.",
            sql="""select
                     (select count(*) - count(distinct sample_id) from intermediate.int_records_lang_tagged)
                         as lang_tagged_duplicate_ids,
                     (select count(*) - count(distinct sample_id) from intermediate.int_records_quality_scored)
                         as quality_scored_duplicate_ids,
                     (select count(*) - count(distinct sample_id) from intermediate.int_samples_tokenized)
                         as tokenized_duplicate_ids,
                     (select count(*) from (select dedup_kind, sample_id from intermediate.int_duplicate_clusters
                                            group by all having count(*) > 1))
                         as samples_in_several_clusters""",
            examples={
                "lang_tagged_duplicate_ids": """
                    select sample_id, count(*) as n_rows from intermediate.int_records_lang_tagged
                    group by 1 having count(*) > 1 order by 2 desc, 1 limit 5""",
                "quality_scored_duplicate_ids": """
                    select sample_id, count(*) as n_rows from intermediate.int_records_quality_scored
                    group by 1 having count(*) > 1 order by 2 desc, 1 limit 5""",
                "tokenized_duplicate_ids": """
                    select sample_id, count(*) as n_rows from intermediate.int_samples_tokenized
                    group by 1 having count(*) > 1 order by 2 desc, 1 limit 5""",
                "samples_in_several_clusters": """
                    select dedup_kind, sample_id, list(cluster_id) as cluster_ids
                    from intermediate.int_duplicate_clusters group by all having count(*) > 1
                    order by 1, 2 limit 5"""}),
    ],
    checks=[
        _not_null("lang_tags", "lang"),
        _in_set("lang_tags", "lang", ["en", "zh", "other"]),
        _not_null("lang_tags", "lang_score"),
        _between("lang_tags", "lang_score", 0, 1),
        _in_set("lang_tags", "lang_score_is_finite", [True], "lang_score is not NaN."),
        _in_set("quality_stats", "lang", ["en", "zh"], "Only kept languages are scored."),
        *[_between("quality_stats", c, 0, 1) for c in RATIO_COLUMNS],
        *[_in_set("quality_stats", f"{c}_is_finite", [True], f"{c} is not NaN where present.")
          for c in RATIO_COLUMNS],
        _between("quality_stats", "n_chars", 0),
        _between("quality_stats", "max_line_length", 0),
        _not_null("token_counts", "n_tokens"),
        _between("token_counts", "n_prompt_tokens", 0),
        _between("token_counts", "n_response_tokens", 0),
        _between("token_counts", "n_tokens", 0),
        _in_set("duplicate_clusters", "dedup_kind", ["exact", "near"]),
        _between("duplicate_clusters", "n_members", 2, notes="A cluster has at least two members."),
        _between("duplicate_clusters", "n_dedup_kinds", 1, 1),
        _between("duplicate_clusters", "n_kept", 1, 1, notes="Exactly one member of each cluster is kept."),
        _between("duplicate_clusters", "n_representatives", 1, 1,
                 notes="All members of a cluster name the same representative."),
        _between("duplicate_clusters", "n_kept_is_representative", 1, 1,
                 notes="The kept member is the representative the cluster names."),
        _zero("intermediate_keys", "lang_tagged_duplicate_ids", "sample_id is unique in int_records_lang_tagged."),
        _zero("intermediate_keys", "quality_scored_duplicate_ids", "sample_id is unique in int_records_quality_scored."),
        _zero("intermediate_keys", "tokenized_duplicate_ids", "sample_id is unique in int_samples_tokenized."),
        _zero("intermediate_keys", "samples_in_several_clusters",
              "A sample belongs to at most one cluster of each dedup kind."),
    ],
)

# --------------------------------------------------------------------------- marts

MARTS = SuiteDef(
    layer="marts",
    description="The training mix: unique, traceable, within budget and at the requested language ratio.",
    targets=[
        Target(
            name="mix_rows", table="marts.mart_training_mix", kind="rows",
            description="One row per mix sample; prompt/response read as UTF-8 byte lengths.",
            id_columns=["sample_id", "source_file"],
            sql="""select sample_id, source_file, lang, n_prompt_tokens, n_response_tokens, n_tokens,
                          strlen(prompt) as prompt_bytes, strlen(response) as response_bytes
                   from marts.mart_training_mix"""),
        Target(
            name="mix_keys", table="marts.mart_training_mix", kind="aggregate",
            description="Whole-table properties of the mix, computed in DuckDB.",
            sql="""select
                     (select count(*) from marts.mart_training_mix) as n_rows,
                     (select count(*) - count(distinct sample_id) from marts.mart_training_mix)
                         as n_duplicate_sample_ids,
                     (select count(*) - count(distinct md5(lower(prompt || response)))
                      from marts.mart_training_mix) as n_duplicate_texts,
                     (select count(*) from marts.mart_training_mix as m
                      anti join raw.alpaca_cot_records as r
                        on r.record_id = m.sample_id and r.source_file is not distinct from m.source_file)
                         as n_untraceable""",
            examples={
                "n_duplicate_sample_ids": """
                    select sample_id, count(*) as n_rows from marts.mart_training_mix
                    group by 1 having count(*) > 1 order by 2 desc, 1 limit 5""",
                "n_duplicate_texts": """
                    select md5(lower(prompt || response)) as text_md5, count(*) as n_rows,
                           list(sample_id order by sample_id)[1:5] as sample_ids,
                           left(any_value(prompt), 80) as prompt_start
                    from marts.mart_training_mix group by 1 having count(*) > 1
                    order by n_rows desc, text_md5 limit 5""",
                "n_untraceable": """
                    select m.sample_id, m.source_file, left(m.prompt, 80) as prompt_start
                    from marts.mart_training_mix as m
                    anti join raw.alpaca_cot_records as r
                      on r.record_id = m.sample_id and r.source_file is not distinct from m.source_file
                    order by 1 limit 5"""}),
        Target(
            name="mix_budget", table="marts.mart_training_mix", kind="aggregate",
            description=("Per language: the tokens the mix holds without its largest sample stay below "
                         "that language's share of token_budget (the mix overshoots by at most one sample)."),
            id_columns=["lang"],
            sql="""with budgets as (
                       select 'en' as lang, token_budget * en_ratio as lang_budget from _gx_params
                       union all
                       select 'zh', token_budget * (1 - en_ratio) from _gx_params),
                   mix as (
                       select lang, count(*) as n_samples, sum(n_tokens) as mix_tokens,
                              max(n_tokens) as largest_sample_tokens
                       from marts.mart_training_mix group by lang)
                   select b.lang, b.lang_budget, coalesce(m.n_samples, 0) as n_samples,
                          coalesce(m.mix_tokens, 0) as mix_tokens,
                          coalesce(m.largest_sample_tokens, 0) as largest_sample_tokens,
                          coalesce(m.mix_tokens - m.largest_sample_tokens, 0)::double as tokens_without_largest_sample
                   from budgets as b left join mix as m using (lang)
                   order by b.lang"""),
        Target(
            name="mix_language_share", table="marts.mart_training_mix", kind="aggregate",
            description=("English share of the mix's tokens against en_ratio; the deviation is NULL "
                         "(not judged) when marts.mart_pipeline_funnel notes a shortfall."),
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
                   from mix as m cross join notes as n cross join _gx_params as p"""),
        Target(
            name="learnability_rows", table="marts.mart_sample_learnability", kind="rows",
            description=("Base and guide scores per candidate; *_is_finite is NULL where the model layer "
                         "is off and nothing was scored."),
            id_columns=["sample_id"],
            sql="""select sample_id, is_learnable,
                          isfinite(h_base) as h_base_is_finite, isfinite(h_guide) as h_guide_is_finite,
                          isfinite(relative_loss_drop) as relative_loss_drop_is_finite
                   from marts.mart_sample_learnability"""),
        Target(
            name="mix_learnable", table="marts.mart_training_mix", kind="aggregate",
            description="The mix is drawn from the learnable pool only.",
            sql="""select count(*) as n_mix_rows_not_learnable
                   from marts.mart_training_mix as m
                   join marts.mart_sample_learnability as l using (sample_id)
                   where not l.is_learnable""",
            examples={
                "n_mix_rows_not_learnable": """
                    select m.sample_id, l.drop_reason from marts.mart_training_mix as m
                    join marts.mart_sample_learnability as l using (sample_id)
                    where not l.is_learnable order by 1 limit 5"""}),
        Target(
            name="funnel_matches_mix", table="marts.mart_pipeline_funnel", kind="aggregate",
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
                   order by 1"""),
    ],
    checks=[
        _not_null("mix_rows", "sample_id"),
        _in_set("mix_rows", "lang", ["en", "zh"]),
        _not_null("mix_rows", "n_tokens"),
        _between("mix_rows", "n_tokens", 1),
        _between("mix_rows", "n_prompt_tokens", 0),
        _between("mix_rows", "n_response_tokens", 0),
        _between("mix_rows", "prompt_bytes", 1, notes="No NULL or empty prompt in the mix."),
        _between("mix_rows", "response_bytes", 1, notes="No NULL or empty response in the mix."),
        _between("mix_keys", "n_rows", 1, notes="The mix is not empty."),
        _zero("mix_keys", "n_duplicate_sample_ids", "sample_id is unique in the mix."),
        _zero("mix_keys", "n_duplicate_texts",
              "No two mix rows share md5(lower(prompt || response))."),
        _zero("mix_keys", "n_untraceable",
              "Every mix row joins to raw.alpaca_cot_records on record_id = sample_id and source_file."),
        Check("mix_budget", "ExpectColumnPairValuesAToBeGreaterThanB",
              {"column_A": "lang_budget", "column_B": "tokens_without_largest_sample", "or_equal": False},
              "error", "token_budget * ratio is exceeded by at most one sample per language."),
        _not_null("learnability_rows", "is_learnable", "Every candidate has a learnability verdict."),
        *[_in_set("learnability_rows", f"{c}_is_finite", [True], f"{c} is finite where the model layer scored it.")
          for c in ("h_base", "h_guide", "relative_loss_drop")],
        _zero("mix_learnable", "n_mix_rows_not_learnable", "Every mix row passed the learnability filter."),
        _zero("funnel_matches_mix", "rows_difference",
              "The funnel's training_mix rows per language equal the mix's."),
        _zero("funnel_matches_mix", "tokens_difference",
              "The funnel's training_mix tokens per language equal the mix's."),
        _between("mix_language_share", "en_share_deviation", 0, {"$PARAMETER": "en_ratio_tolerance"},
                 severity="warning",
                 notes="English token share within en_ratio_tolerance of en_ratio, unless the funnel "
                       "notes a shortfall."),
    ],
)

SUITES: dict[str, SuiteDef] = {s.layer: s for s in (RAW, STAGING, INTERMEDIATE, MARTS)}
