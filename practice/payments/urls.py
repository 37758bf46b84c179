from django.urls import path

from . import views

app_name = "payments"

urlpatterns = [
    path("", views.payment_list, name="list"),
    path("clients/<uuid:public_id>/", views.client_payments, name="client"),
    path("receipts/<uuid:public_id>.pdf", views.receipt_pdf, name="receipt"),
    path("receipts/<uuid:public_id>/cancel/", views.receipt_cancel, name="receipt_cancel"),
]
