-- Nothing to do on PostgreSQL: V7 makes SQLite's audit_log keyed by its sequence, which
-- PostgreSQL's primary key index already is (a table there is a heap beside its indexes). This
-- file keeps the schema versions of the two databases in step.
SELECT 1;
