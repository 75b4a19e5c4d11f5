"""API schemas: what the HTTP API accepts and returns, one module per router."""
