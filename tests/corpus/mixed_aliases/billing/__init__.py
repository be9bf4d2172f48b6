"""Billing service: invoices, ledgers and partner reporting."""
