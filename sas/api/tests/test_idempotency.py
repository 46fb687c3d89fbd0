import queue
import threading
import time

import pytest
from django.db import IntegrityError, connection

from sas.api import services
from sas.api.models import IdempotencyKey
from sas.organisations.factories import OrganisationFactory


@pytest.mark.django_db
def test_a_retry_that_loses_the_insert_race_replays_the_winner(monkeypatch):
    """The IntegrityError path: the key was claimed between our read and our insert."""
    organisation = OrganisationFactory()
    IdempotencyKey.objects.create(
        organisation=organisation, key="k", request_hash=services.request_hash(b"{}"), response_status=201,
        response_body={"id": "gagnant"},
    )  # fmt: skip
    real_filter = IdempotencyKey.objects.filter
    reads = []

    def first_read_misses(**kwargs):
        reads.append(kwargs)
        return IdempotencyKey.objects.none() if len(reads) == 1 else real_filter(**kwargs)

    monkeypatch.setattr(IdempotencyKey.objects, "filter", first_read_misses)
    processed = []
    result = services.idempotent(organisation, "k", b"{}", lambda: processed.append(1) or (201, {"id": "perdant"}))
    assert result == (201, {"id": "gagnant"}, True)
    assert processed == []


@pytest.mark.django_db
def test_an_unrelated_integrity_error_is_not_swallowed():
    organisation = OrganisationFactory()

    def process():
        raise IntegrityError("autre contrainte")

    with pytest.raises(IntegrityError):
        services.idempotent(organisation, "k", b"{}", process)
    assert not IdempotencyKey.objects.exists()


def waits_on_a_lock(pid, seconds=5):
    """Whether the backend `pid` is seen blocked on a lock within `seconds` (polled in pg_stat_activity)."""
    deadline = time.monotonic() + seconds
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
            time.sleep(0.01)  # polling a condition, not guessing a delay: no timing makes the test pass
    return False


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_requests_with_the_same_key_process_once():
    organisation = OrganisationFactory()
    first_started, release = threading.Event(), threading.Event()
    second_backend = queue.Queue()
    processed, results = [], {}

    def process():
        processed.append(threading.current_thread().name)
        first_started.set()
        # The first request keeps its claim uncommitted until the second is seen waiting on it.
        assert release.wait(5)
        return 201, {"id": "unique"}

    def call():
        name = threading.current_thread().name
        try:
            if name == "second":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_backend_pid()")
                    second_backend.put(cursor.fetchone()[0])
            results[name] = services.idempotent(organisation, "k", b"{}", process)
        finally:
            connection.close()

    first = threading.Thread(target=call, name="first")
    second = threading.Thread(target=call, name="second")
    first.start()
    try:
        assert first_started.wait(5)
        second.start()
        # The second request read no key, tried to claim it and now waits on the first one's uncommitted claim.
        assert waits_on_a_lock(second_backend.get(timeout=5))
    finally:
        release.set()
        first.join(5)
        second.join(5)
    assert processed == ["first"]
    assert results == {"first": (201, {"id": "unique"}, False), "second": (201, {"id": "unique"}, True)}
    assert IdempotencyKey.objects.count() == 1
