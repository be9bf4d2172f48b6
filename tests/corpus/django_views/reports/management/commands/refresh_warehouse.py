from django.conf import settings
from django.core.management.base import BaseCommand
from sqlalchemy import create_engine, text


class Command(BaseCommand):
    help = "Refresh the warehouse materialized views"

    def add_arguments(self, parser):
        parser.add_argument("--view", action="append", dest="views", default=None)

    def handle(self, *args, **options):
        views = options["views"] or ["mv_sales_by_month", "mv_top_products"]
        engine = create_engine(settings.WAREHOUSE_URL, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                for view in views:
                    conn.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))  # expect: SQA301
                    self.stdout.write(self.style.SUCCESS(f"refreshed {view}"))
        finally:
            engine.dispose()
