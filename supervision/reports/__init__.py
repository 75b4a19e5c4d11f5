"""Reports over a period and a node: KPIs (JSON, CSV, PDF), uptime, the overview."""
