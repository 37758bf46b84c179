"""The floors `make bench` sets its figures beside: raw Celery's rate for no-op tasks and a
plain document of the report's size. (Figures are not tested; that the floors measure what
they say is.)"""

import pytest
import redis

from complaints.benchmarks import plain_times
from practice.tooling import celery_floor

from ..support.processes import REDIS_SERVER, OwnRedis


@pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server")
def test_the_celery_floor_is_a_real_worker_taking_every_task_and_leaving_nothing_behind():
    own = OwnRedis()
    own.start()
    try:
        rate = celery_floor.tasks_per_second(own.url, tasks=300)
        leftovers = redis.Redis.from_url(own.url).keys("*")
    finally:
        own.stop()
    assert 0 < rate < 1_000_000  # between two marks the worker itself set
    assert leftovers == []  # its queue is drained and its marks deleted


def test_the_plain_floor_is_a_pdf_of_exactly_the_pages_asked_for():
    timings, pages = plain_times(3, repeat=2)
    assert pages == 3
    assert len(timings) == 2 and all(seconds > 0 for seconds in timings)
