"""Model registry: resolves weights shipped by installed packages or given by path."""
