-- 0004_composite_indexes: composite and updated_at indexes for per-payer, episode-status and changed-since queries.

CREATE INDEX ix_remittances_payer_created ON remittances(payer_id, created_at);
CREATE INDEX ix_claim_episodes_status_denial ON claim_episodes(status, denial_count);
CREATE INDEX ix_claim_episodes_remittance_status ON claim_episodes(remittance_id, status);
CREATE INDEX ix_claims_updated_at ON claims(updated_at);
CREATE INDEX ix_remittances_updated_at ON remittances(updated_at);
CREATE INDEX ix_claim_episodes_updated_at ON claim_episodes(updated_at);
