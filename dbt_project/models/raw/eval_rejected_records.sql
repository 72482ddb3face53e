-- Quarantine of the evaluation landing: every record or file under eval_root that could not be landed.
{{ landing_quarantine(ref('eval_landing')) }}
