"""Settings read by the billing service; the URL is only a template here."""
import os

# Documentation example, never handed to SQLAlchemy in this module, yet its password is
# committed all the same.
EXAMPLE_URL = "postgresql://billing:example-password@localhost/billing"  # expect: SQA302

DATABASE_URL = os.environ.get("BILLING_DATABASE_URL", "postgresql://billing@localhost/billing")
REPORTING_PASSWORD = os.environ["REPORTING_PASSWORD"]
INVOICE_TABLE = "invoices"
