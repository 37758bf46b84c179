"""The e-mail providers' delivery-report webhooks, through django-anymail's views (each
checks its provider's signature or basic auth). A provider that is not configured answers
404, never an error page: its settings come from `ANYMAIL_*` environment variables."""

from anymail.utils import get_anymail_setting
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.http import Http404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

# provider -> (anymail's view, the settings it checks requests with)
PROVIDERS = {
    "mailgun": (MailgunTrackingWebhookView, "MAILGUN_WEBHOOK_SIGNING_KEY"),
    "postmark": (PostmarkTrackingWebhookView, "WEBHOOK_SECRET"),
    "sendgrid": (SendGridTrackingWebhookView, "WEBHOOK_SECRET"),
    "brevo": (BrevoTrackingWebhookView, "WEBHOOK_SECRET"),
}


def configured(setting):
    return bool(get_anymail_setting(setting.lower(), default="", allow_bare=False))


def tracking_view(view_class, setting):
    @csrf_exempt  # the provider posts without our CSRF token; its signature is checked
    def view(request):
        if not configured(setting):
            raise Http404("This provider's reports are not set up.")
        return view_class.as_view()(request)

    return view


def email_tracking_urls():
    return [
        path(
            f"email/{provider}/tracking/",
            tracking_view(view_class, setting),
            name=f"{provider}_tracking",
        )
        for provider, (view_class, setting) in PROVIDERS.items()
    ]
