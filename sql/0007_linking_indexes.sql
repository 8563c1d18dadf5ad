-- 0007_linking_indexes: indexes for episode linking, pattern detection and denial counts.

CREATE INDEX ix_remittances_payer_claim ON remittances(pcn_key, payer_id);
CREATE INDEX ix_claims_pcn_key ON claims(pcn_key);
CREATE INDEX ix_claims_patient_match ON claims(patient_key, service_date);
CREATE INDEX ix_remittances_payer_payment_date ON remittances(payer_id, payment_date);
CREATE INDEX ix_claim_lines_procedure_code ON claim_lines(procedure_code);
CREATE INDEX ix_adjustments_group_reason ON adjustments(group_code, reason_code);
