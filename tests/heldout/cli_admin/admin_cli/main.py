"""`accounts-admin`: maintenance commands for the accounts database.

Example::

    accounts-admin --url postgresql://admin:secret@db/accounts find-users @example.com

The old version did ``engine.execute("SELECT ...")``; see ``session.query(User)`` in git history.
"""

import argparse
import getpass
import os

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session


def rename_role(engine, args):
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE roles SET name = :new WHERE name = :old"),
            {"new": args.new, "old": args.old},
        )


def find_users(engine, args):
    sql = f"SELECT id, email FROM users WHERE email LIKE '%{args.pattern}%' ORDER BY id"
    with engine.connect() as conn:
        for row in conn.execute(text(sql)):  # expect: SQA301
            print(row.id, row.email)


def set_schema(engine, args):
    with engine.connect() as conn:
        conn.execute(text(f"SET search_path TO {args.schema}"))  # expect: SQA301
        print(conn.execute(text("SHOW search_path")).scalar())


def list_inactive(engine, args):
    order = "DESC" if args.newest_first else "ASC"
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT email FROM users WHERE NOT active ORDER BY created_at " + order)
        ).all()
    for row in rows:
        print(row.email)


def reset_password(engine, args):
    password = getpass.getpass("new password: ")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE users SET password_hash = crypt(:p, gen_salt('bf')) WHERE email = :e"),
            {"p": password, "e": args.email},
        )


def interactive(engine, args):
    while True:
        email = input("email> ").strip()
        if not email:
            break
        with engine.connect() as conn:
            query = "SELECT id, name FROM users WHERE email = '%s'" % email
            row = conn.execute(text(query)).first()  # expect: SQA301
        print(row)


def count_users(engine, args):
    with Session(engine) as session:
        total = session.query(text("count(*)")).select_from(text("users")).scalar()  # expect: SQA203
        active = session.execute(  # expect: SQA202
            "SELECT count(*) FROM users WHERE active"
        ).scalar()
    print(f"{active}/{total} active")


COMMANDS = {
    "rename-role": rename_role,
    "find-users": find_users,
    "set-schema": set_schema,
    "list-inactive": list_inactive,
    "reset-password": reset_password,
    "interactive": interactive,
    "count-users": count_users,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(prog="accounts-admin")
    parser.add_argument(
        "--url",
        default=os.environ.get("ACCOUNTS_DB_URL"),
        help="database URL, e.g. postgresql://admin:secret@db/accounts",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("rename-role")
    p.add_argument("old")
    p.add_argument("new")
    sub.add_parser("find-users").add_argument("pattern")
    sub.add_parser("set-schema").add_argument("schema")
    sub.add_parser("list-inactive").add_argument("--newest-first", action="store_true")
    sub.add_parser("reset-password").add_argument("email")
    sub.add_parser("interactive")
    sub.add_parser("count-users")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    engine = create_engine(args.url)
    try:
        COMMANDS[args.cmd](engine, args)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
