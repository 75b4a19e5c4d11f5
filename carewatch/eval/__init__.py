"""Evaluation of fall detection on clip manifests: variants, metrics, pose cache, sweeps."""
