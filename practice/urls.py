from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django_ratelimit.decorators import ratelimit

from followups import views as followup_views
from sessions.setup_views import calendar_feed

from . import two_factor
from .forms import EmailAuthenticationForm
from .front import dashboard, moving_on_views, people, referrals, views

auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path(
        "password_reset/",
        # A few reset e-mails an hour per address: enough for a person, useless for a flood.
        ratelimit(key="ip", rate="5/h", method="POST", block=True)(
            auth_views.PasswordResetView.as_view(
                subject_template_name="emails/password_reset-subject.txt",
                email_template_name="emails/password_reset-body-text.txt",
                html_email_template_name="emails/password_reset-body-html.html",
            )
        ),
        name="password_reset",
    ),
    path("two-step/", two_factor.setup, name="two_factor_setup"),
    path("invitation/<str:token>/", people.invitation_page, name="invitation"),
    path("two-step/verify/", two_factor.verify, name="two_factor_verify"),
    path("", include("django.contrib.auth.urls")),
]

practice_patterns = (
    [
        path("settings/", views.practice_settings, name="settings"),
        path("people/", people.members, name="members"),
        path("people/invite/", people.invite_view, name="invite"),
        path(
            "people/invitations/<uuid:public_id>/withdraw/",
            people.invitation_withdraw,
            name="invitation_withdraw",
        ),
        path("people/<uuid:public_id>/role/", people.member_role, name="member_role"),
        path("people/<uuid:public_id>/remove/", people.member_remove, name="member_remove"),
        path("audit/", views.audit_trail, name="audit"),
        path("people/<uuid:public_id>/unlock/", people.unlock, name="unlock"),
        path("new/", views.practice_create, name="create"),
        path("switch/", views.practice_switch_list, name="switch_list"),
        path("switch/<uuid:public_id>/", views.practice_switch, name="switch"),
        path("referrals/", referrals.referral_list, name="referrals"),
        path("referrals/new/", referrals.practitioner_create, name="practitioner_create"),
        path("referrals/<uuid:public_id>/", referrals.practitioner_edit, name="practitioner_edit"),
        path("referrals/list.pdf", referrals.referral_pdf, name="referral_pdf"),
        path("referrals/send/", referrals.referral_send, name="referral_send"),
    ],
    "practice",
)

# Moving a client on lives on the top floor; its pages keep their place under /clients/.
moving_on_patterns = (
    [
        path("move-on-wording/", moving_on_views.move_on_wording, name="wording"),
        path("<uuid:public_id>/move-on/", moving_on_views.move_on, name="move_on"),
        path(
            "<uuid:public_id>/move-on/<uuid:move_id>/undo/",
            moving_on_views.move_on_undo,
            name="undo",
        ),
        path("<uuid:public_id>/refer/", moving_on_views.refer, name="refer"),
    ],
    "moving_on",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("health/", views.health, name="health"),
    path("health/backups/", views.health_backups, name="health_backups"),
    path("signup/", views.signup, name="signup"),
    path("accounts/", include(auth_patterns)),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("practice/", include(practice_patterns)),
    path("practice/settings/intake-form/", include("clients.builder_urls")),
    path("clients/", include("clients.urls")),
    path("clients/", include(moving_on_patterns)),
    path("sessions/", include("sessions.urls")),
    path("calendar/<str:token>.ics", calendar_feed, name="calendar_feed"),
    path("followups/", include("followups.urls")),
    path("complaints/", include("complaints.urls")),
    path("payments/", include("practice.payments.urls")),
    path("checkin/<str:token>/", followup_views.checkin_reply, name="checkin_reply"),
    path("unsubscribe/<str:token>/", followup_views.unsubscribe, name="unsubscribe"),
    path("", include("clients.intake_urls")),
    path("", include("sessions.booking_urls")),
    path("", include("practice.payments.public_urls")),
    path("admin/", admin.site.urls),
]
