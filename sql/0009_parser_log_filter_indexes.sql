-- 0009_parser_log_filter_indexes: every filter of GET /api/v1/parser-logs
-- and `claims logs` served by an index (the file filter already was).  Each
-- index carries the rowid, so a filtered page comes out newest first
-- (ORDER BY id DESC) without a sort.

CREATE INDEX ix_parser_logs_claim_id ON parser_logs(claim_id);
CREATE INDEX ix_parser_logs_remittance_id ON parser_logs(remittance_id);
CREATE INDEX ix_parser_logs_issue_type ON parser_logs(issue_type);
CREATE INDEX ix_parser_logs_log_level ON parser_logs(log_level);
