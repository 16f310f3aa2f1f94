"""A listener executor that can tell when every listener it was given has finished.

Bolt acknowledges a request first and runs its listener afterwards in an executor. The
console and the tests hand the app this one-worker pool so they can wait for the listener
(and any listener it queues in turn) before looking at what it did; listeners so run one at
a time, in order, which also keeps them off a database connection the caller is using.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class ListenerPool(ThreadPoolExecutor):
    """Bolt's listener executor (one worker unless told), which counts what is queued or running.

    More `workers` let a test run listeners side by side, as `crm serve` does, to race them.
    """

    def __init__(self, name: str = "bolt-listener", *, workers: int = 1) -> None:
        super().__init__(max_workers=workers, thread_name_prefix=name)
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._pending += 1

        def run() -> Any:
            try:
                return fn(*args, **kwargs)
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

        try:
            return super().submit(run)
        except BaseException:
            with self._idle:
                self._pending -= 1
            raise

    @property
    def idle(self) -> bool:
        with self._idle:
            return self._pending == 0

    def wait_idle(self, timeout: float) -> bool:
        """True once nothing is queued or running; False if that took longer than `timeout`."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)
