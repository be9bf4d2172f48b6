from fastapi import FastAPI

from .routers import health, reports, tickets

app = FastAPI(title="tickets")
app.include_router(tickets.router)
app.include_router(reports.router)
app.include_router(health.router)
