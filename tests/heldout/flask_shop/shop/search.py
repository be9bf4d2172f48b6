"""Full-text search: Elasticsearch first, the database as a fallback."""

from elasticsearch import ConnectionError as ElasticUnavailable
from elasticsearch import Elasticsearch
from sqlalchemy import text

from .config import ELASTIC_URL
from .db import db_session

es = Elasticsearch(ELASTIC_URL)


def _fallback_sql(term):
    return "SELECT id, name FROM products WHERE name ILIKE '%" + term + "%'"  # bonus: SQA301


def search_products(term):
    try:
        hits = es.search(index="products", query={"match": {"name": term}})
        return [h["_source"] for h in hits["hits"]["hits"]]
    except ElasticUnavailable:
        # built in another function: beyond "simple local data flow"
        rows = db_session.execute(text(_fallback_sql(term))).all()  # bonus: SQA301
        return [dict(r._mapping) for r in rows]


def count_in_index(category):
    # Elasticsearch's SQL endpoint, not a database SQLAlchemy talks to.
    body = {"query": "SELECT count(*) FROM products WHERE category = '%s'" % category}
    return es.sql.query(body=body)["rows"][0][0]
