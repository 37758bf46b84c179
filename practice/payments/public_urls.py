"""The client's own receipts, from their personal link (no account)."""

from django.urls import path

from . import online_views, views

app_name = "receipts"

urlpatterns = [
    path(
        "b/<str:token>/receipts/<uuid:public_id>.pdf",
        views.personal_receipt,
        name="personal",
    ),
    path("b/<str:token>/pay/", online_views.pay_owed, name="pay"),
    path("b/<str:token>/paid/", online_views.paid, name="paid"),
    path("b/<str:token>/card/", online_views.card, name="card"),
    path("h/<str:token>/paid/", online_views.deposit_paid, name="deposit_paid"),
    path("stripe/<uuid:practice_id>/webhook/", online_views.stripe_webhook, name="stripe_webhook"),
]
