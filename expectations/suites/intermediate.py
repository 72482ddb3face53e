"""Intermediate layer: language tags, quality statistics, dedup clusters and token counts.

Keys, non-null columns and accepted values (lang, dedup_kind) are dbt tests
(dbt_project/models/intermediate/_intermediate__models.yml); ranges, finiteness and the shape of
the duplicate clusters are checked here."""

from expectations.checks import SuiteDef, Target, between, in_set, zero

# The quality statistics that are shares of a text, so lie in [0, 1] (see udfs/text_stats.py).
RATIO_COLUMNS = (
    "alnum_ratio",
    "char_rep_ratio",
    "word_rep_ratio",
    "special_char_ratio",
    "flagged_word_ratio",
    "quality_score",
)

_FINITE_RATIOS = ",\n".join(f"isfinite({c}) as {c}_is_finite" for c in RATIO_COLUMNS)

INTERMEDIATE = SuiteDef(
    layer="intermediate",
    description="Language tags, quality statistics, dedup clusters and token counts.",
    targets=[
        Target(
            name="lang_tags",
            table="intermediate.int_records_lang_tagged",
            kind="rows",
            description="Language tag and score per cleaned sample.",
            id_columns=["sample_id"],
            sql="""select sample_id, lang, lang_score, isfinite(lang_score) as lang_score_is_finite
                   from intermediate.int_records_lang_tagged""",
        ),
        Target(
            name="quality_stats",
            table="intermediate.int_records_quality_scored",
            kind="rows",
            description="Quality statistics per sample; *_is_finite is NULL where the stat is NULL.",
            id_columns=["sample_id"],
            sql=f"""select sample_id, lang, n_chars, max_line_length,
                           {", ".join(RATIO_COLUMNS)},
                           {_FINITE_RATIOS}
                    from intermediate.int_records_quality_scored""",
        ),
        Target(
            name="token_counts",
            table="intermediate.int_samples_tokenized",
            kind="rows",
            description="Token counts of the deduplicated samples.",
            id_columns=["sample_id"],
            sql="""select sample_id, n_prompt_tokens, n_response_tokens, n_tokens
                   from intermediate.int_samples_tokenized""",
        ),
        Target(
            name="duplicate_clusters",
            table="intermediate.int_duplicate_clusters",
            kind="aggregate",
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
                   group by cluster_id order by cluster_id""",
        ),
        Target(
            name="cluster_membership",
            table="intermediate.int_duplicate_clusters",
            kind="aggregate",
            description="Samples that belong to more than one cluster of a dedup kind.",
            sql="""select count(*) as samples_in_several_clusters
                   from (select dedup_kind, sample_id from intermediate.int_duplicate_clusters
                         group by all having count(*) > 1)""",
            examples={
                "samples_in_several_clusters": """
                select dedup_kind, sample_id, list(cluster_id) as cluster_ids
                from intermediate.int_duplicate_clusters group by all having count(*) > 1
                order by 1, 2 limit 5"""
            },
        ),
    ],
    checks=[
        between("lang_tags", "lang_score", 0, 1),
        in_set("lang_tags", "lang_score_is_finite", [True], "lang_score is not NaN."),
        in_set("quality_stats", "lang", ["en", "zh"], "Only kept languages are scored."),
        *[between("quality_stats", c, 0, 1) for c in RATIO_COLUMNS],
        *[in_set("quality_stats", f"{c}_is_finite", [True], f"{c} is not NaN where present.") for c in RATIO_COLUMNS],
        between("quality_stats", "n_chars", 0),
        between("quality_stats", "max_line_length", 0),
        between("token_counts", "n_prompt_tokens", 0),
        between("token_counts", "n_response_tokens", 0),
        between("token_counts", "n_tokens", 0),
        between("duplicate_clusters", "n_members", 2, notes="A cluster has at least two members."),
        between("duplicate_clusters", "n_dedup_kinds", 1, 1),
        between("duplicate_clusters", "n_kept", 1, 1, notes="Exactly one member of each cluster is kept."),
        between(
            "duplicate_clusters",
            "n_representatives",
            1,
            1,
            notes="All members of a cluster name the same representative.",
        ),
        between(
            "duplicate_clusters",
            "n_kept_is_representative",
            1,
            1,
            notes="The kept member is the representative the cluster names.",
        ),
        zero(
            "cluster_membership",
            "samples_in_several_clusters",
            "A sample belongs to at most one cluster of each dedup kind.",
        ),
    ],
)
