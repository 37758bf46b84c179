"""Dates and times as people write them: in the practice's time zone, in the way its country
writes them ("Monday 23 November at 10:00" in the UK, "Mon, November 23 at 10:00 AM" in the
US). Everything a client reads, and every date a sentence on a page carries, goes through
here; tables of dates on the therapist's pages use the |date filter.
"""

import datetime
import functools
import zoneinfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton, format_time


@functools.lru_cache(maxsize=64)
def locale_for(country_code):
    """English as written in the country, or international English for a country CLDR has
    no English for."""
    try:
        return Locale.parse(f"en_{country_code or 'GB'}")
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en_001")


def local(moment, practice):
    """The moment on the practice's clock."""
    return moment.astimezone(zoneinfo.ZoneInfo(practice.time_zone))


def when(moment, practice):
    """ "Monday 23 November at 10:00": a session's time in a sentence."""
    moment, locale = local(moment, practice), locale_for(practice.country.code)
    day_text = format_skeleton("MMMMEEEEd", moment, locale=locale)
    return f"{day_text} at {format_time(moment, 'short', locale=locale)}"


def day(value, practice):
    """ "23 November 2026" for a date, or for a moment on the practice's clock."""
    if isinstance(value, datetime.datetime):
        value = local(value, practice).date()
    return format_date(value, "long", locale=locale_for(practice.country.code))


def short(moment, practice):
    """ "23 Nov 2026, 10:00": a moment in a list or a label."""
    moment, locale = local(moment, practice), locale_for(practice.country.code)
    day_text = format_skeleton("yMMMd", moment, locale=locale)
    return f"{day_text}, {format_time(moment, 'short', locale=locale)}"


def brief(value, practice):
    """ "3 Dec 2026": a day in a badge or a short label (a list of sessions shows a few
    days many times over, so each is written once)."""
    if isinstance(value, datetime.datetime):
        value = local(value, practice).date()
    return brief_day(value, locale_for(practice.country.code))


@functools.lru_cache(maxsize=512)
def brief_day(day, locale):
    return format_skeleton("yMMMd", day, locale=locale)


def weekday(value, practice):
    """ "Monday 14 December": a day in a list of days to choose from."""
    return format_skeleton("MMMMEEEEd", value, locale=locale_for(practice.country.code))


def time(moment, practice):
    """ "10:30" in the UK, "10:30 AM" in the US: a time on the practice's clock."""
    return format_time(local(moment, practice), "short", locale=locale_for(practice.country.code))
