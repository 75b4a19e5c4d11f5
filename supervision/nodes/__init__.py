"""The nodes sharing the database: heartbeats, and a silent node's cameras marked offline."""
