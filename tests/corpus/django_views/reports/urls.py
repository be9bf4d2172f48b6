from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("sales/", views.sales_summary, name="sales-summary"),
    path("regions/<str:region>/", views.region_breakdown, name="region-breakdown"),
    path("partners/<str:partner>/feed/", views.partner_feed, name="partner-feed"),
    path("partners/<str:partner>/version/", views.partner_version, name="partner-version"),
    path("products/top/", views.TopProductsView.as_view(), name="top-products"),
    path("customers/<int:customer_id>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path("export/", views.ExportView.as_view(), name="export"),
    path("refunds/", views.refund_list, name="refunds"),
]
