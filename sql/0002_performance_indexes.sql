-- 0002_performance_indexes: the 14 indexes of schema.md §3 for list filters, joins and recent-first queries.

CREATE INDEX ix_claims_payer_id ON claims(payer_id);
CREATE INDEX ix_claims_provider_id ON claims(provider_id);
CREATE INDEX ix_claims_practice_id ON claims(practice_id);
CREATE INDEX ix_claims_created_at ON claims(created_at);
CREATE INDEX ix_claims_payer_status ON claims(payer_id, status);
CREATE INDEX ix_remittances_payer_id ON remittances(payer_id);
CREATE INDEX ix_remittances_created_at ON remittances(created_at);
CREATE INDEX ix_claim_episodes_claim_id ON claim_episodes(claim_id);
CREATE INDEX ix_claim_episodes_remittance_id ON claim_episodes(remittance_id);
CREATE INDEX ix_claim_episodes_created_at ON claim_episodes(created_at);
CREATE INDEX ix_claim_lines_claim_id ON claim_lines(claim_id);
CREATE INDEX ix_risk_scores_claim_id ON risk_scores(claim_id);
CREATE INDEX ix_risk_scores_calculated_at ON risk_scores(calculated_at);
CREATE INDEX ix_denial_patterns_payer_id ON denial_patterns(payer_id);
