"""Errors and slow requests to Sentry, when SENTRY_DSN is set, without personal data.

Nearly everything this app handles is health information, so what leaves for Sentry is
only what finds a bug: the exception's type, where it was raised (files, functions, lines),
the URL pattern (never the address itself, whose tokens are keys), the method, timings and
the release. Never: request bodies, form values, cookies, headers, the query string, local
variables, exception or log messages (a database error quotes the row, a log line may name
a client), breadcrumbs' data, task arguments, the user. The SDK is imported only here, and
only when a DSN is set.
"""

HIDDEN = "[hidden]"
# Request fields that say nothing about anyone.
REQUEST_KEPT = ("method",)
# Breadcrumb fields kept; their messages only as the code wrote them (no values filled in).
BREADCRUMB_KEPT = ("type", "category", "level", "timestamp")


def init(dsn, *, environment="", release="", traces_sample_rate=0.0, transport=None):
    """Start the SDK with the Django, Celery and Redis integrations and our scrubbing."""
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    options = {}
    if transport is not None:  # the tests' own, which keeps what would be sent
        options["transport"] = transport
    return sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[
            DjangoIntegration(transaction_style="url"),
            CeleryIntegration(),
            RedisIntegration(),
        ],
        # No personal data by default (send_default_pii stays off); and, to be sure,
        include_local_variables=False,
        include_source_context=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
        before_breadcrumb=scrub_breadcrumb,
        **options,
    )


def scrub_event(event, hint=None):
    """What is left of an event (an error or a slow request) to send."""
    request = event.get("request") or {}
    event["request"] = {key: request[key] for key in REQUEST_KEPT if key in request}
    for key in ("user", "extra", "modules"):
        event.pop(key, None)
    for exception in (event.get("exception") or {}).get("values") or []:
        if exception.get("value"):
            exception["value"] = HIDDEN
        for frame in (exception.get("stacktrace") or {}).get("frames") or []:
            for key in ("vars", "pre_context", "context_line", "post_context"):
                frame.pop(key, None)
    for thread in (event.get("threads") or {}).get("values") or []:
        for frame in (thread.get("stacktrace") or {}).get("frames") or []:
            frame.pop("vars", None)
    logentry = event.get("logentry")
    if logentry:
        event["logentry"] = {"message": logentry.get("message", ""), "params": []}
    if "message" in event:
        event["message"] = HIDDEN
    breadcrumbs = event.get("breadcrumbs") or {}
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:  # each already went through scrub_breadcrumb
        crumb.pop("data", None)
    for span in event.get("spans") or []:
        span.pop("data", None)
        if span.get("op", "").startswith(("http", "redis")):
            span["description"] = span.get("op", "")
    contexts = event.get("contexts") or {}
    contexts.pop("celery-job", None)
    for key in ("trace",):
        if key in contexts:
            contexts[key].pop("data", None)
    return event


def scrub_breadcrumb(crumb, hint=None):
    """A breadcrumb as the code wrote it: a log line's format (not its values), no data."""
    record = (hint or {}).get("log_record")
    kept = {key: crumb[key] for key in BREADCRUMB_KEPT if key in crumb}
    if record is not None:
        kept["message"] = str(record.msg)
    elif crumb.get("category") == "query":
        kept["message"] = crumb.get("message", "")  # SQL with placeholders, no values
    return kept
