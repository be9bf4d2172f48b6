from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import User


def test_create_user(client, db_session):
    resp = client.post(
        "/users/",
        json={"email": "bob@example.com", "full_name": "Bob", "password": "hunter2hunter2"},
    )
    assert resp.status_code == 201
    body = resp.json()
    assert body["email"] == "bob@example.com"
    assert db_session.scalar(select(User).where(User.email == "bob@example.com")) is not None


def test_duplicate_email_rejected(client, alice):
    resp = client.post(
        "/users/",
        json={"email": alice.email, "password": "whatever-123"},
    )
    assert resp.status_code == 409


def test_me_requires_header(client):
    assert client.get("/users/me").status_code == 422


def test_me(client, alice):
    resp = client.get("/users/me", headers={"X-User-Id": str(alice.id)})
    assert resp.status_code == 200
    assert resp.json()["id"] == alice.id


def test_password_roundtrip(engine):
    with Session(engine) as session:
        user = User(email="carol@example.com")
        user.set_password("s3cret-pass")
        session.add(user)
        session.flush()
        assert user.check_password("s3cret-pass")
        session.rollback()
