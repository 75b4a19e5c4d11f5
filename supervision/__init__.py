"""Supervision database and domain: facilities, cameras, events and their workflow."""
