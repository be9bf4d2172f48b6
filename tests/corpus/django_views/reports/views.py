import csv
import json

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponse, JsonResponse
from django.views import View
from django.views.decorators.http import require_GET
from sqlalchemy import create_engine, text

from .warehouse import WarehouseSession, engine

SALES_SQL = text(
    "SELECT date_trunc('month', created_at)::date AS month, sum(total) AS revenue "
    "FROM orders GROUP BY 1 ORDER BY 1 DESC LIMIT 12"
)


@require_GET
def sales_summary(request):
    with engine.connect() as conn:
        rows = conn.execute(SALES_SQL).all()
    return JsonResponse({"months": [{"month": m.isoformat(), "revenue": float(r)} for m, r in rows]})


def region_breakdown(request, region):
    conn = engine.connect()  # expect: SQA101
    rows = conn.execute(
        text("SELECT country, sum(total) FROM orders WHERE region = :r GROUP BY country ORDER BY 2 DESC"),
        {"r": region},
    ).all()
    if not rows:
        raise Http404("no data for region")
    return JsonResponse({"region": region, "countries": {c: float(t) for c, t in rows}})


def partner_feed(request, partner):
    try:
        url = settings.PARTNER_DATABASES[partner]
    except KeyError:
        raise Http404("unknown partner")
    partner_engine = create_engine(url, pool_pre_ping=True)  # expect: SQA103
    try:
        with partner_engine.connect() as conn:
            rows = conn.execute(
                text("SELECT sku, qty, updated_at FROM stock_feed ORDER BY updated_at DESC LIMIT 500")
            ).mappings().all()
    finally:
        partner_engine.dispose()
    return JsonResponse({"partner": partner, "items": [dict(r) for r in rows]}, json_dumps_params={"default": str})


def partner_version(request, partner):
    url = settings.PARTNER_DATABASES.get(partner)
    if url is None:
        raise Http404("unknown partner")
    version = create_engine(url).connect().execute(text("SELECT version()")).scalar()  # expect: SQA101, SQA103
    return JsonResponse({"partner": partner, "version": version})


class TopProductsView(View):
    def get(self, request):
        limit = int(request.GET.get("limit", 20))
        session = WarehouseSession()  # expect: SQA102
        rows = session.execute(
            text("SELECT sku, sum(qty) AS sold FROM order_lines GROUP BY sku ORDER BY sold DESC LIMIT :n"),
            {"n": limit},
        ).all()
        return JsonResponse({"top": [{"sku": s, "sold": int(n)} for s, n in rows]})


class CustomerDetailView(LoginRequiredMixin, View):
    def get(self, request, customer_id):
        with WarehouseSession() as session:
            row = session.execute(
                text("SELECT id, name, lifetime_value FROM customers WHERE id = :id"), {"id": customer_id}
            ).first()
        if row is None:
            raise Http404("customer not found")
        return JsonResponse({"id": row.id, "name": row.name, "ltv": float(row.lifetime_value)})

    def post(self, request, customer_id):
        payload = json.loads(request.body or b"{}")
        session = WarehouseSession()
        try:
            session.execute(
                text("UPDATE customers SET segment = :s WHERE id = :id"),
                {"s": payload.get("segment"), "id": customer_id},
            )
            session.commit()
        finally:
            session.close()
        return JsonResponse({"ok": True})


class ExportView(LoginRequiredMixin, View):
    def get(self, request):
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = 'attachment; filename="orders.csv"'
        writer = csv.writer(response)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute("SELECT id, created_at, total FROM orders ORDER BY id DESC LIMIT 10000")
            writer.writerow(["id", "created_at", "total"])
            writer.writerows(cur.fetchall())
        finally:
            raw.close()
        return response


def refund_list(request):
    session = WarehouseSession()  # expect: SQA104
    rows = session.execute(
        text("SELECT order_id, amount, reason FROM refunds ORDER BY refunded_at DESC LIMIT 100")
    ).all()
    session.close()
    return JsonResponse({"refunds": [{"order": o, "amount": float(a), "reason": r} for o, a, r in rows]})
