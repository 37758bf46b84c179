"""The client's own receipts, from their personal link (no account)."""

from django.urls import path

from . import views

app_name = "receipts"

urlpatterns = [
    path(
        "b/<str:token>/receipts/<uuid:public_id>.pdf",
        views.personal_receipt,
        name="personal",
    ),
]
