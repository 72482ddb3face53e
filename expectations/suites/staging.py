"""Staging layer: typed, trimmed records with the Alpaca prompt built, each a landed raw record.

sample_id's key is a dbt test; template_lang's accepted values are tested on int_records_cleaned,
which carries it on (a test on this view would compute it, regex and all, once more)."""

from expectations.checks import SuiteDef, Target, between, not_null, zero

STAGING = SuiteDef(
    layer="staging",
    description="Typed, trimmed records with the Alpaca prompt built.",
    targets=[
        Target(
            name="staged_records",
            table="staging.stg_alpaca_cot__records",
            kind="rows",
            description="Prompt/response sizes in UTF-8 bytes (NULL when the text is NULL).",
            id_columns=["sample_id", "source_file"],
            sql="""select sample_id, source_file,
                          strlen(prompt) as prompt_bytes,
                          strlen(response) as response_bytes,
                          strlen(instruction) + strlen(input) + strlen(response) as record_text_bytes
                   from staging.stg_alpaca_cot__records""",
        ),
        Target(
            name="staging_traceability",
            table="staging.stg_alpaca_cot__records",
            kind="aggregate",
            description="Every staged sample is a landed raw record.",
            sql="""select count(*) as n_rows,
                          count(*) filter (where r.record_id is null) as n_untraceable
                   from staging.stg_alpaca_cot__records as s
                   left join raw.alpaca_cot_records as r on r.record_id = s.sample_id""",
            examples={
                "n_untraceable": """
                select s.sample_id, s.source_file from staging.stg_alpaca_cot__records as s
                anti join raw.alpaca_cot_records as r on r.record_id = s.sample_id
                order by 1 limit 5"""
            },
        ),
    ],
    checks=[
        not_null("staged_records", "prompt_bytes", "The prompt is never NULL."),
        between("staged_records", "prompt_bytes", 1, notes="The prompt is never empty."),
        not_null("staged_records", "response_bytes", "The response is never NULL."),
        between(
            "staged_records",
            "response_bytes",
            1,
            severity="warning",
            notes="An empty response is legal input (Alpaca-CoT has a few); cleaning drops it "
            "with reason empty_instruction_or_output, so this only warns.",
        ),
        between(
            "staged_records",
            "record_text_bytes",
            1,
            {"$PARAMETER": "max_record_bytes"},
            notes="instruction + input + response fit in max_record_bytes (the landing limit).",
        ),
        zero("staging_traceability", "n_untraceable", "Every staged sample is a landed raw record."),
    ],
)
