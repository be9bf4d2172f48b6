"""Billing back-office: CLI, background tasks and reports."""
