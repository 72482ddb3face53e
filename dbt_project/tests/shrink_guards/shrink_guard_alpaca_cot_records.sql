-- Write-audit-publish: alpaca_cot_records keeps most of its published rows (the shrink_guard macro).
{{ shrink_guard(ref('alpaca_cot_records')) }}
