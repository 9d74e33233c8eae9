"""The polling thread both executors share: it calls `dispatch()` every POLL_S seconds until
nothing runs here and nothing waits in the store, then ends (the next submit starts it again)."""

import sys
import threading
import time

POLL_S = 0.25  # how often the dispatcher looks for ended jobs and queued runs


class PollingDispatcher:
    """Mixin: the class gives `name`, `store`, `_lock`, `_thread`, `dispatch()` and `_busy()`."""

    def _busy(self) -> bool:
        """True while jobs started here have not been settled."""
        raise NotImplementedError

    def _ensure_dispatcher(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                name = f"{self.name}-dispatch"
                self._thread = threading.Thread(target=self._loop, daemon=True, name=name)
                self._thread.start()

    def _loop(self) -> None:
        """Dispatch until nothing runs here and nothing waits."""
        while True:
            time.sleep(POLL_S)
            try:
                self.dispatch()
                with self._lock:
                    if not self._busy() and self.store.next_queued() is None:
                        self._thread = None
                        return
            except Exception as e:  # noqa: BLE001  (the store or Ray is gone: stop quietly)
                print(f"lepton {self.name} dispatcher stopped: {type(e).__name__}: {e}",
                      file=sys.stderr)  # fmt: skip
                with self._lock:
                    self._thread = None
                return
