"""Nightly pipeline: `python -m etl.run 2024-05-01`."""

import sys
from datetime import date

from . import extract, load, quality
from .connections import erp_engine, warehouse_engine


def main(argv=None):
    args = argv if argv is not None else sys.argv[1:]
    day = date.fromisoformat(args[0])
    erp = erp_engine()
    warehouse = warehouse_engine()
    try:
        orders = extract.extract_orders(erp, day)
        load.bulk_insert(warehouse, orders)
        load.merge_into_warehouse(warehouse, batch_id=day.isoformat())
        failures = quality.run_builtin_checks(warehouse)
        for table, column, n in failures:
            print(f"{table}.{column}: {n} NULLs")
    finally:
        erp.dispose()
        warehouse.dispose()


if __name__ == "__main__":
    main()
