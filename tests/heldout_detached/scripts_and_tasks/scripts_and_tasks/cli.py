"""billing-admin command line."""
import argparse
import logging
import sys
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .database import SessionLocal, engine, session_scope
from .helpers import reset_failed_jobs
from .models import Customer, Subscription

log = logging.getLogger("billing-admin")


def cmd_show(args: argparse.Namespace) -> int:
    with SessionLocal() as s:
        customer = s.get(Customer, args.id)
    if customer is None:
        print(f"no customer #{args.id}", file=sys.stderr)
        return 1
    print(customer.email, customer.plan, customer.credit_cents)
    return 0


def cmd_change_plan(args: argparse.Namespace) -> int:
    with SessionLocal() as session:
        customer = session.query(Customer).filter_by(email=args.email).one()
        old_plan = customer.plan
        customer.plan = args.plan
        session.commit()
    print(f"{customer.email}: {old_plan} -> {args.plan}")  # expect: SQA107
    return 0


def cmd_grant_credit(args: argparse.Namespace) -> int:
    with Session(engine) as s:
        c = s.scalars(select(Customer).where(Customer.email == args.email)).one()
        c.credit_cents += args.cents
        s.commit()
        s.refresh(c)
    print(f"{c.email} now has {c.credit_cents} cents of credit")
    return 0


def cmd_cancel(args: argparse.Namespace) -> int:
    with Session(engine) as s:
        sub = s.get_one(Subscription, args.subscription_id)
        print(f"cancelling {sub.plan} subscription of customer {sub.customer_id}")
        sub.status = "cancelled"
        sub.cancelled_at = datetime.utcnow()
        s.commit()
    print(f"cancelled at {sub.cancelled_at:%Y-%m-%d %H:%M}")  # expect: SQA107
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    s = Session(engine)
    customer = s.scalar(select(Customer).where(Customer.id == args.id))
    if customer is None:
        s.close()
        return 1
    customer.name = args.name
    s.commit()
    s.close()
    print("renamed to", customer.name)  # expect: SQA107
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    with session_scope() as s:
        customer = Customer(email=args.email, name=args.name, plan=args.plan)
        s.add(customer)
    print(f"imported customer #{customer.id}")  # bonus: SQA107
    return 0


def cmd_upgrade_all(args: argparse.Namespace) -> int:
    with SessionLocal() as s:
        customers = s.scalars(select(Customer).where(Customer.plan == args.source)).all()
        for customer in customers:
            customer.plan = args.target
        s.commit()
        summary = [(customer.id, customer.email) for customer in customers]
    for customer_id, email in summary:
        print(f"{customer_id}\t{email}\t{args.target}")
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    for job in reset_failed_jobs():
        print(job.id, job.kind)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="billing-admin")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("show")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("change-plan")
    p.add_argument("email")
    p.add_argument("plan")
    p.set_defaults(func=cmd_change_plan)

    p = sub.add_parser("grant-credit")
    p.add_argument("email")
    p.add_argument("cents", type=int)
    p.set_defaults(func=cmd_grant_credit)

    p = sub.add_parser("cancel")
    p.add_argument("subscription_id", type=int)
    p.set_defaults(func=cmd_cancel)

    p = sub.add_parser("rename")
    p.add_argument("id", type=int)
    p.add_argument("name")
    p.set_defaults(func=cmd_rename)

    p = sub.add_parser("import")
    p.add_argument("email")
    p.add_argument("name")
    p.add_argument("--plan", default="free")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("upgrade-all")
    p.add_argument("source")
    p.add_argument("target")
    p.set_defaults(func=cmd_upgrade_all)

    p = sub.add_parser("requeue")
    p.set_defaults(func=cmd_requeue)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO)
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
