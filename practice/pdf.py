"""Every PDF the app makes goes through here: a Django template rendered by WeasyPrint."""

from django.conf import settings
from django.template.loader import render_to_string
from weasyprint import HTML


def render(template_name, context):
    """Return (pdf bytes, number of pages)."""
    html = render_to_string(template_name, context)
    document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
    return document.write_pdf(), len(document.pages)
