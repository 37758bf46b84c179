"""Settings → Intake form: the practice's own questions and agreements (owners only)."""

from django.urls import path

from . import form_builder as views

app_name = "intake_form"

urlpatterns = [
    path("", views.builder, name="builder"),
    path("questions/new/", views.question_add, name="add"),
    path("questions/<uuid:question_id>/", views.question_edit, name="edit"),
    path("questions/<uuid:question_id>/move/<str:direction>/", views.question_move, name="move"),
    path("questions/<uuid:question_id>/remove/", views.question_remove, name="remove"),
    path("agreements/new/", views.agreement_add, name="agreement_add"),
    path("agreements/<uuid:agreement_id>/", views.agreement_edit, name="agreement_edit"),
    path("agreements/<uuid:agreement_id>/remove/", views.agreement_remove, name="agreement_remove"),
    path("preview/", views.preview, name="preview"),
    path("publish/", views.publish, name="publish"),
]
