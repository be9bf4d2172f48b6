"""SQLAlchemy access to the reporting warehouse."""
from django.conf import settings
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(settings.WAREHOUSE_URL, pool_size=5, pool_recycle=3600, pool_pre_ping=True)
WarehouseSession = sessionmaker(bind=engine, expire_on_commit=False)
