from sqlalchemy import text

from inventory.db import db_session
from inventory.models import Product


def _add(sku, name, qty=0):
    db_session.add(Product(sku=sku, name=name, quantity=qty))
    db_session.commit()


def test_index_empty(client):
    resp = client.get("/products/")
    assert resp.status_code == 200
    assert resp.get_json() == []


def test_create_and_fetch(client):
    resp = client.post("/products/", json={"sku": "A-1", "name": "Anvil", "quantity": 3})
    assert resp.status_code == 201
    pid = resp.get_json()["id"]
    assert client.get(f"/products/{pid}").get_json()["sku"] == "A-1"


def test_missing_fields(client):
    assert client.post("/products/", json={"sku": "X"}).status_code == 400


def test_row_visible_on_raw_connection(app, conn):
    _add("B-2", "Bucket", 7)
    qty = conn.execute(text("SELECT quantity FROM products WHERE sku = 'B-2'")).scalar()
    assert qty == 7


def test_init_db_command(runner):
    result = runner.invoke(args=["init-db"])
    assert "Initialized" in result.output
