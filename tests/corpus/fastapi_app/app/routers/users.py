import logging
from typing import Annotated, List

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from .. import crud
from ..config import settings
from ..database import SessionLocal, engine, get_db
from ..dependencies import get_current_user, require_admin
from ..models import Order, User
from ..schemas import LoginRequest, UserCreate, UserOut, UserUpdate
from ..services.audit import record_login

logger = logging.getLogger(__name__)

router = APIRouter(prefix="/users", tags=["users"])

DbSession = Annotated[Session, Depends(get_db)]


@router.get("/", response_model=List[UserOut])
def list_users(db: DbSession, skip: int = 0, limit: int = 50):
    stmt = select(User).order_by(User.id).offset(skip).limit(limit)
    return db.scalars(stmt).all()


@router.post("/", response_model=UserOut, status_code=201)
def create_user(payload: UserCreate, db: Session = Depends(get_db)):
    if crud.get_user_by_email(db, payload.email):
        raise HTTPException(status_code=409, detail="Email already registered")
    return crud.create_user(db, payload)


@router.get("/me", response_model=UserOut)
def read_me(current: User = Depends(get_current_user)):
    return current


@router.get("/count")
def count_users():
    db = SessionLocal()  # expect: SQA102
    total = db.scalar(select(func.count(User.id)))
    active = db.scalar(select(func.count(User.id)).where(User.is_active.is_(True)))
    return {"total": total, "active": active}


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: int):
    with SessionLocal() as db:
        user = db.get(User, user_id)
        if user is None:
            raise HTTPException(status_code=404, detail="User not found")
        return user


@router.patch("/{user_id}", response_model=UserOut)
def update_user(user_id: int, payload: UserUpdate, current: User = Depends(get_current_user)):
    if current.id != user_id and not current.is_admin:
        raise HTTPException(status_code=403, detail="Not allowed")
    db = SessionLocal()
    try:
        user = db.get(User, user_id)
        if user is None:
            raise HTTPException(status_code=404, detail="User not found")
        if payload.full_name is not None:
            user.full_name = payload.full_name
        if payload.password:
            user.set_password(payload.password)
        db.commit()
        db.refresh(user)
        return user
    except Exception:
        db.rollback()
        raise
    finally:
        db.close()


@router.post("/{user_id}/deactivate")
def deactivate_user(user_id: int, admin: User = Depends(require_admin)):
    session = SessionLocal()  # expect: SQA104
    user = session.get(User, user_id)
    if user is None:
        session.close()
        raise HTTPException(status_code=404, detail="User not found")
    user.is_active = False
    session.commit()
    session.close()
    logger.info("user %s deactivated by %s", user_id, admin.id)
    return {"status": "deactivated"}


@router.get("/{user_id}/activity")
def user_activity(user_id: int, days: int = 30):
    # page views live in the analytics cluster
    analytics = create_engine(settings.analytics_database_url, pool_pre_ping=True)  # expect: SQA103
    try:
        with analytics.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT date_trunc('day', ts) AS day, count(*) AS views "
                    "FROM page_views WHERE user_id = :uid AND ts > now() - make_interval(days => :days) "
                    "GROUP BY 1 ORDER BY 1"
                ),
                {"uid": user_id, "days": days},
            ).mappings().all()
    finally:
        analytics.dispose()
    return [dict(r) for r in rows]


@router.get("/{user_id}/orders/summary")
def order_summary(user_id: int):
    conn = engine.connect()  # expect: SQA101
    row = conn.execute(
        select(func.count(Order.id), func.coalesce(func.sum(Order.total_cents), 0)).where(
            Order.user_id == user_id
        )
    ).one()
    return {"orders": row[0], "total_cents": row[1]}


@router.get("/{user_id}/orders")
def list_orders(user_id: int, db: DbSession):
    return [
        {"id": o.id, "status": o.status, "total_cents": o.total_cents}
        for o in crud.orders_for_user(db, user_id)
    ]


@router.post("/login")
def login(payload: LoginRequest, request: Request, background_tasks: BackgroundTasks, db: DbSession):
    user = crud.get_user_by_email(db, payload.email)
    if user is None or not user.check_password(payload.password):
        raise HTTPException(status_code=401, detail="Invalid credentials")
    client_ip = request.client.host if request.client else None
    background_tasks.add_task(record_login, user.id, client_ip)
    return {"user_id": user.id}
