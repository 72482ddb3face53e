-- Write-audit-publish: int_records_cleaned keeps most of its published rows (macros/publish/publish_when_audited.sql).
{{ shrink_guard(ref('int_records_cleaned')) }}
