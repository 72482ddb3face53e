-- Write-audit-publish: mart_training_mix keeps most of its published rows (macros/publish/publish_when_audited.sql).
{{ shrink_guard(ref('mart_training_mix')) }}
