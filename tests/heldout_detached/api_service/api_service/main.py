import logging

from fastapi import FastAPI

from .db import engine
from .models import Base
from .routes import router

logging.basicConfig(level=logging.INFO)


def create_app() -> FastAPI:
    app = FastAPI(title="api_service")
    app.include_router(router)

    @app.on_event("startup")
    def _create_tables() -> None:
        Base.metadata.create_all(engine)

    return app


app = create_app()
