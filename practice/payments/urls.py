from django.urls import path

from . import online_views, views

app_name = "payments"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("clients/<uuid:public_id>/", views.client_payments, name="client"),
    path("clients/<uuid:public_id>/refund/", views.client_refund, name="refund"),
    path("clients/<uuid:public_id>/remind/", views.owed_reminder, name="remind"),
    path("clients/<uuid:public_id>/statement.pdf", views.client_statement, name="statement"),
    path("receipts/<uuid:public_id>.pdf", views.receipt_pdf, name="receipt"),
    path("receipts/<uuid:public_id>/cancel/", views.receipt_cancel, name="receipt_cancel"),
    path("fees/<uuid:public_id>/waive/", views.fee_waive, name="fee_waive"),
    path("clients/<uuid:public_id>/package/", views.package_sell, name="package_sell"),
    path("packages/<uuid:public_id>/use/", views.package_use, name="package_use"),
    path("fees/<uuid:public_id>/charge/", online_views.fee_charge, name="fee_charge"),
    path("online/", online_views.online_settings, name="online"),
    path("vouchers/", views.voucher_list, name="vouchers"),
    path("vouchers/new/", views.voucher_create, name="voucher_create"),
]
