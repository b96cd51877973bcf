"""Writers to one SQLite file take turns in a queue, instead of sleeping in SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps 1, 2, 5, 10 … 100 ms
between tries and is not woken when the lock frees, so under a burst of submissions the waits grew while the
lock sat free: in one bench run, 4,200 write transactions spent 60 s waiting, the longest 1.4 s. Here the
threads of a process queue on a lock of their own, and the one at the head of the queue waits for an advisory
lock on a file next to the database (`<database>-writers`), trying every POLL_SECONDS. The kernel drops that
lock if its process dies, so a killed worker never blocks the others.

The queue only orders writers; SQLite's lock still decides. A writer whose turn did not come within its
timeout goes on to SQLite's lock with the time that is left (none), so it fails as it would have without
the queue: "database is locked", a 503 in a request.
"""
import fcntl
import os
import threading
import time
import weakref

POLL_SECONDS = 0.0002
_QUEUES = weakref.WeakSet()


class WriterQueue:
    """The turn to write to the SQLite database at `path`, for this process's threads and other processes."""

    def __init__(self, path):
        self.path = f"{path}-writers"
        self._local = threading.Lock()
        self._fd = None
        self._pid = None
        _QUEUES.add(self)

    def acquire(self, timeout):
        """Wait up to `timeout` seconds for the turn; return the seconds left, or None when it did not come.

        Without a lock file (a read-only folder) the turn orders this process's threads only, and the time left
        is all SQLite's busy handler has to order the processes.
        """
        deadline = time.monotonic() + timeout
        if not self._local.acquire(timeout=max(timeout, 0)):
            return None
        try:
            fd = self._file()
        except OSError:
            return max(deadline - time.monotonic(), 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return max(deadline - time.monotonic(), 0.0)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    break
                time.sleep(POLL_SECONDS)
        self._local.release()
        return None

    def release(self):
        """End the turn taken by `acquire`."""
        try:
            if self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._local.release()

    def _file(self):
        if self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    def _forget_parent(self):
        # A forked worker must not share the parent's descriptor (flock belongs to the open file, so both
        # processes would hold one lock) nor inherit its thread lock in whatever state it was.
        if self._fd is not None:
            os.close(self._fd)  # the parent's lock stays: it holds the descriptor too
        self._local = threading.Lock()
        self._fd = None
        self._pid = None


def _after_fork_in_child():
    for queue in list(_QUEUES):
        queue._forget_parent()


os.register_at_fork(after_in_child=_after_fork_in_child)
