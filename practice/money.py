"""Amounts as people write them: in the practice's currency, the way its country writes it
("£70.00" in the UK, "$70.00" in the US, "70,00 €" where that is the custom). Amounts are
Decimals everywhere; never floats."""

from babel.numbers import format_currency

from .dates import locale_for


def money(amount, practice):
    return format_currency(amount, practice.currency, locale=locale_for(practice.country.code))
