"""A PostgreSQL server of the test's own, on a TCP port, that a test may refuse, freeze or kill."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

from carewatch.district import postgres


class PostgresServer(postgres.PostgresServer):
    """The district's own server, with the faults a test brings about."""

    def kill(self) -> None:
        """kill -9 of the server and every backend, as an OOM killer or a power cut would."""
        self._signal_all(signal.SIGKILL)
        (self.data / "postmaster.pid").unlink(missing_ok=True)
        time.sleep(0.5)

    def freeze(self) -> None:
        """SIGSTOP to the server and every backend: connections open, nothing answers."""
        self._signal_all(signal.SIGSTOP)

    def thaw(self) -> None:
        self._signal_all(signal.SIGCONT)

    def close(self) -> None:
        self.thaw()
        super().close()

    def _pids(self) -> list[int]:
        postmaster = self.postmaster_pid()
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def _signal_all(self, sig: signal.Signals) -> None:
        for pid in self._pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
