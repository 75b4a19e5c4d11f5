"""Video in and out: sources, reconnect, health, frame hand-off, ring buffer, clips, live view."""
