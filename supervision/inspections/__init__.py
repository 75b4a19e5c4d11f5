"""Fire-safety and service-quality inspections, the hazards they find, and their evidence."""
