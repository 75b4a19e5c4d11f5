"""A district on one machine: NATS servers (a hub, a leaf per site) for a centre and its sites."""
