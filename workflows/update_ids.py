"""The update ids a ticket has applied, carried across continue-as-new (Temporal dedups an
update id only within its run): the newest ones, as 8-byte digests, so the carried list has a
fixed size (about 200 kB) whatever the ids look like. A retry is recognised as long as fewer
than UPDATE_IDS_KEPT other updates reached the ticket since its first try: at the rate one
busy ticket takes, far beyond any client's retry window."""

from __future__ import annotations

import hashlib

UPDATE_IDS_KEPT = 10_000


def update_key(update_id: str) -> str:
    """How an applied update id is remembered across runs."""
    return "b2:" + hashlib.blake2b(update_id.encode(), digest_size=8).hexdigest()


class AppliedUpdates:
    """Newest last; the set is for lookups. Entries are update_key()s, or raw ids carried by
    runs from before UPDATE_IDS_KEPT was raised (a lookup tries both)."""

    def __init__(self, carried: list[str]) -> None:
        self._ids = list(carried)
        self._lookup = set(self._ids)

    def __contains__(self, update_id: str) -> bool:
        return update_id in self._lookup or update_key(update_id) in self._lookup

    def add(self, update_id: str) -> None:
        key = update_key(update_id)
        self._ids.append(key)
        self._lookup.add(key)
        if len(self._ids) > 2 * UPDATE_IDS_KEPT:  # keep the lookup small too
            self._ids = self._ids[-UPDATE_IDS_KEPT:]
            self._lookup = set(self._ids)

    def carried(self) -> list[str]:
        """What the next run starts with."""
        return self._ids[-UPDATE_IDS_KEPT:]
