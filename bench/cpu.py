"""CPU time of the processes that serve a benchmark run, read from /proc.

The app's share is the gunicorn workers' (the master's children); PostgreSQL's is that of the
backends connected to the benchmark's database (other databases on the same server and the
server's own background processes are not counted). Both are read before and after a run; the
difference over the requests wrk made is the CPU milliseconds per request."""

import os
import subprocess
from pathlib import Path

PROC = Path("/proc")
TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def process_cpu_ms(pid: int) -> float | None:
    """User plus system CPU of one process in milliseconds; None once it has exited."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) * 1000 / TICKS_PER_SECOND


def children_of(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def backends_of(database_url: str) -> list[int]:
    """The PostgreSQL backends connected to this database (but the one asking)."""
    name = database_url.rsplit("/", 1)[1]
    out = subprocess.run(
        [
            "psql",
            database_url,
            "-tAc",
            "SELECT pid FROM pg_stat_activity "
            f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(line) for line in out.split() if line.strip()]


def snapshot(pids: list[int]) -> dict[int, float]:
    return {pid: ms for pid in pids if (ms := process_cpu_ms(pid)) is not None}


def spent_ms(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU spent between two snapshots: a process that started in between counts whole;
    one that exited in between is lost (persistent connections make that rare)."""
    return sum(ms - before.get(pid, 0.0) for pid, ms in after.items())


class Meter:
    """CPU of the app server (gunicorn master and workers) and of its database backends."""

    def __init__(self, server_pid: int, database_url: str):
        self.server_pid = server_pid
        self.database_url = database_url

    def read(self) -> tuple[dict[int, float], dict[int, float]]:
        app = [self.server_pid, *children_of(self.server_pid)]
        return snapshot(app), snapshot(backends_of(self.database_url))

    @staticmethod
    def spent(before, after) -> tuple[float, float]:
        return spent_ms(before[0], after[0]), spent_ms(before[1], after[1])
