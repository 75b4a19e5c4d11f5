"""The background event writer: writes queued without blocking, spooled when refused."""
