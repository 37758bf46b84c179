import phonenumbers
from django import template

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
