"""Perception and analytics: pose, tracking, per-track state machines, SafetyEvent records."""
