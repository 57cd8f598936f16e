"""storage.locks: the per-source lease, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from storage.db import connect
from storage.locks import acquire, current_lease, make_holder, release, renew
from storage.types import utcnow


def test_acquire_renew_release_cycle(engine):
    me, other = make_holder(), make_holder()
    assert me != other
    assert acquire(engine, "pep", me, 60) is True
    assert acquire(engine, "pep", other, 60) is False      # held and valid
    assert acquire(engine, "pep", me, 60) is True           # the holder again: renewed
    assert acquire(engine, "metiers", other, 60) is True    # leases are per source
    assert renew(engine, "pep", me, 120, run_id=7) is True
    assert renew(engine, "pep", other, 120) is False
    lease = current_lease(engine, "pep")
    assert (lease.holder, lease.run_id, lease.expired()) == (me, 7, False)
    assert release(engine, "pep", other) is False           # only its holder releases it
    assert release(engine, "pep", me) is True
    assert current_lease(engine, "pep") is None
    assert acquire(engine, "pep", other, 60) is True


def test_an_expired_lease_is_taken_over_and_its_old_holder_loses_it(engine):
    dead, me = "deadhost:99999:cafe", make_holder()
    past = utcnow() - timedelta(hours=1)
    assert acquire(engine, "pep", dead, 60, now=past) is True   # expired 59 minutes ago
    assert current_lease(engine, "pep").expired()
    assert acquire(engine, "pep", me, 60) is True
    assert current_lease(engine, "pep").holder == me
    assert renew(engine, "pep", dead, 60) is False
    assert release(engine, "pep", dead) is False


def _race(engines, source: str, name: str) -> list[str]:
    """Every engine tries to take the lease at the same moment; returns the winners."""
    barrier, lock, winners = threading.Barrier(len(engines)), threading.Lock(), []

    def attempt(i: int) -> None:
        holder = f"{name}-{i}"
        barrier.wait()
        if acquire(engines[i], source, holder, 60):
            with lock:
                winners.append(holder)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(len(engines))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return winners


def test_concurrent_acquirers_only_one_wins(engine, db_url):
    """Threads, each with its own engine (connections), race for the same free lease,
    then for the same expired lease: exactly one wins each race."""
    engines = [connect(db_url) for _ in range(8)]
    try:
        winners = _race(engines, "pep", "free")
        assert len(winners) == 1 and current_lease(engine, "pep").holder == winners[0]
        assert release(engine, "pep", winners[0])

        assert acquire(engine, "pep", "dead:1:x", 60, now=utcnow() - timedelta(hours=1))
        winners = _race(engines, "pep", "takeover")
        assert len(winners) == 1 and current_lease(engine, "pep").holder == winners[0]
    finally:
        for e in engines:
            e.dispose()


def test_a_step_lock_makes_a_second_transaction_wait_until_the_first_ends(engine, db_url):
    """Two processes' post-crawls (here two threads, each with its own engine): the second
    takes the lock only once the first has committed; another step's lock is independent."""
    from storage.db import session
    from storage.locks import hold_step_lock

    engines = [connect(db_url) for _ in range(2)]
    order: list[str] = []
    holding = threading.Event()

    def first() -> None:
        with session(engines[0]) as s, s.begin():
            hold_step_lock(s, "dedup")
            hold_step_lock(s, "dedup")  # taken again by its holder: no self-deadlock
            holding.set()
            time.sleep(0.5)  # long enough for the second to try (an ordering aid, not asserted)
            order.append("first ends")

    def second() -> None:
        holding.wait(30)
        with session(engines[1]) as s, s.begin():
            hold_step_lock(s, "dedup")
            order.append("second holds")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert order == ["first ends", "second holds"]
        with session(engines[1]) as s, s.begin():  # released by the commit: free again
            hold_step_lock(s, "dedup")
    finally:
        for e in engines:
            e.dispose()
