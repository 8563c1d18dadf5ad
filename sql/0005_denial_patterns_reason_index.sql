-- 0005_denial_patterns_reason_index: (payer_id, denial_reason_code) index for the pattern upsert.

CREATE INDEX ix_denial_patterns_payer_reason ON denial_patterns(payer_id, denial_reason_code);
