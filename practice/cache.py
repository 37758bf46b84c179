"""The cache is a convenience, never a requirement: with Redis unreachable, every cache
call is logged and answered as a miss, so saving a session or opening the dashboard never
fails because of it (the figures are recomputed; rate limits fail open, see settings)."""

import functools
import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# What each call answers while the cache is away: as if nothing were kept.
MISSED = {
    "add": False,
    "get": None,
    "get_many": {},
    "has_key": False,
    "set": None,
    "set_many": [],
    "touch": False,
    "delete": False,
    "delete_many": None,
    "incr": None,
    "decr": None,
    "clear": None,
}


def forgiving(name, missed):
    method = getattr(RedisCache, name)

    @functools.wraps(method)
    def call(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (RedisError, OSError) as error:
            log.warning("The cache could not be reached for %s (%s); carrying on.", name, error)
            if name == "get":
                return kwargs.get("default", args[1] if len(args) > 1 else None)
            return missed

    return call


class ForgivingRedisCache(RedisCache):
    """Django's Redis cache, answering "not kept" instead of failing when Redis is down."""

    locals().update({name: forgiving(name, missed) for name, missed in MISSED.items()})
