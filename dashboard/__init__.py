"""FastAPI web app and API: live view, event feed, clip review, event workflow."""
