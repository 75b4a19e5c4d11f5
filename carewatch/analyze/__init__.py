"""Offline analysis of a video file, with decoding and pose run ahead on every core."""
