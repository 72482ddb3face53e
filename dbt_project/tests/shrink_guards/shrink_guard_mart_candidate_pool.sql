-- Write-audit-publish: mart_candidate_pool keeps most of its published rows (the shrink_guard macro).
{{ shrink_guard(ref('mart_candidate_pool')) }}
