"""How the desk's synchronous activities are declared."""

from __future__ import annotations

import contextvars
import functools
import threading

from temporalio import activity

from workflows.activity_io import HEARTBEAT_EVERY


def sync_activity(name: str):
    """`activity.defn` for an activity that runs on a worker thread doing database (or SMTP)
    work.

    It heartbeats while it runs, from a thread of its own, so that when its worker dies the
    server retries it elsewhere after the heartbeat timeout (workflows/activity_io.py), in
    seconds, instead of after its start-to-close timeout. One that finishes within
    HEARTBEAT_EVERY, as nearly all do, sends no heartbeat at all.

    A cancellation (the worker shutting down, the workflow giving up) must not be raised into
    the thread asynchronously, as the SDK does by default: landing inside SQLAlchemy it can leave
    a connection checked out and idle in a transaction, holding its locks (a DROP or a migration
    then waits forever). These activities are short and bounded by their timeouts, so they
    finish instead."""

    def declare(fn):
        @functools.wraps(fn)
        def run(*args, **kwargs):
            if not activity.in_activity() or activity.info().heartbeat_timeout is None:
                return fn(*args, **kwargs)
            done = threading.Event()
            # The copied context carries the activity's, so activity.heartbeat() works in that thread.
            beats = threading.Thread(target=contextvars.copy_context().run, args=(_heartbeat_until, done),
                                     name=f"heartbeat {name}", daemon=True)
            beats.start()
            try:
                return fn(*args, **kwargs)
            finally:
                done.set()

        return activity.defn(name=name, no_thread_cancel_exception=True)(run)

    return declare


def _heartbeat_until(done: threading.Event) -> None:
    while not done.wait(HEARTBEAT_EVERY.total_seconds()):
        try:
            activity.heartbeat()
        except Exception:  # the activity ended meanwhile, or the worker is shutting down
            return
