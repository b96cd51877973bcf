"""Periodic jobs run by a daemon thread in each process (outbox delivery, the staff oversight sweep)."""
import logging
import threading

logger = logging.getLogger("portal.background")


class PeriodicJob:
    """Run `job()` inside an app context every `interval` seconds on a daemon thread named `name`."""

    def __init__(self, app, name, interval, job):
        self.name, self.interval, self.job = name, interval, job
        self._app = app
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = None

    def start(self):
        """Start the thread unless it already runs in this process."""
        # A thread started before a fork is not alive in the child, so each worker starts its own.
        if self._thread is not None and self._thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stopping = threading.Event()
            self._thread = threading.Thread(target=self._run, args=(self._stopping,), name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout=None):
        """Ask the thread to finish and wait for it."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self, stopping):
        while not stopping.wait(self.interval):
            self.run_once()

    def run_once(self):
        """Run the job now; a failure is logged and retried at the next interval."""
        try:
            with self._app.app_context():
                self.job()
        except Exception:
            logger.exception("%s failed; it runs again in %s s", self.name, self.interval)


def start_when_serving(app, key, enabled_setting):
    """Start the job stored in app.extensions[key] on the first request, when the setting is on."""
    # Started by a request, not at import, so that it runs in gunicorn workers after the fork.
    @app.before_request
    def _start():
        if app.config[enabled_setting]:
            app.extensions[key].start()
