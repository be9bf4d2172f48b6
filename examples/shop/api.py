"""A FastAPI service: each leaky endpoint sits next to its correct twin.

Lines marked `# expect: CODE` are where sqlalchemy-lint reports; the tests check
that exactly those are reported.
"""

from fastapi import Depends, FastAPI
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from .database import DATABASE_URL, SessionLocal, engine
from .models import Product

app = FastAPI()


# SQA102: a session that is never closed -------------------------------------
@app.get("/products")
def list_products_leaky():
    db = SessionLocal()  # expect: SQA102
    return db.scalars(select(Product)).all()


@app.get("/products/safe")
def list_products():
    with SessionLocal() as db:
        return db.scalars(select(Product)).all()


# SQA104: a dependency that closes after `yield` without try/finally ---------
def get_db_leaky():
    db = SessionLocal()  # expect: SQA104
    yield db
    db.close()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.get("/products/{product_id}")
def show_product(product_id: int, db: Session = Depends(get_db)):
    return db.get(Product, product_id)


# SQA101: a connection that is never returned to the pool ----------------------
@app.get("/health")
def health_leaky():
    conn = engine.connect()  # expect: SQA101
    return {"ok": conn.execute(text("SELECT 1")).scalar() == 1}


@app.get("/health/safe")
def health():
    with engine.connect() as conn:
        return {"ok": conn.execute(text("SELECT 1")).scalar() == 1}


# SQA103: a new engine (and pool) for every request ----------------------------
@app.get("/stats")
def stats_leaky():
    per_request = create_engine(DATABASE_URL)  # expect: SQA103
    with per_request.connect() as conn:
        return {"products": conn.execute(text("SELECT count(*) FROM products")).scalar()}


@app.get("/stats/safe")
def stats():
    with engine.connect() as conn:
        return {"products": conn.execute(text("SELECT count(*) FROM products")).scalar()}
