"""Composition root: configuration, CLI and process wiring."""
