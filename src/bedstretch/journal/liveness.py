"""Is the process that plays a session still there? (For reaping interrupted sessions.)"""

from __future__ import annotations

import os
import socket
import sys

__all__ = ["pid_alive"]


def pid_alive(pid: int | None, host: str | None) -> bool:
    """Is the process that plays a session still there? Unknown or another machine: assume so."""
    if pid is None or host is None or host != socket.gethostname():
        return True  # never mark another machine's session
    if pid <= 0:
        return False  # not a process id (and os.kill would signal a whole group)
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def _windows_pid_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows: ask for its exit code instead.
    import ctypes

    if sys.platform != "win32":  # for mypy: ctypes.WinDLL exists only on Windows
        raise OSError("Windows only")
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # ERROR_ACCESS_DENIED: exists, not ours
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
