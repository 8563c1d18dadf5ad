-- 0006_audit_log_indexes: indexes for the audit-log filters and newest-first order.

CREATE INDEX ix_audit_logs_method ON audit_logs(method);
CREATE INDEX ix_audit_logs_path ON audit_logs(path);
CREATE INDEX ix_audit_logs_status_code ON audit_logs(status_code);
CREATE INDEX ix_audit_logs_user_id ON audit_logs(user_id);
CREATE INDEX ix_audit_logs_created_at ON audit_logs(created_at);
