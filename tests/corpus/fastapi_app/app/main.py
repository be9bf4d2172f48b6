import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import text

from .database import Base, engine, get_reporting_engine
from .routers import items, reports, users

logging.basicConfig(level=logging.INFO)
logger = logging.getLogger("shop")


@asynccontextmanager
async def lifespan(app: FastAPI):
    Base.metadata.create_all(bind=engine)
    logger.info("schema ready")
    yield
    engine.dispose()
    get_reporting_engine().dispose()


app = FastAPI(title="Shop API", version="0.9.3", lifespan=lifespan)
app.add_middleware(
    CORSMiddleware,
    allow_origins=["https://shop.example.com"],
    allow_methods=["*"],
    allow_headers=["*"],
)

app.include_router(users.router)
app.include_router(items.router)
app.include_router(reports.router)


@app.middleware("http")
async def add_timing_header(request: Request, call_next):
    started = time.perf_counter()
    response = await call_next(request)
    response.headers["X-Process-Time"] = f"{time.perf_counter() - started:.4f}"
    return response


@app.get("/healthz", tags=["ops"])
def healthz():
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok", "pool": engine.pool.status()}
