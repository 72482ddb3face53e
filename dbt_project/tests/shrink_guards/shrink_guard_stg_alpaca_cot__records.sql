-- Write-audit-publish: stg_alpaca_cot__records keeps most of its published rows (the shrink_guard macro).
{{ shrink_guard(ref('stg_alpaca_cot__records')) }}
