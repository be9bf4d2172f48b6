from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Fix, Severity, Span
from ..semantic import Analysis
from ..semantic.orm import per_object_loads
from ._loader_fix import LazyRelationshipFinding, loader_option_fix
from .base import Finding, Invalid, Rule, Valid

# A Flask-RESTful resource that marshals every sample through its fields.
_MARSHALLED_SAMPLES = """
from flask_restful import Resource, fields, marshal
from sqlalchemy import ForeignKey, create_engine, select
from sqlalchemy.orm import (
    DeclarativeBase, Mapped, Session, mapped_column, relationship, selectinload
)

engine = create_engine("sqlite://")

class Base(DeclarativeBase):
    pass

class Box(Base):
    __tablename__ = "boxes"
    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str]

class Sample(Base):
    __tablename__ = "samples"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str]
    box_id: Mapped[int] = mapped_column(ForeignKey("boxes.id"))
    box = relationship(Box)

class SampleList(Resource):
    fields = {{"code": fields.String, "box.label": fields.String}}

    def get(self):
        with Session(engine) as session:
            samples = session.scalars(select(Sample){options}).all()
            return marshal(samples, self.fields)
"""


class NPlusOne(Rule):
    """A lazily loaded relationship read for each object of a query's result: one
    more query per object (N+1).

    ## What it does
    Finds loops and comprehensions over the objects of a query —
    `session.scalars(select(Model))` (and `.all()`), `session.execute(select(Model))
    .scalars()`, SQLModel's `session.exec(select(Model))` (and `.all()`),
    `session.query(Model)...`, a model's query property
    (`Model.query.filter(...).all()`, Flask-SQLAlchemy's or `query_property()`'s, also
    kept in a name and refined in place, `query = query.filter(...)`, and a page of it,
    `for a in page.items` of `paginate()`; the class may be named through its module,
    `query(models.Post)`; so is `session.query(Model)` kept in a name, whatever the
    session's type says; and the objects a function or method of the project returns
    from such a query, `Incident.get_active()` or a repository's `list()`, reported
    without a fix since the statement is in that function; of those only collections are
    reported, not a many-to-one read, whose targets are most often a few rows the
    session soon holds; so are the objects of rows of several entities,
    `session.query(MealPlan, Dish)`, which a loop unpacks, `for meal, dish in rows`: a
    many-to-one read of them finds its target among the row's objects without a query;
    and so are the objects of a collection of one object a session loads here, `user =
    session.get(User, id)` or `.first()`, `for workout in user.workouts` (one-to-many:
    not through an association table, whose shared targets, a user's roles, are few),
    whose class the relationship names, reported without a fix: the option,
    `selectinload(User.workouts).selectinload(Workout.exercises)`, goes on the statement
    that loads the user); and so are the objects of a one-to-many collection of each
    object such a loop goes over, `for level in garage.levels` inside `for garage in
    garages` (the levels of every garage, whether loaded with them or not; followed
    three loops deep), reported without a fix: the message names the chained option,
    `selectinload(Garage.levels).selectinload(Level.zones)`, for the outer statement),
    directly or through the name the result is kept in — that read a relationship of
    each object (`user.addresses`) which loads lazily: declared with the default
    `lazy="select"` (`relationship()`, its older synonym `relation()`, SQLModel's
    `Relationship()`, Flask-SQLAlchemy's `db.relationship()`, in any module of the
    project), and not loaded by a loader option of the statement
    (`.options(selectinload(Model.rel))`, `joinedload`, `subqueryload`, and the like,
    also on a statement kept in a name, or on a query the name is rebound to further on:
    `users = users.options(joinedload(User.addresses)).all()`). A read in a function of
    the module (or a method of the class, on `self`) that the loop hands each object to
    (`is_available(room)`, which reads `room.reservations`) is reported there, once,
    however many loops call it (not one it first sets unconditionally,
    `category.children = ...`, before reading it); a method of the model (or of its
    project bases) the loop calls on each object, which reads the relationship on `self`
    (`room.to_dict()`), is reported at the call (so is `to_dict()` of a model deriving
    from sqlalchemy-serializer's `SerializerMixin`, which reads every relationship but
    those its `serialize_rules` leave out, or those its `serialize_only` names, or the
    call's `only=`/`rules=`); so is a property of the model the loop reads
    (`cause.progress`), which reads it on `self` or through the model's other properties
    it reads. A relationship a class of the module declares as another's
    `backref="users"` counts as the other's own. For a relationship that holds one
    object (declared `uselist=False`, annotated `Mapped["Owner"]`, beside an `owner_id`
    column, or many-to-one as SQLAlchemy reads the foreign keys: a column of its class
    points at the target's table, a backref's too, and a self-referential one says
    `remote_side=`) the message says what it costs: the session loads each target once
    and reads one it holds without a query, so the loop runs one query per distinct
    target (N+1 when they differ). A many-to-one read that points back at the queried
    class itself (`admin.parent_admin`) over a query that loads every row of that class
    (`AdminUser.query.all()`, no filter, join or limit) is not reported: each target is
    among the loaded objects.

    A view that returns the objects for FastAPI to serialize through a response model of
    many (`response_model=List[PostOut]` on its route decorator, or the return
    annotation `-> list[PostOut]`), a pydantic (or SQLModel) class of the project whose
    fields (its bases' included; not a SQLModel table's `Relationship()` attributes,
    which are no fields) are named after lazy relationships, reads them on each object
    too: it is reported at the returned expression, with the same fix (not in an `async
    def` view: under asyncio a lazy read fails rather than queries). So are objects a
    marshmallow schema of many dumps (`PostSchema(many=True).dump(posts)`, a name bound
    to one, or `dump(posts, many=True)`; flask-marshmallow's and
    marshmallow-sqlalchemy's schemas too): its nesting fields (`Nested`, `List`,
    `Pluck`, `Related`, by their `attribute=` if given), the names its `Meta.fields`
    lists, and every relationship when its `Meta` says `include_relationships = True`
    read each object's relationship of that name (a `lazy="dynamic"` one too: dumping it
    runs the query it hands out). So are objects a Flask-RESTX view returns (`return
    students` or `return students, 200`) under `@ns.marshal_with(model)` (or
    `marshal_list_with`), where `model = ns.model("Student", {...})` (or
    `ns.clone(...)`, `ns.inherit(...)`, its parents' fields included): each field reads
    its key, or its `attribute=`; so are objects handed to Flask-RESTful's (or
    Flask-RESTX's) `marshal(samples, fields)`, whose fields are a dict (written there,
    bound to a name, or a class attribute, `self.fields`) or such a model: a dotted key
    or `attribute=` (`"box.label"`) reads its first name. So are objects a flask-smorest
    view returns under `@blp.response(200, PostSchema(many=True))`, read as the schema's
    dump reads them. A field (of any of these serializers) named after a property of the
    model reads what the property reads (`gpa`, which sums `self.grades`). So are
    objects a sync view hands a Jinja template (`render_template("index.html",
    posts=posts)`, a page's `posts=page.items`, a slice `posts[start:end]` kept in a
    name, or Starlette's `templates.TemplateResponse( "index.html", {"posts": posts})`)
    whose loops over them (`{% for post in posts %}`, also over `posts.items`, a slice,
    or `posts|sort(...)`) read a lazy collection of each, in the loop, in a template the
    loop includes, or in a macro it hands each object to (defined there or imported):
    reported at the objects handed to the template, with the template's line (not a
    many-to-one read: in a page, most often a lookup of a few rows the session soon
    holds). The template is the first `templates/<name>` in the module's folder or a
    folder above it, within its project, where Flask looks for an app's and a
    blueprint's; none found, nothing is reported.

    Not reported: relationships declared with an eager strategy (`lazy="selectin"`,
    `"joined"`, `"subquery"`, `"immediate"`) or one that never queries per object
    (`"raise"`, `"noload"`), one whose `lazy=` is no literal (`lazy=False`, the older
    spelling of `"joined"`, loads eagerly; `lazy=True`, of `"select"`, lazily), a
    `lazy="dynamic"` (or `"write_only"`) one the loop does not run the query of
    (`user.events.append(event)` loads nothing; `for e in user.events` and
    `user.events.count()` are reported), statements with a loader option for it or a
    wildcard option (`selectinload("*")`), a many-to-one relationship whose foreign-key
    columns the query tests for equality (`filter_by(fleet_id=fleet_id)`, also among
    tests joined with `&` or `and_()`: every object has that one target), a query that
    tests a unique column or the primary key for equality (`filter_by(name=name)`,
    `.where(Tag.id == tag_id)`: one object at most), column attributes, reads past the
    `with` block whose session loaded the objects (they are detached, and the read
    raises: SQA107's matter), sessions under asyncio (there the lazy load fails:
    SQA108), and a second loop over the same objects that reads what an earlier loop
    loaded (one that runs whenever the second does: not under an `if` of its own), when
    nothing between them but builtins (`len()`, `print()`), the standard library
    (`date()`, `defaultdict(set)`), methods of plain values (`rows.append()`,
    `name.lower()`, `day.strftime()`, and any of a local bound to a literal or to such a
    call), column operators (`User.id.in_(ids)`), statements being built
    (`select(User).where(...)`) and what a session runs without expiring
    (`db.query(User).filter(...).all()`, `session.execute(...).mappings().all()`,
    `session.add()`, a model's `Entry.query.filter(...).all()`) runs: a `commit()`
    (`rollback()`, `close()`, `expire_all()`, `refresh()`, a `begin()` block), or any
    other call that may commit, expires it, and the second loop is reported too.

    ## Why is this bad?
    Each first access of a lazy relationship runs its own `SELECT`. A loop over 500
    users that reads `user.addresses` runs 501 queries where 2 would do: the page is
    fast in development, with ten rows, and slow in production. The cost grows with
    the data, not the code, so it rarely shows in tests.

    ## Example
    ```python
    users = session.scalars(select(User)).all()
    for user in users:
        print(user.name, len(user.addresses))
    ```

    ## Use instead
    ```python
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    for user in users:
        print(user.name, len(user.addresses))
    ```

    ## Fix safety
    The fix adds `.options(selectinload(Model.rel))` to the statement that loads the
    objects (the nearest `select(Model)` or `query(Model)` before the loop in the same
    function), importing `selectinload` if needed. It is unsafe: it changes the
    queries issued (one more up front, none per object), and `joinedload` may suit a
    many-to-one relationship better.

    ## References
    - [Relationship Loading Techniques: the N plus one problem](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html#the-zen-of-joined-eager-loading)
    - [Select IN loading](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html#select-in-loading)
    """

    code = "SQA401"
    name = "n-plus-one"
    default_severity = Severity.INFORMATION

    VALID = [
        # A user's roles, through an association table: a few shared rows per user.
        Valid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    roles = relationship("Role", secondary="user_roles")

class Role(Base):
    __tablename__ = "roles"
    permissions = relationship("Permission", secondary="role_permissions")

def permissions_of(session: Session, user_id):
    user = session.get(User, user_id)
    return {p.name for role in user.roles for p in role.permissions}
"""
        ),
        # The garages' statement loads their levels' zones too; a garage's owners are a
        # few shared rows (through an association table).
        Valid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Garage(Base):
    __tablename__ = "garages"
    levels = relationship("Level")
    owners = relationship("Owner", secondary="garage_owners")

class Level(Base):
    __tablename__ = "levels"
    zones = relationship("Zone")

class Owner(Base):
    __tablename__ = "owners"
    phones = relationship("Phone")

def availability(session: Session):
    statement = select(Garage).options(
        selectinload(Garage.levels).selectinload(Level.zones), selectinload(Garage.owners)
    )
    garages = session.scalars(statement).all()
    for garage in garages:
        print([len(level.zones) for level in garage.levels])
        print([len(owner.phones) for owner in garage.owners])
"""
        ),
        # The statement that loads the user loads its workouts' exercises too.
        Valid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    workouts = relationship("Workout")

class Workout(Base):
    __tablename__ = "workouts"
    exercises = relationship("Exercise")

def history(session: Session, user_id):
    statement = select(User).where(User.id == user_id).options(
        selectinload(User.workouts).selectinload(Workout.exercises)
    )
    user = session.scalars(statement).one()
    return [len(workout.exercises) for workout in user.workouts]
"""
        ),
        Valid(
            """
from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import (
    DeclarativeBase, Session, joinedload, mapped_column, relationship, selectinload
)

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    addresses = relationship("Address", back_populates="user")
    orders = relationship("Order", lazy="selectin")

class Tag(Base):
    __tablename__ = "tags"
    name = mapped_column(String, unique=True)
    posts = relationship("Post")

class Address(Base):
    __tablename__ = "addresses"
    user_id = mapped_column(ForeignKey("users.id"))
    user = relationship("User", back_populates="addresses")

def with_option(session: Session):
    users = session.scalars(select(User).options(selectinload(User.addresses))).all()
    return [len(u.addresses) for u in users]

def eager_by_default(session: Session):
    for user in session.scalars(select(User)):
        print(len(user.orders))

def columns_only(session: Session):
    for user in session.scalars(select(User)):
        print(user.name)

def statement_in_a_name(session: Session):
    statement = select(User).options(joinedload(User.addresses))
    for user in session.scalars(statement).all():
        print(user.addresses)

def one_object(session: Session, user_id):
    user = session.get(User, user_id)
    return [a.email for a in user.addresses]

def assigned_before_it_is_read(session: Session, addresses):
    for user in session.scalars(select(User)):
        user.addresses = addresses[user.id]
        print(len(user.addresses))  # the list just assigned: no query

def returned_with_options(session: Session):
    return [len(u.addresses) for u in users_with_addresses(session)]

def users_with_addresses(session: Session):
    loaders = selectinload(User.addresses).joinedload(Address.user)
    return session.scalars(select(User).options(loaders)).all()

def owners_of_returned(session: Session):
    # a many-to-one read of objects a function returns: left out
    return [a.user.name for a in all_addresses(session)]

def all_addresses(session: Session):
    return session.query(Address).all()

def one_row_at_most(session: Session, name):
    # `name` is unique: the loop runs once at most
    return [len(t.posts) for t in session.query(Tag).filter_by(name=name).all()]

def refined_further_on(session: Session, active):
    users = session.query(User).filter(User.name.isnot(None))
    if active:
        users = users.filter(User.active)
    users = users.options(joinedload(User.addresses)).all()
    for user in users:
        print(len(user.addresses))  # loaded by the option on the query rebound above
"""
        ),
        # A SQLModel table class as its own response model: its `Relationship()`
        # attributes are no fields, so serializing it reads columns only.
        Valid(
            """
from fastapi import APIRouter
from sqlmodel import Field, Relationship, Session, SQLModel, select

router = APIRouter()

class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    profile: "Profile" = Relationship(back_populates="user")

@router.get("/users", response_model=list[User])
def users(session: Session):
    return session.scalars(select(User)).all()
"""
        ),
        # Properties that read columns only, and a method that is no property.
        Valid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Cause(Base):
    __tablename__ = "causes"
    donations = relationship("Donation")

    @property
    def label(self):
        return self.name.title()

    def raised(self):
        return sum(d.amount for d in self.donations)

def report(session: Session):
    for cause in session.query(Cause).all():
        print(cause.label, cause.raised)
"""
        ),
        # A Flask-RESTX model of columns only (its `grade` is a column of another
        # name, given by `attribute=`).
        Valid(
            """
from flask_restx import Namespace, Resource, fields
from sqlalchemy.orm import DeclarativeBase, relationship

ns = Namespace("students")

class Base(DeclarativeBase):
    pass

class Student(Base):
    __tablename__ = "students"
    grades = relationship("Grade")

student_model = ns.model(
    "Student", {"name": fields.String, "grade": fields.Float(attribute="last_grade")}
)

@ns.route("/")
class Students(Resource):
    @ns.marshal_list_with(student_model)
    def get(self):
        return Student.query.all()
"""
        ),
        # The statement loads each sample's box with it.
        Valid(_MARSHALLED_SAMPLES.format(options=".options(selectinload(Sample.box))")),
        # The name holds one sample in the branch that marshals it; the list of all is
        # bound in the other branch only.
        Valid(
            _MARSHALLED_SAMPLES.format(options="")
            .replace(
                """            samples = session.scalars(select(Sample)).all()
            return marshal(samples, self.fields)""",
                """            if code is not None:
                samples = session.scalars(select(Sample).where(Sample.code == code)).first()
                return marshal(samples, self.fields)
            else:
                samples = session.scalars(select(Sample)).all()
                return {"count": len(samples)}""",
            )
            .replace("def get(self):", "def get(self, code=None):")
        ),
        # `to_dict(only=...)` of columns: no relationship is serialized.
        Valid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship
from sqlalchemy_serializer import SerializerMixin

class Base(DeclarativeBase):
    pass

class Course(Base, SerializerMixin):
    __tablename__ = "courses"
    lectures = relationship("Lecture")

def courses(session: Session):
    return [course.to_dict(only=("id", "title")) for course in session.query(Course).all()]
"""
        ),
        # What a template reads of each object's many-to-one relationship is not
        # reported (most often a lookup: a department, a role); nor is a loop over
        # stations that all share the fleet their query tests for.
        Valid(
            """
from flask import render_template
from sqlalchemy import ForeignKey, Column, Integer, and_
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Station(Base):
    __tablename__ = "stations"
    fleet_id = Column(ForeignKey("fleets.id"))
    fleet = relationship("Fleet")
    department = relationship("Department", uselist=False)

def stations(session: Session, fleet_id: int):
    return render_template("stations.html", stations=session.query(Station).all())

def fleet_names(session: Session, fleet_id: int):
    found = session.query(Station).filter(Station.fleet_id == fleet_id).all()
    return [station.fleet.name for station in found]

def fleet_labels(session: Session, fleet, since):
    found = session.query(Station).filter(
        (Station.fleet_id == fleet.id) & (Station.id > since)
    ).all()
    return [station.fleet.name for station in found]

def fleet_codes(session: Session, fleet, since):
    found = session.query(Station).filter(and_(Station.id > since, Station.fleet_id == fleet.id))
    return [station.fleet.name for station in found.all()]
""",
            files={
                "templates/stations.html": "{% for s in stations %}{{ s.department.name }}"
                "{% endfor %}\n",
            },
        ),
        # Rendered after the session's `with` block closed it: the objects are
        # detached, and the template's read raises rather than queries.
        Valid(
            """
from flask import render_template
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Client(Base):
    __tablename__ = "clients"
    orders = relationship("Order")

def clients(engine):
    with Session(engine) as session:
        found = session.query(Client).all()
    return render_template("clients.html", clients=found)
""",
            files={
                "templates/clients.html": "{% for c in clients %}{{ c.orders|length }}"
                "{% endfor %}\n",
            },
        ),
        # The template reads only columns of each post; the one that reads a
        # relationship is rendered from a query that loads it.
        Valid(
            """
from flask import render_template
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    author = relationship("User")

def index(session: Session):
    return render_template("index.html", posts=session.query(Post).all())

def authors(session: Session):
    posts = session.query(Post).options(selectinload(Post.author)).all()
    return render_template("authors.html", posts=posts)
""",
            files={
                "templates/index.html": "{% for post in posts %}{{ post.title }}"
                "{{ post.author_id }}{% endfor %}\n{{ post.author }}\n",
                "templates/authors.html": "{% for post in posts %}{{ post.author.name }}"
                "{% endfor %}\n",
            },
        ),
    ]
    INVALID = [
        # One user's workouts, each with its exercises: one query per workout (its
        # user is the one the session holds).
        Invalid(
            """
from sqlalchemy import Column, ForeignKey
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    workouts = relationship("Workout", back_populates="user")

class Workout(Base):
    __tablename__ = "workouts"
    user_id = Column(ForeignKey("users.id"))
    user = relationship("User", back_populates="workouts")
    exercises = relationship("Exercise")

def history(session: Session, name):
    user = session.query(User).filter_by(name=name).first()
    rows = []
    for workout in user.workouts:
        rows.extend((workout.user.name, e.name) for e in workout.exercises)
    return rows
""",
            at="workout.exercises",
        ),
        # Every garage's levels, loaded with the garages; each level's zones, one query
        # per level.
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Garage(Base):
    __tablename__ = "garages"
    levels = relationship("Level")

class Level(Base):
    __tablename__ = "levels"
    zones = relationship("Zone")

def availability(session: Session):
    garages = session.scalars(select(Garage).options(selectinload(Garage.levels))).all()
    return {
        garage.id: [len(level.zones) for level in garage.levels] for garage in garages
    }
""",
            at="level.zones",
        ),
        # Rows of a meal plan and its dish, unpacked: each dish's allergies load on
        # their first read, one query per dish of the week.
        Invalid(
            """
from sqlalchemy import Column, ForeignKey, Integer, String, and_
from sqlalchemy.orm import DeclarativeBase, relationship

class Base(DeclarativeBase):
    pass

class Dish(Base):
    __tablename__ = "dishes"
    dishID = Column(Integer, primary_key=True)
    name = Column(String)
    allergies = relationship("Allergy", secondary="dish_allergies")

class MealPlan(Base):
    __tablename__ = "meal_plans"
    id = Column(Integer, primary_key=True)
    dishID = Column(ForeignKey("dishes.dishID"))
    dish = relationship("Dish")

def week(session, start, end):
    rows = session.query(MealPlan, Dish).filter(
        and_(MealPlan.date >= start, MealPlan.date <= end, Dish.dishID == MealPlan.dishID)
    ).all()
    plan = []
    for meal, dish in rows:
        allergies = [a.name for a in dish.allergies]
        plan.append((meal.dish.name, dish.name, allergies))
    return plan
""",
            at="dish.allergies",
        ),
        # Dates, strings, lists, a `defaultdict` and a raw query between the passes
        # expire nothing: the second pass reads the addresses the first one loaded.
        Invalid(
            """
from collections import defaultdict
from datetime import date, timedelta

from sqlalchemy import text
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    addresses = relationship("Address", back_populates="user")

def passes_with_plain_work_between(session: Session, day: date):
    users = session.query(User).all()
    rows = [(u.name, len(u.addresses)) for u in users]
    start = (day - timedelta(days=7)).strftime("%Y-%m-%d")
    seen = defaultdict(set)
    visits = text("SELECT user_id FROM visits WHERE day >= :d")
    for row in session.execute(visits, {"d": start}).mappings().all():
        seen[row["user_id"]].add(start)
    rows.sort(key=lambda r: r[0].lower())
    return rows, [len(u.addresses) for u in users if u.id in seen]
""",
            at="u.addresses",
        ),
        # The first pass loads each user's addresses, one query per user; a query
        # between the passes expires nothing, so the second pass reads them loaded.
        Invalid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    addresses = relationship("Address", back_populates="user")

def second_pass_after_a_query(session: Session):
    users = session.query(User).all()
    ids = [u.id for u in users if u.addresses]
    owners = {o.id: o for o in session.query(User).filter(User.id.in_(ids)).all()}
    for user in users:
        print(owners[user.id], len(user.addresses))
""",
            at="u.addresses",
        ),
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    addresses = relationship("Address", back_populates="user")

def report(session: Session):
    users = session.scalars(select(User).where(User.active)).all()
    for user in users:
        print(user.name, len(user.addresses))
""",
            at="user.addresses",
        ),
        Invalid(
            """
from sqlalchemy.orm import Session

from app.models import Order

def totals(session: Session):
    return {o.id: sum(line.price for line in o.lines) for o in session.query(Order).all()}
""",
            at="o.lines",
            files={
                "app/__init__.py": "",
                "app/models.py": "from sqlalchemy.orm import DeclarativeBase, relationship\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n"
                "class Order(Base):\n    __tablename__ = 'orders'\n"
                "    lines = relationship('OrderLine')\n",
            },
        ),
        # SQLModel: `session.exec(select(Model))` gives the objects; the session is
        # declared through an `Annotated` alias of another module; the read model's
        # `students` field reads each classroom's lazy `students`.
        Invalid(
            """
from fastapi import APIRouter
from sqlmodel import Field, Relationship, SQLModel, select

from app.db import SessionDep

router = APIRouter()

class Classroom(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    students: list["Student"] = Relationship()

class ClassroomRead(SQLModel):
    id: int
    students: list["StudentRead"] = []

@router.get("/classrooms", response_model=list[ClassroomRead])
def classrooms(session: SessionDep):
    return session.exec(select(Classroom)).all()
""",
            at="session.exec(select(Classroom)).all()",
            files={
                "app/__init__.py": "",
                "app/db.py": "from typing import Annotated\n\n"
                "from fastapi import Depends\nfrom sqlmodel import Session\n\n"
                "def get_session():\n    ...\n\n"
                "SessionDep = Annotated[Session, Depends(get_session)]\n",
            },
        ),
        # A property of the model that reads another property, which reads the lazy
        # `donations` of each cause.
        Invalid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Cause(Base):
    __tablename__ = "causes"
    donations = relationship("Donation")

    @property
    def raised(self):
        return sum(d.amount for d in self.donations)

    @property
    def progress(self):
        return self.raised / self.goal

def report(session: Session):
    for cause in session.query(Cause).all():
        print(cause.name, cause.progress)
""",
            at="cause.progress",
        ),
        # Flask-RESTful's `marshal()` reads each sample's lazy `box` for the dotted
        # key `box.label` of the resource's fields.
        Invalid(
            _MARSHALLED_SAMPLES.format(options=""),
            at="samples, self.fields",
        ),
        # Flask-RESTX marshals the returned students through a model whose `gpa`
        # field is a property of Student that reads the lazy `grades`.
        Invalid(
            """
from flask_restx import Namespace, Resource, fields
from sqlalchemy.orm import DeclarativeBase, relationship

ns = Namespace("students")

class Base(DeclarativeBase):
    pass

class Student(Base):
    __tablename__ = "students"
    grades = relationship("Grade")

    @property
    def gpa(self):
        return sum(g.points for g in self.grades) / max(len(self.grades), 1)

student_model = ns.model("Student", {"name": fields.String, "gpa": fields.Float})

@ns.route("/")
class Students(Resource):
    @ns.marshal_with(student_model)
    def get(self):
        students = Student.query.all()
        return students, 200
""",
            at="students, 200",
        ),
        # flask-smorest dumps what the view returns through the schema of many its
        # `@blp.response` names, whose `tickets` field reads each event's tickets.
        Invalid(
            """
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, relationship

blp = Blueprint("events", __name__)

class Base(DeclarativeBase):
    pass

class Event(Base):
    __tablename__ = "events"
    tickets = relationship("Ticket")

class EventSchema(Schema):
    name = fields.String()
    tickets = fields.List(fields.Nested("TicketSchema"))

@blp.route("/events")
class Events(MethodView):
    @blp.response(200, EventSchema(many=True))
    def get(self):
        events = Event.query.all()
        return events
""",
            at="events\n",
        ),
        # sqlalchemy-serializer's `to_dict()` serializes what the class's
        # `serialize_only` names: the lazy `lectures` of each course.
        Invalid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship
from sqlalchemy_serializer import SerializerMixin

class Base(DeclarativeBase):
    pass

class Course(Base, SerializerMixin):
    __tablename__ = "courses"
    serialize_only = ("id", "title", "lectures.title")
    lectures = relationship("Lecture")
    lecturer = relationship("User")

def courses(session: Session):
    return [course.to_dict() for course in session.query(Course).all()]
""",
            at="course.to_dict",
        ),
        # The class named through its module, as `import models` leaves it.
        Invalid(
            """
from sqlalchemy.orm import Session

from app import models

def totals(session: Session):
    return [len(o.lines) for o in session.query(models.Order).all()]
""",
            at="o.lines",
            files={
                "app/__init__.py": "",
                "app/models.py": "from sqlalchemy.orm import DeclarativeBase, relationship\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n"
                "class Order(Base):\n    __tablename__ = 'orders'\n"
                "    lines = relationship('OrderLine')\n",
            },
        ),
        # A Flask view hands a slice of the posts to a Jinja template, whose loop
        # includes another that reads each post's lazy `comments`.
        Invalid(
            """
from flask import render_template
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    comments = relationship("Comment")

def index(session: Session, start: int):
    posts = session.query(Post).all()
    shown = posts[start : start + 10]
    return render_template("blog/index.html", posts=shown, page=start)
""",
            at="shown, page",
            files={
                "templates/blog/index.html": "{% for post in posts %}\n"
                "  {% include 'blog/card.html' %}\n{% endfor %}\n",
                "templates/blog/card.html": "<p>{{ post.comments|length }} comments</p>\n",
            },
        ),
        # Starlette's templates: the context is a dict, the page's loop calls a macro.
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship
from starlette.templating import Jinja2Templates

templates = Jinja2Templates(directory="templates")

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    tags = relationship("Tag")

def index(request, session: Session):
    posts = session.scalars(select(Post)).all()
    return templates.TemplateResponse(request, "index.html", {"posts": posts})
""",
            at="posts})",
            files={
                "templates/index.html": "{% import 'ui.html' as ui %}\n"
                "{% for post in posts %}{{ ui.tag_list(post) }}{% endfor %}\n",
                "templates/ui.html": "{% macro tag_list(p) %}\n"
                "{% for tag in p.tags %}{{ tag.name }}{% endfor %}\n{% endmacro %}\n",
            },
        ),
        # FastAPI serializes what the view returns through the response model, whose
        # `tags` field reads each post's lazy `tags`.
        Invalid(
            """
from typing import List

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy.orm import DeclarativeBase, Session, relationship

from .db import get_db

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    tags = relationship("Tag")

class TagOut(BaseModel):
    name: str

class PostOut(BaseModel):
    title: str
    tags: List[TagOut]

router = APIRouter()

@router.get("/posts", response_model=List[PostOut])
def list_posts(db: Session = Depends(get_db)):
    return db.query(Post).all()
""",
            at="db.query(Post).all()",
        ),
        # The schema's nested `author` field reads each post's lazy `author`.
        Invalid(
            """
from flask import jsonify
from marshmallow import Schema, fields
from sqlalchemy.orm import DeclarativeBase, relationship

from .db import db

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    author = relationship("User", back_populates="posts")

class UserSchema(Schema):
    name = fields.String()

class PostSchema(Schema):
    title = fields.String()
    author = fields.Nested(UserSchema)

posts_schema = PostSchema(many=True)

def list_posts():
    posts = db.session.query(Post).all()
    return jsonify(posts_schema.dump(posts))
""",
            at="posts))",
        ),
        # One part of a composite primary key tells many rows, not one.
        Invalid(
            """
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, relationship

class Base(DeclarativeBase):
    pass

class Membership(Base):
    __tablename__ = "memberships"
    group_id = mapped_column(ForeignKey("groups.id"), primary_key=True)
    user_id = mapped_column(ForeignKey("users.id"), primary_key=True)
    roles = relationship("Role")

def members(session: Session, group_id):
    found = session.query(Membership).filter_by(group_id=group_id).all()
    return [len(m.roles) for m in found]
""",
            at="m.roles",
        ),
        # Equal to another class's column is a join's condition: many rows.
        Invalid(
            """
from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, relationship

class Base(DeclarativeBase):
    pass

class Election(Base):
    __tablename__ = "elections"
    id = mapped_column(Integer, primary_key=True)
    results = relationship("Result")

class Area(Base):
    __tablename__ = "areas"
    id = mapped_column(Integer, primary_key=True)
    election_id = mapped_column(ForeignKey("elections.id"))

def with_areas(session: Session, area_ids):
    query = session.query(Election).filter(Election.id == Area.election_id)
    found = query.filter(Area.id.in_(area_ids)).all()
    return [len(election.results) for election in found]
""",
            at="election.results",
        ),
        # A class method's query of `cls`: its `cls.topics` option loads the topics,
        # not the attachments.
        Invalid(
            """
from sqlalchemy import select
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Note(Base):
    __tablename__ = "notes"
    topics = relationship("Topic")
    attachments = relationship("Attachment")

    @classmethod
    def by_author(cls, session: Session, author):
        statement = select(cls).where(cls.author == author)
        return session.scalars(statement.options(selectinload(cls.topics))).all()

def counts(session: Session, author):
    return [(len(n.topics), len(n.attachments)) for n in Note.by_author(session, author)]
""",
            at="n.attachments",
        ),
        # The objects a model's class method returns, from a query of its own.
        Invalid(
            """
from flask import jsonify

from app.models import Incident

def active_components():
    return jsonify([[c.name for c in i.components] for i in Incident.get_active()])
""",
            at="i.components",
            files={
                "app/__init__.py": "",
                "app/models.py": "from sqlalchemy import select\n"
                "from sqlalchemy.orm import DeclarativeBase, Session, relationship\n\n"
                "class Base(DeclarativeBase):\n    pass\n\n"
                "session = Session()\n\n"
                "class Incident(Base):\n    __tablename__ = 'incidents'\n"
                "    components = relationship('Component', secondary='incident_components')\n\n"
                "    @staticmethod\n"
                "    def get_active():\n"
                "        return session.scalars(select(Incident).filter(Incident.open)).all()\n",
            },
        ),
    ]

    # Each room of the query goes to a helper that reads its reservations.
    _AVAILABLE_ROOMS = """
from sqlalchemy.orm import DeclarativeBase, Session, relationship, selectinload

class Base(DeclarativeBase):
    pass

class Room(Base):
    __tablename__ = "rooms"
    reservations = relationship("Reservation")

def available_rooms(session: Session, start):
    rooms = session.query(Room){options}.all()
    return [room for room in rooms if is_available(room, start)]

def is_available(room, start):
    return all(r.end <= start for r in room.reservations)
"""
    INVALID += [Invalid(_AVAILABLE_ROOMS.format(options=""), at="room.reservations")]
    # A helper that sets the relationship (from a query of its own) reads what it set;
    # one that tests it first loads it, for each root.
    _CATEGORIES = """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Category(Base):
    __tablename__ = "categories"
    children = relationship("Category")

def load_tree(session: Session):
    for root in session.query(Category).all():
        load_children(session, root)

def load_children(session, category):
{load}    for child in category.children:
        load_children(session, child)
"""
    _OWN_CHILDREN = (
        "category.children = session.query(Category)"
        ".filter(Category.parent_id == category.id).all()\n"
    )
    VALID += [Valid(_CATEGORIES.format(load="    " + _OWN_CHILDREN))]
    INVALID += [
        Invalid(
            _CATEGORIES.format(load="    if category.children is None:\n        " + _OWN_CHILDREN),
            at="category.children",
        )
    ]
    # The same helper, given objects whose reservations the query loads.
    VALID += [Valid(_AVAILABLE_ROOMS.format(options=".options(selectinload(Room.reservations))"))]
    _DYNAMIC = """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    events = relationship("Event", lazy="dynamic")

def record(session: Session, make_event):
    for user in session.query(User).all():
        {use}
"""
    VALID += [Valid(_DYNAMIC.format(use="user.events.append(make_event(user))"))]
    INVALID += [
        Invalid(_DYNAMIC.format(use="print(user.events.count())"), at="user.events"),
    ]
    # `lazy=False` is joined loading: the owners come with the roles; `lazy=True` is
    # the default, lazy, loading.
    _ROLES = """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Role(Base):
    __tablename__ = "roles"
    users = relationship("User", lazy={lazy})

def owners(session: Session):
    return [len(role.users) for role in session.query(Role).all()]
"""
    VALID += [Valid(_ROLES.format(lazy="False"))]
    INVALID += [Invalid(_ROLES.format(lazy="True"), at="role.users")]
    _ARTICLES = """
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import selectinload

db = SQLAlchemy()

class Article(db.Model):
    tags = db.relationship("Tag")

    def to_dict(self):
        return {{"id": self.id, "tags": [t.content for t in self.tags]}}

def export(keyword):
    query = Article.query
    if keyword:
        query = query.filter(Article.title.ilike(keyword))
{loaded}    return [[t.content for t in article.tags] for article in query.all()]

def page_of_articles(number):
    page = Article.query{page_options}.paginate(page=number, per_page=100)
    return [a.to_dict() for a in page.items]
"""
    INVALID += [
        # A query property kept in a name and refined in place, then read per object.
        Invalid(
            _ARTICLES.format(loaded="", page_options=".options(selectinload(Article.tags))"),
            at="article.tags",
        ),
        # A page of a query, each of its objects serialised with its tags.
        Invalid(
            _ARTICLES.format(
                loaded="    query = query.options(selectinload(Article.tags))\n",
                page_options="",
            ),
            at="a.to_dict",
        ),
    ]
    VALID += [
        Valid(
            _ARTICLES.format(
                loaded="    query = query.options(selectinload(Article.tags))\n",
                page_options=".options(selectinload(Article.tags))",
            )
        )
    ]
    INVALID += [
        # `to_dict()` reads the backref `users` that `User.room` declares on `Room`.
        Invalid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, relationship

class Base(DeclarativeBase):
    pass

class Room(Base):
    __tablename__ = "rooms"

    def to_dict(self):
        return {"id": self.id, "users": [u.name for u in self.users]}

class User(Base):
    __tablename__ = "users"
    room = relationship("Room", backref="users")

def rooms(session: Session):
    return [room.to_dict() for room in session.query(Room).all()]
""",
            at="room.to_dict",
        ),
    ]
    VALID += [
        # A method that reads columns only, and one whose relationship is eager.
        Valid(
            """
from sqlalchemy.orm import DeclarativeBase, Session, backref, relationship

class Base(DeclarativeBase):
    pass

class Room(Base):
    __tablename__ = "rooms"

    def label(self):
        return f"{self.id}: {self.name}"

    def to_dict(self):
        return {"id": self.id, "users": [u.name for u in self.users]}

class User(Base):
    __tablename__ = "users"
    room = relationship("Room", backref=backref("users", lazy="selectin"))

def rooms(session: Session):
    return [(room.label(), room.to_dict()) for room in session.query(Room).all()]
"""
        ),
    ]

    def check(self, analysis: Analysis) -> Iterable[Finding]:
        for read in per_object_loads(analysis.model, analysis.resolver):
            loaded = f"{read.model}.{read.relationship}"
            # Objects a project function returns are named, and their statement is out
            # of the fix's reach; so is the loop's, for a read in a helper it calls.
            query = read.objects_of or "the query"
            statement = "the statement" if read.objects_of is None else "its statement"
            option = f"`.options(selectinload({loaded}))` on {statement}"
            if read.through is not None:
                statement, collections = read.through
                chain = "".join(f"selectinload({c})." for c in collections)
                option = f"`.options({chain}selectinload({loaded}))` on {statement}"
            fix_model = read.model if read.objects_of is None else ""
            # A many-to-one target the session holds already is read without a query.
            cost = (
                "runs one more query per object whose target the session does not hold "
                "yet (N+1 when the targets differ)"
                if read.scalar
                else "runs one more query per object (N+1)"
            )
            if read.serializer is not None:
                serializer = read.serializer
                verb, doing = (
                    ("renders", "rendering") if read.rendered else ("serializes", "serializing")
                )
                what = (
                    f"{serializer[0].upper()}{serializer[1:]} reads `{loaded}`{read.read_at}, "
                    f"which loads lazily, for each object of {query} it {verb}, so {doing} "
                    f"them {cost}"
                )
            elif read.method is not None and read.property:
                what = (
                    f"The property `{read.method}` reads `{loaded}`, which loads lazily, so "
                    f"reading it for each object of {query} {cost}"
                )
            elif read.method is not None:
                what = (
                    f"`{read.method}()` reads `{loaded}`, which loads lazily, so calling "
                    f"it for each object of {query} {cost}"
                )
            elif read.helper is not None:
                what = (
                    f"`{loaded}` loads lazily, and a loop over the objects of "
                    f"{read.objects_of or 'a query'} calls `{read.helper}()` for each, so "
                    f"reading it here {cost}"
                )
                if read.objects_of is None:
                    option = f"`.options(selectinload({loaded}))` on the loop's statement"
                fix_model = ""
            else:
                what = f"`{loaded}` loads lazily, so reading it for each object of {query} {cost}"
            yield LazyRelationshipFinding(
                read.node,
                f"{what}; load it with the objects: {option}, or "
                f'`lazy="selectin"` on the relationship.',
                model=fix_model,
                relationship=read.relationship if read.helper is None else "",
            )

    def fix(self, source: str, span: Span, finding: Finding) -> Fix | None:
        return loader_option_fix(source, span, finding)
