"""Retention of media: clips and snapshots deleted by age or disk pressure, held ones kept."""
