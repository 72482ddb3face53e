-- Write-audit-publish: stg_alpaca_cot__records keeps most of its published rows (macros/publish/publish_when_audited.sql).
{{ shrink_guard(ref('stg_alpaca_cot__records')) }}
