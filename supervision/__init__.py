"""Supervision database and domain: organisation tree, users and scope, events, audit log."""
