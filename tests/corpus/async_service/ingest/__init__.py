"""Event ingestion service: polls upstream databases and stores new events."""
