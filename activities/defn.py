"""How the desk's synchronous activities are declared."""

from __future__ import annotations

from temporalio import activity


def sync_activity(name: str):
    """`activity.defn` for an activity that runs on a worker thread doing database (or SMTP)
    work. A cancellation (the worker shutting down, the workflow giving up) must not be raised
    into the thread asynchronously, as the SDK does by default: landing inside SQLAlchemy it
    can leave a connection checked out and idle in a transaction, holding its locks (a DROP or
    a migration then waits forever). These activities are short and bounded by their timeouts,
    so they finish instead."""
    return activity.defn(name=name, no_thread_cancel_exception=True)
