DROP TABLE audit_published;
