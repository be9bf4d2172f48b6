"""Batch jobs, importers and background workers."""
