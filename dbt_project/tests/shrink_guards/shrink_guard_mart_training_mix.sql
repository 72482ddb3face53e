-- Write-audit-publish: mart_training_mix keeps most of its published rows (the shrink_guard macro).
{{ shrink_guard(ref('mart_training_mix')) }}
