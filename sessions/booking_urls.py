"""The pages clients book on without an account (sessions/booking_views.py)."""

from django.urls import path

from . import booking_views as views

app_name = "booking"

urlpatterns = [
    path("p/<slug:slug>/book/", views.choose_service, name="start"),
    path("p/<slug:slug>/book/<uuid:service_id>/", views.choose_time, name="times"),
    path("p/<slug:slug>/book/<uuid:service_id>/details/", views.details, name="details"),
    path("p/<slug:slug>/booked/<str:signed>/", views.done, name="done"),
    path("h/<str:token>/", views.confirm_hold, name="confirm_hold"),
    path("b/<str:token>/", views.mine, name="mine"),
    path("b/<str:token>/book/", views.again, name="again"),
    path("b/<str:token>/book/<uuid:service_id>/", views.again, name="again_service"),
    path(
        "b/<str:token>/book/<uuid:service_id>/confirm/",
        views.again_confirm,
        name="again_confirm",
    ),
    path("b/<str:token>/move/<uuid:appointment_id>/", views.move, name="move"),
    path("b/<str:token>/cancel/<uuid:appointment_id>/", views.cancel, name="cancel"),
    path("b/<str:token>/take/", views.take, name="take"),
    path("b/<str:token>/wait/<uuid:appointment_id>/", views.wait, name="wait"),
    path("b/<str:token>/book/<uuid:service_id>/wait/", views.wait, name="wait_any"),
]
