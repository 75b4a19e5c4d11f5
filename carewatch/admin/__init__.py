"""Administration commands on the database: users, the audit log's check, KPI exports."""
