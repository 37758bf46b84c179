import phonenumbers
from django import template

from clients import agreements
from clients.models import IntakeFormVersion

register = template.Library()


@register.filter
def phone(value):
    """+447911123456 -> +44 7911 123456: stored in E.164, shown readably."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.simple_tag
def policies_before_booking(practice):
    """The agreements of the practice's current form that a client reads before booking
    (a version is cached for good, so this reads nothing most of the time)."""
    return agreements.before_booking(IntakeFormVersion.current(practice))
