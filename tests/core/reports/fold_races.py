"""Writers and folders at once: the harness both tally race tests run their writers in."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from core.platform.tallies import fold_tallies


def write_while_folding(
    sessions: sessionmaker[Session], writers: list[Callable[[], None]], folders: int = 2
) -> list[BaseException]:
    """Start every writer and `folders` threads folding the tallies over and over, all released
    together; fold until the writers are done. Returns what any of them raised."""
    start = threading.Barrier(len(writers) + folders)
    writing = threading.Event()
    writing.set()
    errors: list[BaseException] = []

    def write(body: Callable[[], None]) -> None:
        try:
            start.wait()
            body()
        except BaseException as error:  # noqa: BLE001 - returned, the test asserts on it
            errors.append(error)

    def fold() -> None:
        try:
            start.wait()
            while writing.is_set():
                with sessions.begin() as session:
                    fold_tallies(session)
        except BaseException as error:  # noqa: BLE001 - returned, the test asserts on it
            errors.append(error)

    writing_threads = [threading.Thread(target=write, args=(body,)) for body in writers]
    folding_threads = [threading.Thread(target=fold) for _ in range(folders)]
    for thread in (*writing_threads, *folding_threads):
        thread.start()
    for thread in writing_threads:
        thread.join(timeout=120)
    writing.clear()
    for thread in folding_threads:
        thread.join(timeout=30)
    return errors
