"""SIGTERM (docker stop, Kubernetes) and SIGINT (Ctrl-C) end a build cleanly.

The handler raises ``Interrupted`` in the driver's main thread, so the build unwinds through its ``finally`` blocks:
the lock is released, Ray (when this process started it) is shut down with all its workers, no manifest is written,
and every completed unit stays staged. The command line then prints one line saying how to resume and exits with
128 + the signal number (143 for SIGTERM, 130 for SIGINT), as shells and orchestrators expect.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType


class Interrupted(BaseException):  # noqa: N818 - a BaseException like KeyboardInterrupt: no `except Exception` eats it
    """The build was asked to stop by a signal."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum


def _raise(signum: int, frame: FrameType | None) -> None:
    # A second signal while unwinding is ignored: the first one's cleanup must finish.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise Interrupted(signum)


def install() -> None:
    """Route SIGTERM and SIGINT to ``Interrupted`` (only possible, and only needed, in the main thread)."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _raise)
        signal.signal(signal.SIGINT, _raise)
