"""Camera configurations kept as versions: save, list, roll back, each change audited."""
