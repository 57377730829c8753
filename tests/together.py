"""Races made certain: a port wrapper whose reads wait for each other, so that `parties` threads all act
on the same copy of an application (one must then lose its conditional write)."""
from __future__ import annotations

import threading


class ReadTogether:
    """The applications port, whose `get` waits until `parties` callers have read."""

    def __init__(self, repository, parties: int) -> None:
        self._repository, self._barrier = repository, threading.Barrier(parties, timeout=10)

    def get(self, application_id):
        found = self._repository.get(application_id)
        self._barrier.wait()
        return found

    def __getattr__(self, name):
        return getattr(self._repository, name)


class FirstReadTogether(ReadTogether):
    """Only each caller's first read waits for the others; a re-read (after a lost write) goes through."""

    def __init__(self, repository, parties: int) -> None:
        super().__init__(repository, parties)
        self._waited = threading.local()

    def get(self, application_id):
        if getattr(self._waited, "done", False):
            return self._repository.get(application_id)
        self._waited.done = True
        return super().get(application_id)
