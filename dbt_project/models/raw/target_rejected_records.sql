-- Quarantine of the target landing: every record or file under target_root that could not be landed.
{{ landing_quarantine(ref('target_landing')) }}
