import csv
import io
from typing import List, Optional

from fastapi import APIRouter, Depends, HTTPException, Response
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.orm import Session

from app import crud
from app.config import settings
from app.database import SessionLocal, engine
from app.dependencies import get_db_legacy, require_admin, verify_tenant
from app.models import Item, OrderLine
from app.schemas import ItemOut, PriceChange

router = APIRouter(prefix="/items", tags=["items"])


def _legacy_stock_level(sku: str) -> int:
    """Stock still lives in the old ERP database."""
    legacy = create_engine(settings.legacy_database_url, pool_pre_ping=True)  # expect: SQA103
    with legacy.connect() as conn:
        qty = conn.execute(
            text("SELECT qty_on_hand FROM dbo.stock WHERE sku = :sku"), {"sku": sku}
        ).scalar()
    return int(qty or 0)


def _to_out(item: Item, stock: Optional[int] = None) -> ItemOut:
    out = ItemOut.model_validate(item)
    out.stock = stock
    return out


@router.get("/", response_model=List[ItemOut])
def list_items(
    q: Optional[str] = None,
    limit: int = 50,
    tenant: str = Depends(verify_tenant),
    db: Session = Depends(get_db_legacy),
):
    return [_to_out(i) for i in crud.search_items(db, q, limit)]


@router.get("/{item_id}", response_model=ItemOut)
def get_item(item_id: int, include_stock: bool = False, db: Session = Depends(get_db_legacy)):
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    stock = _legacy_stock_level(item.sku) if include_stock else None
    return _to_out(item, stock)


@router.get("/{item_id}/history")
def item_history(item_id: int):
    with engine.connect() as conn:
        rows = conn.execute(
            select(OrderLine.order_id, OrderLine.quantity, OrderLine.unit_price_cents)
            .where(OrderLine.item_id == item_id)
            .order_by(OrderLine.order_id.desc())
            .limit(200)
        ).all()
    return [{"order_id": r.order_id, "qty": r.quantity, "price": r.unit_price_cents} for r in rows]


@router.get("/export/csv")
def export_items_csv():
    conn = engine.connect()
    with conn:
        result = conn.execute(select(Item.id, Item.sku, Item.name, Item.price_cents).order_by(Item.id))
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(["id", "sku", "name", "price_cents"])
        writer.writerows(result)
    return Response(content=buf.getvalue(), media_type="text/csv")


@router.post("/bulk-price-update", dependencies=[Depends(require_admin)])
def bulk_price_update(changes: List[PriceChange]):
    with SessionLocal.begin() as session:
        for change in changes:
            session.execute(
                update(Item).where(Item.sku == change.sku).values(price_cents=change.price_cents)
            )
    return {"updated": len(changes)}


@router.delete("/{item_id}", status_code=204)
def delete_item(item_id: int):
    db = SessionLocal()  # expect: SQA102
    item = db.get(Item, item_id)
    if item is None:
        raise HTTPException(status_code=404, detail="Item not found")
    db.delete(item)
    db.commit()
    return Response(status_code=204)


@router.get("/stats/top-sellers")
def top_sellers(limit: int = 10):
    top = (
        engine.connect()  # expect: SQA101
        .execute(
            text(
                "SELECT i.sku, i.name, sum(l.quantity) AS sold FROM order_lines l "
                "JOIN items i ON i.id = l.item_id GROUP BY i.sku, i.name "
                "ORDER BY sold DESC LIMIT :limit"
            ),
            {"limit": limit},
        )
        .mappings()
        .all()
    )
    return [dict(r) for r in top]
