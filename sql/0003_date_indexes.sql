-- 0003_date_indexes: service and payment date indexes for date-range filters.

CREATE INDEX ix_claims_service_date ON claims(service_date);
CREATE INDEX ix_remittances_payment_date ON remittances(payment_date);
CREATE INDEX ix_claim_lines_service_date ON claim_lines(service_date);
