"""Safety rules other than falls: each turns per-frame evidence into events with a start and end."""
