"""Running the service: cameras and their real-time pipeline, live camera control."""
