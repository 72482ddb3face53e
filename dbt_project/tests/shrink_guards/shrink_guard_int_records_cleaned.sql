-- Write-audit-publish: int_records_cleaned keeps most of its published rows (the shrink_guard macro).
{{ shrink_guard(ref('int_records_cleaned')) }}
