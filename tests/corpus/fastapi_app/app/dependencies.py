"""Shared FastAPI dependencies."""
import logging

from fastapi import Depends, Header, HTTPException, status
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from .config import settings
from .database import SessionLocal, get_db
from .models import User

logger = logging.getLogger(__name__)


def get_db_legacy():
    """Session dependency used by the v1 item routes.

    TODO(anna): switch the remaining routes over to database.get_db.
    """
    db = SessionLocal()  # expect: SQA104
    yield db
    db.close()


def get_current_user(
    x_user_id: int = Header(...),
    db: Session = Depends(get_db),
) -> User:
    user = db.get(User, x_user_id)
    if user is None or not user.is_active:
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Unknown user")
    return user


def require_admin(user: User = Depends(get_current_user)) -> User:
    if not user.is_admin:
        raise HTTPException(status_code=status.HTTP_403_FORBIDDEN, detail="Admins only")
    return user


def verify_tenant(x_tenant: str = Header(...)) -> str:
    """Reject requests for tenants whose database does not exist."""
    if not x_tenant.isidentifier():
        raise HTTPException(status_code=400, detail="Malformed tenant id")
    tenant_engine = create_engine(settings.tenant_database_template.format(tenant=x_tenant))  # expect: SQA103
    try:
        with tenant_engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError:
        logger.warning("tenant %s has no database", x_tenant)
        raise HTTPException(status_code=404, detail="Unknown tenant")
    return x_tenant
