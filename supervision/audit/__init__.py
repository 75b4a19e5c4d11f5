"""The audit log: a hash chain appended in the caller's transaction, verified, and read by scope."""
