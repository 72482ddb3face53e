-- Write-audit-publish: alpaca_cot_records keeps most of its published rows (macros/publish/publish_when_audited.sql).
{{ shrink_guard(ref('alpaca_cot_records')) }}
