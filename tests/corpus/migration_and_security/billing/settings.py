"""Settings read by the billing service; the URL is only a template here."""
import os

# Documentation example, never handed to SQLAlchemy in this module.
EXAMPLE_URL = "postgresql://billing:example-password@localhost/billing"

DATABASE_URL = os.environ.get("BILLING_DATABASE_URL", "postgresql://billing@localhost/billing")
REPORTING_PASSWORD = os.environ["REPORTING_PASSWORD"]
INVOICE_TABLE = "invoices"
