"""Raw layer: every input unit is landed or rejected, once, with a consistent status.

Keys and non-null text are dbt tests (dbt_project/models/raw/_raw__models.yml); the reason codes
are checked here, against the one list of them (sftmart.landing.REASON_CODES)."""

from expectations.checks import SuiteDef, Target, in_set, zero
from sftmart.landing.reasons import CHANGED_DURING_READ, REASON_CODES

RAW = SuiteDef(
    layer="raw",
    description="Landing: every input unit is landed or rejected, once, with a consistent status.",
    targets=[
        Target(
            name="landing_rows",
            table="raw.alpaca_cot_landing",
            kind="rows",
            description="One row per input unit (landed or rejected).",
            id_columns=["record_id", "source_file"],
            sql="""select record_id, source_file, status, reject_reason_code,
                          (status = 'rejected') = (reject_reason_code is not null) as reason_matches_status
                   from raw.alpaca_cot_landing""",
        ),
        Target(
            name="eval_landing_rows",
            table="raw.eval_landing",
            kind="rows",
            description="One row per evaluation input unit (eval_root), landed or rejected.",
            id_columns=["record_id", "source_file"],
            sql="""select record_id, source_file, status, reject_reason_code,
                          (status = 'rejected') = (reject_reason_code is not null) as reason_matches_status
                   from raw.eval_landing""",
        ),
        Target(
            name="reconcile_with_input",
            table="raw.alpaca_cot_landing",
            kind="aggregate",
            description=(
                "Per input file: landed + rejected rows against the units "
                "sftmart.landing.reconcile(raw_root) counts in the input folder "
                f"(a file that changed while it was landed is one {CHANGED_DURING_READ} row; one that "
                "changed since it was landed is not compared, and flagged)."
            ),
            id_columns=["source_file"],
            inputs=["expected_units"],
            # A file that changed while it was landed holds one row, whatever it holds now; one
            # that changed after it was landed (another size or mtime than its rows record) holds
            # the version landed, which the count of what it holds now cannot check.
            sql=f"""with landed as (
                       select source_file,
                              count(*) filter (where status = 'landed') as n_landed,
                              count(*) filter (where status = 'rejected') as n_rejected,
                              count(*) filter (where reject_reason_code = '{CHANGED_DURING_READ}') > 0 as changed,
                              any_value(file_size) as file_size,
                              any_value(file_mtime_ns) as file_mtime_ns
                       from raw.alpaca_cot_landing group by source_file),
                   compared as (
                       select coalesce(l.source_file, e.source_file) as source_file,
                              case when l.changed then 1 else coalesce(e.expected_units, 0) end as expected_units,
                              coalesce(l.n_landed, 0) as n_landed,
                              coalesce(l.n_rejected, 0) as n_rejected,
                              e.source_file is not null as file_in_input,
                              coalesce(not l.changed and e.source_file is not null
                                       and (l.file_size is distinct from e.file_size
                                            or l.file_mtime_ns is distinct from e.file_mtime_ns), false)
                                  as changed_since_landed
                       from landed as l
                       full outer join _gx_expected_units as e using (source_file))
                   select source_file, expected_units, n_landed, n_rejected,
                          case when changed_since_landed then 0
                               else n_landed + n_rejected - expected_units end as units_difference,
                          file_in_input, changed_since_landed
                   from compared
                   order by source_file""",
        ),
    ],
    checks=[
        in_set(
            "landing_rows",
            "reason_matches_status",
            [True],
            "A row has a reject reason code exactly when it was rejected.",
        ),
        in_set(
            "landing_rows",
            "reject_reason_code",
            list(REASON_CODES),
            "Every reject reason code is one the landing defines (sftmart/landing/reasons.py).",
        ),
        in_set(
            "eval_landing_rows",
            "reason_matches_status",
            [True],
            "An evaluation row has a reject reason code exactly when it was rejected.",
        ),
        in_set(
            "eval_landing_rows",
            "reject_reason_code",
            list(REASON_CODES),
            "Every evaluation reject reason code is one the landing defines (sftmart/landing/reasons.py).",
        ),
        zero(
            "reconcile_with_input",
            "units_difference",
            "landed + rejected rows of each file equal the units reconcile(raw_root) counts in it "
            "(a file missing on either side shows the whole count).",
        ),
        in_set(
            "reconcile_with_input",
            "file_in_input",
            [True],
            "Every landed file is still in the input folder.",
            severity="warning",
        ),
        in_set(
            "reconcile_with_input",
            "changed_since_landed",
            [False],
            "No input file changed after it was landed (one that did keeps the rows of the version "
            "landed, and the next build lands it again).",
            severity="warning",
        ),
    ],
)
