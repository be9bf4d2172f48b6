"""SQA401 against a real SQLite database: the loop the rule reports runs one more
SELECT per object (counted with an event listener), the statement with the loader
option the message names runs as many for 20 objects as for 5, and so does code the
rule accepts."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from sqlalchemy_lint.checker import check_source
from sqlalchemy_lint.fixing import fix_source
from sqlalchemy_lint.rules.n_plus_one import NPlusOne
from sqlalchemy_lint.semantic import ProjectIndex

MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    addresses = relationship("Address")
    orders = relationship("Order", lazy="selectin")

    def mail_count(self):
        return len(self.addresses)

    @property
    def mail_total(self):
        return len(self.addresses)

    @property
    def mailed(self):
        return self.mail_total > 0


class Address(Base):
    __tablename__ = "addresses"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"))
    email = Column(String)
    user = relationship("User", viewonly=True)


class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"))


engine = create_engine(URL)
Base.metadata.create_all(engine)
with Session(engine) as seed:
    for n in range(ROWS):
        seed.add(User(name=f"u{n}", addresses=[Address(email=f"{n}@x")], orders=[Order()]))
    seed.commit()
"""

# name -> (code, code with the option the message names); `run(session)` loops.
REPORTED = {
    "a for loop over .all()": (
        """
def run(session: Session):
    users = session.scalars(select(User)).all()
    for user in users:
        print(user.name, len(user.addresses))  # READ
""",
        """
def run(session: Session):
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    for user in users:
        print(user.name, len(user.addresses))
""",
    ),
    "a method of the model that reads it": (
        """
def run(session: Session):
    return [u.mail_count() for u in session.scalars(select(User)).all()]  # READ
""",
        """
def run(session: Session):
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    return [u.mail_count() for u in users]
""",
    ),
    "a legacy query kept in a name, refined, then run": (
        """
def run(session):
    query = session.query(User)
    query = query.filter(User.id > 0)
    users = query.limit(100).all()
    return [u.mail_count() for u in users]  # READ
""",
        """
def run(session):
    query = session.query(User).options(selectinload(User.addresses))
    query = query.filter(User.id > 0)
    users = query.limit(100).all()
    return [u.mail_count() for u in users]
""",
    ),
    "a comprehension over a legacy query": (
        """
def run(session: Session):
    return [a.email for u in session.query(User).all() for a in u.addresses]  # READ
""",
        """
def run(session: Session):
    statement = session.query(User).options(selectinload(User.addresses))
    return [a.email for u in statement.all() for a in u.addresses]
""",
    ),
    "rows of two entities, unpacked": (
        """
def run(session):
    rows = session.query(Address, User).filter(User.id == Address.user_id).all()
    return [len(user.addresses) for address, user in rows]  # READ
""",
        """
def run(session):
    rows = (
        session.query(Address, User)
        .options(selectinload(User.addresses))
        .filter(User.id == Address.user_id)
        .all()
    )
    return [len(user.addresses) for address, user in rows]
""",
    ),
    "a property of the model, through another property": (
        """
def run(session: Session):
    users = session.scalars(select(User)).all()
    return [user.mailed for user in users]  # READ
""",
        """
def run(session: Session):
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    return [user.mailed for user in users]
""",
    ),
}

# Reported, but with no fix: the statement is out of the fix's reach (in the caller
# of the function that reads, or a model's query property). name -> (code, code with
# the option the message names).
REPORTED_WITHOUT_A_FIX = {
    "a function of the project that returns the query's objects": (
        """
def active_users(session):
    return session.scalars(select(User).where(User.id > 0)).all()

def run(session: Session):
    return [len(u.addresses) for u in active_users(session)]  # READ
""",
        """
def active_users(session):
    statement = select(User).where(User.id > 0)
    return session.scalars(statement.options(selectinload(User.addresses))).all()

def run(session: Session):
    return [len(u.addresses) for u in active_users(session)]
""",
    ),
    "a method of the model that returns the query's objects": (
        """
class Users:
    @staticmethod
    def listed(session: Session):
        query = session.query(User)
        return query.filter(User.id > 0).all()

def run(session: Session):
    users = Users.listed(session)
    for user in users:
        print(user.addresses)  # READ
""",
        """
class Users:
    @staticmethod
    def listed(session: Session):
        query = session.query(User).options(selectinload(User.addresses))
        return query.filter(User.id > 0).all()

def run(session: Session):
    users = Users.listed(session)
    for user in users:
        print(user.addresses)
""",
    ),
    "a helper the loop hands each object to": (
        """
def run(session: Session):
    return [u.name for u in session.scalars(select(User)).all() if has_mail(u)]

def has_mail(user):
    return any(a.email for a in user.addresses)  # READ
""",
        """
def run(session: Session):
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    return [u.name for u in users if has_mail(u)]

def has_mail(user):
    return any(a.email for a in user.addresses)
""",
    ),
    "a model's query property": (
        """
from sqlalchemy.orm import scoped_session, sessionmaker

Registry = scoped_session(sessionmaker(bind=engine))
Base.query = Registry.query_property()

def run(session: Session):
    for user in User.query.filter(User.id > 0).all():
        print(len(user.addresses))  # READ
    Registry.remove()
""",
        """
from sqlalchemy.orm import scoped_session, sessionmaker

Registry = scoped_session(sessionmaker(bind=engine))
Base.query = Registry.query_property()

def run(session: Session):
    for user in User.query.options(selectinload(User.addresses)).filter(User.id > 0).all():
        print(len(user.addresses))
    Registry.remove()
""",
    ),
}

ACCEPTED = {
    "one row at most, by the primary key": """
def run(session: Session):
    return [len(u.addresses) for u in session.query(User).filter_by(id=1).all()]
""",
    "one row at most, by the primary key, in a select": """
def run(session: Session):
    users = session.scalars(select(User).where(User.id == 2)).all()
    return [len(u.addresses) for u in users]
""",
    "eager by declaration": """
def run(session: Session):
    return [len(u.orders) for u in session.scalars(select(User))]
""",
    # The row's user is in the session's identity map: `address.user` finds it there.
    "a many-to-one read of rows of two entities": """
def run(session):
    rows = session.query(Address, User).filter(User.id == Address.user_id).all()
    return [address.user.name for address, user in rows]
""",
    "columns only": """
def run(session: Session):
    return [u.name for u in session.scalars(select(User))]
""",
}


def _selects(tmp_path: Path, code: str, rows: int, models: str = MODELS) -> int:
    tmp_path.mkdir()
    namespace: dict[str, Any] = {"URL": f"sqlite:///{tmp_path / 'app.db'}", "ROWS": rows}
    exec(compile(models + code, "<app>", "exec"), namespace)
    engine = namespace["engine"]

    def run() -> None:
        with namespace["Session"](engine) as session:
            namespace["run"](session)

    return _statements_run(engine, run)


def _reported_lines(code: str) -> list[int]:
    source = "URL = 'sqlite://'\nROWS = 1\n" + MODELS + code
    result = check_source(source, rules=[NPlusOne])
    return [d.span.start.line - 2 for d in result.diagnostics]  # the two lines added above


def _marked_line(code: str) -> int:
    lines = (MODELS + code).splitlines()
    return next(i for i, line in enumerate(lines, 1) if "# READ" in line)


@pytest.mark.parametrize("name", REPORTED)
def test_reported_loop_grows_with_the_rows_and_the_fix_does_not(name: str, tmp_path: Path) -> None:
    code, fixed = REPORTED[name]
    assert _reported_lines(code) == [_marked_line(code)]
    # One more SELECT per object: 15 more objects, 15 more queries.
    assert _selects(tmp_path / "20", code, 20) - _selects(tmp_path / "5", code, 5) == 15
    assert _reported_lines(fixed) == []
    assert _selects(tmp_path / "fixed5", fixed, 5) == _selects(tmp_path / "fixed20", fixed, 20)


@pytest.mark.parametrize("name", REPORTED_WITHOUT_A_FIX)
def test_reported_through_a_helper_or_a_query_property(name: str, tmp_path: Path) -> None:
    code, loaded = REPORTED_WITHOUT_A_FIX[name]
    assert _reported_lines(code) == [_marked_line(code)]
    assert _selects(tmp_path / "20", code, 20) - _selects(tmp_path / "5", code, 5) == 15
    assert _reported_lines(loaded) == []
    assert _selects(tmp_path / "loaded5", loaded, 5) == _selects(tmp_path / "loaded20", loaded, 20)


@pytest.mark.parametrize("name", ACCEPTED)
def test_accepted_loops_do_not_grow_with_the_rows(name: str, tmp_path: Path) -> None:
    code = ACCEPTED[name]
    assert _reported_lines(code) == []
    assert _selects(tmp_path / "5", code, 5) == _selects(tmp_path / "20", code, 20)


@pytest.mark.parametrize("name", REPORTED)
def test_the_fix_stops_the_growth(name: str, tmp_path: Path) -> None:
    code, _ = REPORTED[name]
    header = "URL = 'sqlite://'\nROWS = 1\n"
    outcome = fix_source(header + MODELS + code, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    fixed = outcome.source[len(header) + len(MODELS) :]
    assert "selectinload(User.addresses)" in fixed
    assert _selects(tmp_path / "5", fixed, 5) == _selects(tmp_path / "20", fixed, 20)


def test_the_fix_imports_selectinload_when_the_module_lacks_it() -> None:
    source = (
        '"""Reports."""\n'
        "from sqlalchemy import select\n"
        "from sqlalchemy.orm import DeclarativeBase, Session, relationship\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class User(Base):\n    __tablename__ = 'users'\n"
        "    addresses = relationship('Address')\n\n\n"
        "def run(session: Session):\n"
        "    for user in session.scalars(select(User).where(User.id > 0)):\n"
        "        print(user.addresses)\n"
    )
    outcome = fix_source(source, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    lines = outcome.source.splitlines()
    assert lines[3] == "from sqlalchemy.orm import selectinload"  # after the imports
    assert "select(User).options(selectinload(User.addresses)).where(User.id > 0)" in (
        outcome.source
    )
    compile(outcome.source, "<fixed>", "exec")


SECOND_LOOP = """
def run(session: Session):
    users = session.scalars(select(User)).all()
    for user in users:
        assert len(user.addresses) >= 0  # READ
    {between}
    for user in users:
        for address in user.addresses:  # AGAIN
            print(address.email)
"""


def test_a_second_loop_reads_what_the_first_loaded_until_the_session_expires_it(
    tmp_path: Path,
) -> None:
    kept = SECOND_LOOP.format(between="message = 'checked'")
    lines = (MODELS + kept).splitlines()
    again = next(i for i, line in enumerate(lines, 1) if "# AGAIN" in line)
    assert _reported_lines(kept) == [_marked_line(kept)]
    # Only the first loop grows with the rows: one SELECT per object, once.
    assert _selects(tmp_path / "k20", kept, 20) - _selects(tmp_path / "k5", kept, 5) == 15
    expired = SECOND_LOOP.format(between="session.commit()")
    assert _reported_lines(expired) == [_marked_line(expired), again]
    # After the commit, each object loads its relationship again (and more, since the
    # commit expired the objects themselves).
    assert _selects(tmp_path / "e20", expired, 20) - _selects(tmp_path / "e5", expired, 5) >= 30


def test_a_query_between_the_loops_expires_nothing(tmp_path: Path) -> None:
    """A query on the session between the passes (`session.query(User).filter(
    User.id.in_(ids)).all()`, the batch lookup real code does there) loads objects and
    expires none: the second pass reads what the first loaded, and is not reported."""
    between = "owners = session.query(User).filter(User.id.in_([u.id for u in users])).all()"
    code = SECOND_LOOP.format(between=between)
    assert _reported_lines(code) == [_marked_line(code)]
    assert _selects(tmp_path / "q20", code, 20) - _selects(tmp_path / "q5", code, 5) == 15


def test_plain_work_between_the_loops_expires_nothing(tmp_path: Path) -> None:
    """Dates, strings, a `defaultdict`'s items and a raw query between the passes:
    none expires what the first pass loaded, so only the first is reported and only
    it grows with the rows."""
    between = (
        "import datetime, collections; seen = collections.defaultdict(set); "
        "day = datetime.date.today().strftime('%Y'); seen[day.lower()].add(day); "
        "rows = session.execute(text('SELECT id FROM users')).mappings().all()"
    )
    code = SECOND_LOOP.format(between=between).replace(
        "def run", "from sqlalchemy import text\n\ndef run"
    )
    assert _reported_lines(code) == [_marked_line(code)]
    assert _selects(tmp_path / "p20", code, 20) - _selects(tmp_path / "p5", code, 5) == 15


CONDITIONAL_FIRST_PASS = """
TAG = None

def run(session: Session):
    users = session.scalars(select(User)).all()
    if TAG:
        users = [u for u in users if u.addresses]  # READ
    for user in users:
        for address in user.addresses:  # AGAIN
            print(address.email)
"""


def test_a_first_pass_under_an_if_of_its_own_may_not_have_loaded(tmp_path: Path) -> None:
    """When the first pass runs only under its own `if`, the second one loads each
    object's relationship itself whenever the `if` is not taken: both are reported."""
    lines = (MODELS + CONDITIONAL_FIRST_PASS).splitlines()
    again = next(i for i, line in enumerate(lines, 1) if "# AGAIN" in line)
    code = CONDITIONAL_FIRST_PASS
    assert _reported_lines(code) == [_marked_line(code), again]
    assert _selects(tmp_path / "c20", code, 20) - _selects(tmp_path / "c5", code, 5) == 15


def _statements_run(engine: Any, run: Callable[[], object]) -> int:
    """How many statements `run()` sends through `engine` (which is disposed of after)."""
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    try:
        run()
    finally:
        engine.dispose()
    return len(statements)


# Pets and their owners: `Pet.owner` is many-to-one, lazily loaded. (The apps below
# import what it names: `Column`, `ForeignKey`, `Integer`, `String`, `DeclarativeBase`,
# `relationship`.)
PETS = """
class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class Pet(Base):
    __tablename__ = "pets"
    id = Column(Integer, primary_key=True)
    owner_id = Column(ForeignKey("owners.id"))
    owner = relationship("Owner")
"""


def _seed_pets(namespace: dict[str, Any], engine: Any, pets: int) -> None:
    """`pets` pets, each with an owner of its own, in the app's tables."""
    namespace["Base"].metadata.create_all(engine)
    with namespace["Session"](engine) as seed:
        seed.add_all(namespace["Owner"](id=n, name=f"o{n}") for n in range(pets))
        seed.add_all(namespace["Pet"](id=n, owner_id=n) for n in range(pets))
        seed.commit()


MANY_TO_ONE = (
    """
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, relationship

"""
    + PETS
    + """

def names(session: Session):
    return [pet.owner.name for pet in session.query(Pet).all()]
"""
)


def _selects_for_owners(tmp_path: Path, pets: int, owners: int) -> int:
    namespace: dict[str, Any] = {}
    exec(compile(MANY_TO_ONE, "<pets>", "exec"), namespace)
    engine = namespace["create_engine"](f"sqlite:///{tmp_path / f'{pets}-{owners}.db'}")
    namespace["Base"].metadata.create_all(engine)
    with namespace["Session"](engine) as seed:
        seed.add_all(namespace["Owner"](id=n, name=f"o{n}") for n in range(owners))
        seed.add_all(namespace["Pet"](owner_id=n % owners) for n in range(pets))
        seed.commit()

    def run() -> None:
        with namespace["Session"](engine) as session:
            namespace["names"](session)

    return _statements_run(engine, run)


def test_a_many_to_one_read_is_said_to_cost_a_query_per_target_not_held(tmp_path: Path) -> None:
    """`pet.owner` for each pet: the session loads each owner once and reads the
    ones it holds without a query, so the message says N+1 only when they differ."""
    (diagnostic,) = check_source(MANY_TO_ONE, rules=[NPlusOne]).diagnostics
    assert "one more query per object whose target the session does not hold yet" in (
        diagnostic.message
    )
    # 40 pets of 2 owners: 3 queries, as for 5 pets; 40 pets of 40 owners: 41.
    assert _selects_for_owners(tmp_path, 40, 2) == _selects_for_owners(tmp_path, 5, 2) == 3
    assert _selects_for_owners(tmp_path, 40, 40) == 41


@pytest.mark.parametrize(
    ("declaration", "scalar"),
    [
        ('tags: Mapped[List["Tag"]] = relationship()', False),
        ('tags: Mapped[Optional["Tag"]] = relationship()', True),
        ('tags: Mapped["Tag"] = relationship()', True),
        ('tags = relationship("Tag", uselist=False)', True),
        ('tags = relationship("Tag")', False),
    ],
)
def test_what_a_relationship_holds_decides_the_message(declaration: str, scalar: bool) -> None:
    source = (
        "from typing import List, Optional\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, Session, relationship\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n"
        f"class Post(Base):\n    __tablename__ = 'posts'\n    {declaration}\n\n"
        "def names(session: Session):\n"
        "    return [post.tags for post in session.query(Post).all()]\n"
    )
    (diagnostic,) = check_source(source, rules=[NPlusOne]).diagnostics
    assert ("whose target the session does not hold yet" in diagnostic.message) is scalar


_POST = (
    "class Post(Base):\n    __tablename__ = 'posts'\n    id = Column(Integer, primary_key=True)\n"
)
# Each: the classes beside `LoginSetup`, and the relationship of `Post` a loop reads.
_DIRECTIONS = {
    "a foreign key to the target's table": (
        _POST + "    setup = Column(ForeignKey('login_setups.id'))\n"
        "    login_setup_obj = relationship('LoginSetup')\n",
        "login_setup_obj",
    ),
    "a foreign key to the target's column attribute": (
        _POST + "    store = Column(Integer, ForeignKey(LoginSetup.id))\n"
        "    store_object = relationship('LoginSetup')\n",
        "store_object",
    ),
    "the target's foreign key to this table": (
        _POST + "    setups = relationship('LoginSetup')\n"
        "LoginSetup.post_id = Column(ForeignKey('posts.id'))\n",
        "setups",
    ),
    "self-referential, with remote_side": (
        _POST + "    parent_ref = Column(ForeignKey('posts.id'))\n"
        "    parent = relationship('Post', remote_side=[id])\n",
        "parent",
    ),
    "self-referential, without remote_side": (
        _POST + "    parent_ref = Column(ForeignKey('posts.id'))\n"
        "    replies = relationship('Post')\n",
        "replies",
    ),
    "a backref through a secondary table": (
        "author_posts = Table('author_posts', Base.metadata,\n"
        "    Column('author_id', ForeignKey('authors.id')),\n"
        "    Column('post_id', ForeignKey('posts.id')))\n\n"
        "class Author(Base):\n    __tablename__ = 'authors'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    posts = relationship('Post', secondary=author_posts, backref='writers')\n\n" + _POST,
        "writers",
    ),
    "the reverse of a one-to-many backref": (
        "class Author(Base):\n    __tablename__ = 'authors'\n"
        "    id = Column(Integer, primary_key=True)\n"
        "    posts = relationship('Post', backref='writer')\n\n"
        + _POST
        + "    author_ref = Column(ForeignKey('authors.id'))\n",
        "writer",
    ),
}


@pytest.mark.parametrize("case", sorted(_DIRECTIONS))
def test_a_relationship_holds_one_object_as_sqlalchemy_maps_it(case: str) -> None:
    """The message's many-to-one reading agrees with the direction SQLAlchemy gives
    the relationship from the foreign keys (`uselist` False: one object)."""
    classes, relationship_name = _DIRECTIONS[case]
    source = (
        "from sqlalchemy import Column, ForeignKey, Integer, Table\n"
        "from sqlalchemy.orm import DeclarativeBase, Session, configure_mappers, relationship\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n"
        "class LoginSetup(Base):\n    __tablename__ = 'login_setups'\n"
        "    id = Column(Integer, primary_key=True)\n\n"
        f"{classes}\n"
        "def names(session: Session):\n"
        # (Filtered: over every row, a read back at `Post` itself finds its target.)
        f"    return [post.{relationship_name} "
        "for post in session.query(Post).filter(Post.id > 0).all()]\n"
    )
    namespace: dict[str, Any] = {}
    exec(compile(source, "<directions>", "exec"), namespace)
    namespace["configure_mappers"]()
    holds_one = not getattr(namespace["Post"], relationship_name).property.uselist
    (diagnostic,) = check_source(source, rules=[NPlusOne]).diagnostics
    assert ("whose target the session does not hold yet" in diagnostic.message) is holds_one


RESPONSE_MODEL_VIEW = (
    """
from typing import List

from fastapi import Depends, FastAPI
from pydantic import BaseModel, ConfigDict
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship

"""
    + PETS
    + """

class OwnerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


class PetOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    owner: OwnerOut


app = FastAPI()
engine = create_engine(URL)


def get_db():
    with Session(engine) as session:
        yield session


@app.get("/pets", response_model=List[PetOut])
def pets(db: Session = Depends(get_db)):
    return db.query(Pet).all()
"""
)


def _selects_for_pets(tmp_path: Path, code: str, pets: int) -> int:
    from fastapi.testclient import TestClient

    tmp_path.mkdir()
    # A module of its own, as an app's is: pydantic and FastAPI look the classes'
    # annotations up in it. (Not under the test module's `from __future__ import
    # annotations` either.)
    module = types.ModuleType(f"pets_app_{pets}")
    namespace: dict[str, Any] = module.__dict__
    namespace["URL"] = f"sqlite:///{tmp_path / 'pets.db'}"
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, "<view>", "exec", dont_inherit=True), namespace)
    finally:
        del sys.modules[module.__name__]
    engine = namespace["engine"]
    _seed_pets(namespace, engine, pets)

    def run() -> None:
        response = TestClient(namespace["app"]).get("/pets")
        assert response.status_code == 200 and len(response.json()) == pets

    return _statements_run(engine, run)


def test_a_response_model_reads_each_returned_objects_relationship(tmp_path: Path) -> None:
    """A FastAPI view returns the objects of a query under `response_model=
    List[PetOut]`, whose `owner` field reads each pet's lazy `owner`: one more SELECT
    per pet, in a real app through its test client; the fix's loader option loads
    the owners with the pets."""
    (diagnostic,) = check_source(RESPONSE_MODEL_VIEW, rules=[NPlusOne]).diagnostics
    assert diagnostic.message.startswith("The response model `PetOut` reads `Pet.owner`,")
    grown = _selects_for_pets(tmp_path / "20", RESPONSE_MODEL_VIEW, 20)
    assert grown - _selects_for_pets(tmp_path / "5", RESPONSE_MODEL_VIEW, 5) == 15
    outcome = fix_source(RESPONSE_MODEL_VIEW, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    fixed = outcome.source
    assert "db.query(Pet).options(selectinload(Pet.owner)).all()" in fixed
    loaded = [_selects_for_pets(tmp_path / f"fixed{n}", fixed, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]


SCHEMA_DUMP = (
    """
from marshmallow import Schema, fields

from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship

"""
    + PETS
    + """

class OwnerSchema(Schema):
    name = fields.String()


class PetSchema(Schema):
    id = fields.Integer()
    owner = fields.Nested(OwnerSchema)


pets_schema = PetSchema(many=True)


def dump_pets(session: Session):
    pets = session.query(Pet).all()
    return pets_schema.dump(pets)
"""
)


def _selects_for_dumped_pets(tmp_path: Path, code: str, pets: int) -> int:
    tmp_path.mkdir()
    namespace: dict[str, Any] = {}
    exec(compile(code, "<schemas>", "exec", dont_inherit=True), namespace)
    engine = namespace["create_engine"](f"sqlite:///{tmp_path / 'pets.db'}")
    _seed_pets(namespace, engine, pets)

    def run() -> None:
        with namespace["Session"](engine) as session:
            dumped = namespace["dump_pets"](session)
            assert [pet["owner"]["name"] for pet in dumped] == [f"o{n}" for n in range(pets)]

    return _statements_run(engine, run)


def test_a_schema_of_many_dumps_each_objects_relationship(tmp_path: Path) -> None:
    """marshmallow's `PetSchema(many=True).dump(pets)`, whose `owner` field is
    `Nested`: one more SELECT per pet; the fix's loader option loads the owners with
    the pets."""
    (diagnostic,) = check_source(SCHEMA_DUMP, rules=[NPlusOne]).diagnostics
    assert diagnostic.message.startswith("The schema `PetSchema` reads `Pet.owner`,")
    grown = _selects_for_dumped_pets(tmp_path / "20", SCHEMA_DUMP, 20)
    assert grown - _selects_for_dumped_pets(tmp_path / "5", SCHEMA_DUMP, 5) == 15
    outcome = fix_source(SCHEMA_DUMP, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    assert "session.query(Pet).options(selectinload(Pet.owner)).all()" in outcome.source
    loaded = [_selects_for_dumped_pets(tmp_path / f"fixed{n}", outcome.source, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]


TEMPLATE_VIEW = """
from flask import Flask, render_template

from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    pets = relationship("Pet")


class Pet(Base):
    __tablename__ = "pets"
    id = Column(Integer, primary_key=True)
    owner_id = Column(ForeignKey("owners.id"))


app = Flask(__name__)
engine = create_engine(URL)


@app.route("/owners")
def owners():
    with Session(engine) as session:
        shown = session.query(Owner).all()
        return render_template("owners.html", owners=shown)
"""

# The page loops over the owners and hands each to a macro of another template, which
# counts the owner's pets.
TEMPLATES = {
    "owners.html": """{% from "cards.html" import owner_card %}
<ul>
{% for owner in owners|sort(attribute="id") %}
  <li>{{ owner_card(owner) }}</li>
{% endfor %}
</ul>
""",
    "cards.html": """{% macro owner_card(owner) -%}
  {{ owner.name }} has {{ owner.pets|length }} pets
{%- endmacro %}
""",
}


def _template_app(folder: Path, code: str) -> Path:
    """The view as a project's module, `folder/app/views.py`, with its templates."""
    (folder / "app" / "templates").mkdir(parents=True)
    (folder / "pyproject.toml").write_text("[project]\nname = 'pets'\n")
    for name, text in TEMPLATES.items():
        (folder / "app" / "templates" / name).write_text(text)
    views = folder / "app" / "views.py"
    views.write_text(code)
    return views


def _selects_for_rendered_pets(tmp_path: Path, code: str, pets: int) -> int:
    views = _template_app(tmp_path, code)
    module = types.ModuleType(f"pets_pages_{pets}")
    namespace: dict[str, Any] = module.__dict__
    namespace["URL"] = f"sqlite:///{tmp_path / 'pets.db'}"
    namespace["__file__"] = str(views)  # Flask finds `templates/` beside it
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, str(views), "exec", dont_inherit=True), namespace)
    finally:
        del sys.modules[module.__name__]
    engine = namespace["engine"]
    _seed_pets(namespace, engine, pets)

    def run() -> None:
        page = namespace["app"].test_client().get("/owners").get_data(as_text=True)
        assert page.count(" has 1 pets") == pets

    return _statements_run(engine, run)


def test_a_template_reads_each_rendered_objects_relationship(tmp_path: Path) -> None:
    """A Flask view hands a query's owners to a Jinja template that loops over them
    and calls a macro of another template that reads `owner.pets`: one more SELECT per
    owner when the page renders; the fix's loader option loads the pets with the
    owners."""
    views = _template_app(tmp_path / "checked", TEMPLATE_VIEW)
    (diagnostic,) = check_source(
        TEMPLATE_VIEW, views, rules=[NPlusOne], project=ProjectIndex()
    ).diagnostics
    assert diagnostic.message.startswith(
        "The template `owners.html` reads `Owner.pets` (through `cards.html`, line 2),"
    )
    grown = _selects_for_rendered_pets(tmp_path / "20", TEMPLATE_VIEW, 20)
    assert grown - _selects_for_rendered_pets(tmp_path / "5", TEMPLATE_VIEW, 5) == 15
    outcome = fix_source(
        TEMPLATE_VIEW, views, rules=[NPlusOne], project=ProjectIndex(), unsafe=True
    )
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    fixed = outcome.source
    assert "session.query(Owner).options(selectinload(Owner.pets)).all()" in fixed
    loaded = [_selects_for_rendered_pets(tmp_path / f"fixed{n}", fixed, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]


def test_without_its_template_a_view_is_not_reported(tmp_path: Path) -> None:
    """No template found (outside a project, or not in a `templates/` folder above the
    module): nothing is guessed."""
    assert not check_source(TEMPLATE_VIEW, rules=[NPlusOne]).diagnostics
    views = _template_app(tmp_path, TEMPLATE_VIEW)
    (views.parent / "templates" / "owners.html").unlink()
    assert not check_source(
        TEMPLATE_VIEW, views, rules=[NPlusOne], project=ProjectIndex()
    ).diagnostics


SQLMODEL_VIEW = """
from typing import Annotated, Optional

from fastapi import Depends, FastAPI
from sqlmodel import Field, Relationship, Session, SQLModel, create_engine, select


class Owner(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str
    pets: list["Pet"] = Relationship(back_populates="owner")


class Pet(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    owner_id: Optional[int] = Field(default=None, foreign_key="owner.id")
    owner: Optional[Owner] = Relationship(back_populates="pets")


class OwnerRead(SQLModel):
    name: str


class PetRead(SQLModel):
    id: int
    owner: Optional[OwnerRead] = None


app = FastAPI()
engine = create_engine(URL)


def get_session():
    with Session(engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


@app.get("/pets", response_model=list[PetRead])
def pets(session: SessionDep):
    return session.exec(select(Pet)).all()
"""


def test_a_sqlmodel_read_model_reads_each_returned_objects_relationship(tmp_path: Path) -> None:
    """SQLModel's `session.exec(select(Pet)).all()`, on a session declared through an
    `Annotated` alias, returned under a read model whose `owner` field reads each
    pet's lazy `owner`: one more SELECT per pet; none with the fix's loader option."""
    (diagnostic,) = check_source(SQLMODEL_VIEW, rules=[NPlusOne]).diagnostics
    assert diagnostic.message.startswith("The response model `PetRead` reads `Pet.owner`,")
    assert "whose target the session does not hold yet" in diagnostic.message

    def selects(folder: Path, code: str, pets: int) -> int:
        folder.mkdir()
        module = types.ModuleType(f"sqlmodel_pets_{folder.name}")
        namespace: dict[str, Any] = module.__dict__
        namespace["URL"] = f"sqlite:///{folder / 'pets.db'}"
        sys.modules[module.__name__] = module
        try:
            exec(compile(code, "<sqlmodel view>", "exec", dont_inherit=True), namespace)
        finally:
            del sys.modules[module.__name__]
        engine = namespace["engine"]
        namespace["SQLModel"].metadata.create_all(engine)
        with namespace["Session"](engine) as seed:
            seed.add_all(namespace["Owner"](id=n, name=f"o{n}") for n in range(pets))
            seed.add_all(namespace["Pet"](id=n, owner_id=n) for n in range(pets))
            seed.commit()
        from fastapi.testclient import TestClient

        def run() -> None:
            response = TestClient(namespace["app"]).get("/pets")
            assert [p["owner"]["name"] for p in response.json()] == [f"o{n}" for n in range(pets)]

        try:
            return _statements_run(engine, run)
        finally:
            # SQLModel keeps every table class in one registry and one metadata: the
            # next app defines its own `Owner` and `Pet`.
            from sqlmodel.main import default_registry

            default_registry.dispose()
            namespace["SQLModel"].metadata.clear()

    grown = selects(tmp_path / "a20", SQLMODEL_VIEW, 20)
    assert grown - selects(tmp_path / "a5", SQLMODEL_VIEW, 5) == 15
    outcome = fix_source(SQLMODEL_VIEW, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    assert "session.exec(select(Pet).options(selectinload(Pet.owner))).all()" in outcome.source
    loaded = [selects(tmp_path / f"f{n}", outcome.source, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]


RESTX_VIEW = (
    """
from flask import Flask
from flask_restx import Api, Namespace, Resource, fields

from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship, scoped_session, sessionmaker

"""
    + PETS
    + """

app = Flask(__name__)
api = Api(app)
ns = Namespace("pets")
api.add_namespace(ns)
engine = create_engine(URL)
db_session = scoped_session(sessionmaker(engine))
app.teardown_appcontext(lambda error: db_session.remove())

pet_model = ns.model("Pet", {"id": fields.Integer})
# The clone adds the owner's name, read through the lazy `owner` of each pet.
pet_with_owner = ns.clone(
    "PetWithOwner", pet_model, {"owner": fields.String(attribute="owner.name")}
)


@ns.route("/")
class Pets(Resource):
    @ns.marshal_with(pet_with_owner)
    def get(self):
        pets = db_session.query(Pet).all()
        return pets, 200
"""
)


def _selects_for_marshalled_pets(tmp_path: Path, code: str, pets: int) -> int:
    tmp_path.mkdir()
    module = types.ModuleType(f"restx_pets_{tmp_path.name}")
    namespace: dict[str, Any] = module.__dict__
    namespace["URL"] = f"sqlite:///{tmp_path / 'pets.db'}"
    namespace["__file__"] = str(tmp_path / "app.py")  # Flask's root path
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, "<restx>", "exec", dont_inherit=True), namespace)
    finally:
        del sys.modules[module.__name__]
    engine = namespace["engine"]
    _seed_pets(namespace, engine, pets)

    def run() -> None:
        response = namespace["app"].test_client().get("/pets/")
        assert [p["owner"] for p in response.get_json()] == [f"o{n}" for n in range(pets)]

    return _statements_run(engine, run)


# The same pets, marshalled by a call of `marshal()` through the resource's dict of
# fields, whose dotted `owner.name` reads each pet's lazy `owner`.
RESTX_MARSHAL_CALL = (
    RESTX_VIEW.split("pet_model = ")[0].replace(
        "import Api, Namespace, Resource, fields",
        "import Api, Namespace, Resource, fields, marshal",
    )
    + """
@ns.route("/")
class Pets(Resource):
    fields = {"id": fields.Integer, "owner": fields.String(attribute="owner.name")}

    def get(self):
        pets = db_session.query(Pet).all()
        return marshal(pets, self.fields), 200
"""
)


@pytest.mark.parametrize(
    ("source", "serializer"),
    [
        # Flask-RESTX marshals what the view returns through a model cloned from
        # another, whose `owner` field reads each pet's lazy `owner`.
        (RESTX_VIEW, "The model `pet_with_owner`"),
        # `marshal(pets, self.fields)`, a dict whose dotted `owner.name` reads it.
        (RESTX_MARSHAL_CALL, "The fields `self.fields`"),
    ],
)
def test_marshalling_reads_each_returned_objects_relationship(
    source: str, serializer: str, tmp_path: Path
) -> None:
    """One more SELECT per pet for its owner; none with the fix's loader option."""
    (diagnostic,) = check_source(source, rules=[NPlusOne]).diagnostics
    assert diagnostic.message.startswith(f"{serializer} reads `Pet.owner`,")
    grown = _selects_for_marshalled_pets(tmp_path / "20", source, 20)
    assert grown - _selects_for_marshalled_pets(tmp_path / "5", source, 5) == 15
    outcome = fix_source(source, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    assert "db_session.query(Pet).options(selectinload(Pet.owner)).all()" in outcome.source
    loaded = [_selects_for_marshalled_pets(tmp_path / f"f{n}", outcome.source, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]


SERIALIZER_MIXIN = """
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Session, relationship
from sqlalchemy_serializer import SerializerMixin


class Base(DeclarativeBase):
    pass


class Owner(Base, SerializerMixin):
    __tablename__ = "owners"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class Pet(Base, SerializerMixin):
    __tablename__ = "pets"
    serialize_rules = ("-owner.pets",)
    id = Column(Integer, primary_key=True)
    owner_id = Column(ForeignKey("owners.id"))
    owner = relationship("Owner")


def dump_pets(session: Session):
    return [pet.to_dict() for pet in session.query(Pet).all()]
"""


def test_a_serializer_mixins_to_dict_reads_each_objects_relationships(tmp_path: Path) -> None:
    """sqlalchemy-serializer's `to_dict()` serializes every relationship of the object
    (here `owner`, which its rules do not leave out): one more SELECT per pet; none
    with the fix's loader option."""
    (diagnostic,) = check_source(SERIALIZER_MIXIN, rules=[NPlusOne]).diagnostics
    assert diagnostic.message.startswith("`Pet.to_dict()` reads `Pet.owner`,")

    def selects(folder: Path, code: str, pets: int) -> int:
        folder.mkdir()
        namespace: dict[str, Any] = {}
        exec(compile(code, "<serializer>", "exec", dont_inherit=True), namespace)
        from sqlalchemy import create_engine

        engine = create_engine(f"sqlite:///{folder / 'pets.db'}")
        _seed_pets(namespace, engine, pets)

        def run() -> None:
            with namespace["Session"](engine) as session:
                dumped = namespace["dump_pets"](session)
                assert [p["owner"]["name"] for p in dumped] == [f"o{n}" for n in range(pets)]

        return _statements_run(engine, run)

    assert (
        selects(tmp_path / "20", SERIALIZER_MIXIN, 20)
        - selects(tmp_path / "5", SERIALIZER_MIXIN, 5)
        == 15
    )
    outcome = fix_source(SERIALIZER_MIXIN, rules=[NPlusOne], unsafe=True)
    assert outcome.applied == 1 and not outcome.remaining.diagnostics
    assert "session.query(Pet).options(selectinload(Pet.owner)).all()" in outcome.source
    loaded = [selects(tmp_path / f"f{n}", outcome.source, n) for n in (5, 20)]
    assert loaded[0] == loaded[1]
    # Left out by the class's rules, the relationship is not read.
    narrowed = SERIALIZER_MIXIN.replace('("-owner.pets",)', '("-owner",)')
    assert not check_source(narrowed, rules=[NPlusOne]).diagnostics


# One user's workouts, each with its exercises (in their own modules, named by string).
HISTORY_MODELS = """
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    workouts = relationship("Workout", back_populates="user")


class Workout(Base):
    __tablename__ = "workouts"
    id = Column(Integer, primary_key=True)
    user_id = Column(ForeignKey("users.id"))
    user = relationship("User", back_populates="workouts")
    exercises = relationship("Exercise")


class Exercise(Base):
    __tablename__ = "exercises"
    id = Column(Integer, primary_key=True)
    workout_id = Column(ForeignKey("workouts.id"))
    name = Column(String)


engine = create_engine(URL)
Base.metadata.create_all(engine)
with Session(engine) as seed:
    workouts = [Workout(exercises=[Exercise(name=f"e{n}")]) for n in range(ROWS)]
    seed.add(User(name="ann", workouts=workouts))
    seed.commit()
"""

HISTORY = """
def run(session: Session):
    user = session.query(User).filter_by(name="ann")OPTIONS.first()
    rows = []
    for workout in user.workouts:
        rows.append((workout.user.name, [e.name for e in workout.exercises]))  # READ
    return rows
"""


def _history_selects(tmp_path: Path, options: str, rows: int) -> int:
    return _selects(tmp_path, HISTORY.replace("OPTIONS", options), rows, HISTORY_MODELS)


def test_a_loop_over_one_object_s_collection_reads_each_item_s_collection(
    tmp_path: Path,
) -> None:
    source = "URL = 'sqlite://'\nROWS = 1\n" + HISTORY_MODELS + HISTORY.replace("OPTIONS", "")
    found = check_source(source, rules=[NPlusOne]).diagnostics
    marked = next(i for i, line in enumerate(source.splitlines(), 1) if "# READ" in line)
    # Only the collection: `workout.user` is the one user the session holds.
    assert [(d.span.start.line, d.code) for d in found] == [(marked, "SQA401")]
    message = found[0].message
    assert "`Workout.exercises`" in message and "`user.workouts`" in message
    option = ".options(selectinload(User.workouts).selectinload(Workout.exercises))"
    assert f"`{option}` on the statement that loads `user`" in message
    # One more SELECT per workout; with the option the message names, as many for 20
    # workouts as for 5, and no finding.
    assert _history_selects(tmp_path / "a", "", 20) - _history_selects(tmp_path / "b", "", 5) == 15
    assert _history_selects(tmp_path / "c", option, 20) == _history_selects(
        tmp_path / "d", option, 5
    )
    fixed = source.replace("OPTIONS", "").replace('name="ann")', f'name="ann"){option}')
    assert check_source(fixed, rules=[NPlusOne]).diagnostics == []


# Admins and the admin above each (self-referential, many-to-one).
ADMINS = """
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Session, relationship


class Base(DeclarativeBase):
    pass


class AdminUser(Base):
    __tablename__ = "admin_user"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    parent_admin_id = Column(ForeignKey("admin_user.id"))
    parent_admin = relationship("AdminUser", remote_side=[id])


def parents(session: Session):
    return [a.parent_admin.name for a in session.query(AdminUser).all() if a.parent_admin]


def parents_of_some(session: Session):
    admins = session.query(AdminUser).filter(AdminUser.id % 2 == 0).all()
    return [a.parent_admin.name for a in admins if a.parent_admin]
"""


def _admin_selects(tmp_path: Path, function: str, admins: int) -> int:
    namespace: dict[str, Any] = {}
    exec(compile(ADMINS, "<admins>", "exec"), namespace)
    engine = namespace["create_engine"](f"sqlite:///{tmp_path / f'{function}-{admins}.db'}")
    namespace["Base"].metadata.create_all(engine)
    with namespace["Session"](engine) as seed:
        for n in range(admins):  # each admin under the one made before it
            seed.add(namespace["AdminUser"](id=n + 1, name=f"a{n}", parent_admin_id=n or None))
        seed.commit()

    def run() -> None:
        with namespace["Session"](engine) as session:
            namespace[function](session)

    return _statements_run(engine, run)


def test_a_self_referential_read_over_every_row_runs_no_more_queries(tmp_path: Path) -> None:
    """Every admin's parent is among the admins the query loaded: the identity map
    answers `a.parent_admin` without SQL, so the loop is not reported. A filtered query
    leaves the parents out: one more SELECT per admin, and it is reported."""
    found = check_source(ADMINS, rules=[NPlusOne]).diagnostics
    lines = ADMINS.splitlines()
    filtered = next(i for i, line in enumerate(lines, 1) if "for a in admins" in line)
    assert [d.span.start.line for d in found] == [filtered]
    assert _admin_selects(tmp_path, "parents", 20) == _admin_selects(tmp_path, "parents", 5)
    assert _admin_selects(tmp_path, "parents_of_some", 20) > _admin_selects(
        tmp_path, "parents_of_some", 5
    )


# Garages, their levels, and the levels' zones (one-to-many, two deep).
GARAGES = """
from sqlalchemy import Column, ForeignKey, Integer, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Garage(Base):
    __tablename__ = "garages"
    id = Column(Integer, primary_key=True)
    levels = relationship("Level")


class Level(Base):
    __tablename__ = "levels"
    id = Column(Integer, primary_key=True)
    garage_id = Column(ForeignKey("garages.id"))
    zones = relationship("Zone")


class Zone(Base):
    __tablename__ = "zones"
    id = Column(Integer, primary_key=True)
    level_id = Column(ForeignKey("levels.id"))
    name = Column(String)


def zone_names(session: Session):
    names = []
    for garage in session.query(Garage)OPTIONS.all():
        for level in garage.levels:
            for zone in level.zones:  # READ
                names.append(zone.name)
    return names
"""


def _garage_selects(tmp_path: Path, options: str, garages: int) -> int:
    namespace: dict[str, Any] = {}
    exec(compile(GARAGES.replace("OPTIONS", options), "<garages>", "exec"), namespace)
    database = tmp_path / f"garages-{len(list(tmp_path.iterdir()))}.db"  # a new one each time
    engine = namespace["create_engine"](f"sqlite:///{database}")
    namespace["Base"].metadata.create_all(engine)
    Garage, Level, Zone = (namespace[n] for n in ("Garage", "Level", "Zone"))
    with namespace["Session"](engine) as seed:
        for _ in range(garages):
            levels = [Level(zones=[Zone(name="a"), Zone(name="b")]) for _ in range(2)]
            seed.add(Garage(levels=levels))
        seed.commit()

    def run() -> None:
        with namespace["Session"](engine) as session:
            assert len(namespace["zone_names"](session)) == garages * 4

    return _statements_run(engine, run)


def test_a_loop_over_each_object_s_collection_reads_each_item_s_collection(
    tmp_path: Path,
) -> None:
    """The levels of every garage are many objects: a lazy read of each level's zones
    runs one query per level, even when the levels came with the garages."""
    levels_loaded = ".options(selectinload(Garage.levels))"
    source = GARAGES.replace("OPTIONS", levels_loaded)
    found = check_source(source, rules=[NPlusOne]).diagnostics
    marked = next(i for i, line in enumerate(source.splitlines(), 1) if "# READ" in line)
    assert [(d.span.start.line, d.code) for d in found] == [(marked, "SQA401")]
    message = found[0].message
    assert "`Level.zones`" in message and "`garage.levels`" in message
    option = ".options(selectinload(Garage.levels).selectinload(Level.zones))"
    assert f"`{option}` on the statement" in message
    # Two levels a garage: two more SELECTs per garage (30 for 15 more garages); with
    # the option the message names, as many for 20 garages as for 5, and no finding.
    grown = _garage_selects(tmp_path, levels_loaded, 20) - _garage_selects(
        tmp_path, levels_loaded, 5
    )
    assert grown == 30
    assert _garage_selects(tmp_path, option, 20) == _garage_selects(tmp_path, option, 5)
    assert check_source(GARAGES.replace("OPTIONS", option), rules=[NPlusOne]).diagnostics == []
    # Nothing loaded: the garages' levels (one query per garage), then each level's
    # zones, both reported.
    bare = check_source(GARAGES.replace("OPTIONS", ""), rules=[NPlusOne]).diagnostics
    assert [d.span.start.line for d in bare] == [marked - 1, marked]
