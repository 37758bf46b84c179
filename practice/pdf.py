"""Every PDF the app makes goes through here: a Django template rendered by WeasyPrint."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string
from weasyprint import HTML

from . import text


def render(template_name, context):
    """Return (pdf bytes, number of pages)."""
    # What people typed is drawn in its own order: text kept before input was cleaned
    # loses its direction overrides here, so it cannot reorder the rest of the page.
    html = text.clean(render_to_string(template_name, context))
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(), len(document.pages)


def response(data, filename):
    """A PDF for the browser to show (and save under `filename`)."""
    answer = HttpResponse(data, content_type="application/pdf")
    answer["Content-Disposition"] = f'inline; filename="{filename}"'
    return answer
