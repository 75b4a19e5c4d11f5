"""A district on one machine: its servers (NATS hub and leaves, SeaweedFS), a centre, sites."""
