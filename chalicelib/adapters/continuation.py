"""How a scheduled job that ran out of its time budget gets the rest of its work done.

`SqsContinuation` puts `{"continues": "<job>"}` on the "jobs" queue, whose
consumer (`handlers.jobs.continued`) runs the job again at once with a fresh
budget. A queue rather than Lambda invoking itself: the message outlives a
failed run (three receives, then the queue's DLQ), and the consumer needs no
right to invoke functions. `NextRun` (local stack, CLI, tests) leaves the rest
to the job's next run.
"""
from __future__ import annotations

from chalicelib.domain.ports import WorkQueue
from chalicelib.observability import logger


class SqsContinuation:
    def __init__(self, queue: WorkQueue) -> None:
        self._queue = queue

    def request(self, job: str) -> None:
        self._queue.send([{"continues": job}])
        logger.info("job continues through the jobs queue", extra={"job": job})


class NextRun:
    def request(self, job: str) -> None:
        logger.info("job left work for its next run", extra={"job": job})
