-- Write-audit-publish: mart_candidate_pool keeps most of its published rows (macros/publish/publish_when_audited.sql).
{{ shrink_guard(ref('mart_candidate_pool')) }}
