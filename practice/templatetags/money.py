from django import template

from practice.money import money as format_money

register = template.Library()


@register.filter
def money(amount, practice):
    """{{ amount|money:request.practice }}"""
    if amount is None or amount == "":
        return ""
    return format_money(amount, practice)
