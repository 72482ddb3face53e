"""Staging layer: every landed raw record, renamed and cast.

sample_id's key is a dbt test; the prompt (int_records_cleaned) is tested there, non-null and
non-empty, with its template language."""

from expectations.checks import SuiteDef, Target, between, not_null, zero

STAGING = SuiteDef(
    layer="staging",
    description="Every landed raw record, renamed and cast.",
    targets=[
        Target(
            name="staged_records",
            table="staging.stg_alpaca_cot__records",
            kind="rows",
            description="Instruction/output sizes in UTF-8 bytes (NULL when the text is NULL).",
            id_columns=["sample_id", "source_file"],
            sql="""select sample_id, source_file,
                          strlen(instruction) as instruction_bytes,
                          strlen(output) as response_bytes,
                          strlen(instruction) + strlen(input) + strlen(output) as record_text_bytes
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
        not_null("staged_records", "instruction_bytes", "The instruction is never NULL."),
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
