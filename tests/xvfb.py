"""A virtual X display for the viewer's tests and screenshots.

Xvfb (Debian) is the display, xdotool (Debian) finds the window and types keys, and Pillow's
ImageGrab (its wheels carry XCB support) reads the pixels back from the X server: what a person
in front of the screen would see.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from PIL import Image, ImageChops, ImageGrab

WINDOW_TITLE = "Detection Studio"
# Generous: the machines running the tests are small and busy. Only a failing wait uses it all.
WAIT_SECONDS = 120.0


def tools_available() -> bool:
    return shutil.which("Xvfb") is not None and shutil.which("xdotool") is not None


def line_within(stream: IO[str], seconds: float) -> str:
    """The next line of a pipe, or "" when none came within `seconds` (a hung child must fail
    its test, not hang the suite)."""
    if not select.select([stream], [], [], seconds)[0]:
        return ""
    return stream.readline()


class VirtualDisplay:
    """Xvfb on a free display number (it picks one itself: -displayfd)."""

    def __init__(self, width: int = 1280, height: int = 1024) -> None:
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{width}x{height}x24",
             "-nolisten", "tcp"],
            pass_fds=(write_fd,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(write_fd)
        with os.fdopen(read_fd) as pipe:
            number = line_within(pipe, 60).strip()  # written once the server accepts clients
        if not number:
            self.process.kill()
            raise RuntimeError("Xvfb did not start")
        self.name = f":{number}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment whose only display is this one."""
        env = dict(os.environ if base is None else base)
        # opencv-python (an Ultralytics dependency), once imported by a test, points Qt at its own
        # plugins; Debian's Qt in our executable must use its own.
        for key in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "QT_QPA_PLATFORM_PLUGIN_PATH",
                    "QT_QPA_FONTDIR", "QT_PLUGIN_PATH"):
            env.pop(key, None)
        env["DISPLAY"] = self.name
        return env

    def xdotool(self, *args: str) -> str:
        result = subprocess.run(["xdotool", *args], env=self.env(), capture_output=True, text=True,
                                timeout=WAIT_SECONDS, check=True)
        return result.stdout

    def grab(self, box: tuple[int, int, int, int]) -> Image.Image:
        """The screen's pixels in box (left, top, right, bottom), RGB."""
        return ImageGrab.grab(bbox=box, xdisplay=self.name).convert("RGB")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def send_close_request(display: str, window: int) -> None:
    """What a window manager sends when the window's close button is clicked (WM_DELETE_WINDOW)."""
    x11 = ctypes.CDLL("libX11.so.6")
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XInternAtom.restype = ctypes.c_ulong
    x11.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    x11.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long,
                               ctypes.c_void_p]
    x11.XFlush.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]

    class ClientMessage(ctypes.Structure):
        _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                    ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                    ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                    ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]

    class Event(ctypes.Union):
        _fields_ = [("xclient", ClientMessage), ("pad", ctypes.c_long * 24)]

    connection = x11.XOpenDisplay(display.encode())
    if not connection:
        raise RuntimeError(f"cannot open display {display}")
    try:
        event = Event()
        event.xclient.type = 33  # ClientMessage
        event.xclient.window = window
        event.xclient.message_type = x11.XInternAtom(connection, b"WM_PROTOCOLS", 0)
        event.xclient.format = 32
        event.xclient.data[0] = x11.XInternAtom(connection, b"WM_DELETE_WINDOW", 0)
        x11.XSendEvent(connection, window, 0, 0, ctypes.byref(event))
        x11.XFlush(connection)
    finally:
        x11.XCloseDisplay(connection)


class Viewer:
    """`detection-studio view ...` (or another command with a window: `detect --show`) running on
    a virtual display, followed through its log lines."""

    def __init__(self, executable: Path, args: Sequence[str], display: VirtualDisplay,
                 command: str = "view", extra_env: dict[str, str] | None = None,
                 wrap: Callable[[list[str]], list[str]] | None = None) -> None:
        self.display = display
        argv = [str(executable), command, *map(str, args)]
        self.process = subprocess.Popen(
            wrap(argv) if wrap else argv,
            # its own process group: kill() ends a wrapper (strace) and the viewer under it together
            start_new_session=True,
            env={**display.env(), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.history: list[str] = []
        self.stderr = ""
        threading.Thread(target=self._read_stdout, daemon=True).start()
        # joined once the process has ended: stderr is complete only after its reader is done
        self._stderr_reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_reader.start()
        self._window: int | None = None

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr = self.process.stderr.read()

    def next_line(self, pattern: str = r"view: image ") -> str:
        """The next stdout line matching pattern (lines before it are kept in history)."""
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=1)
            except queue.Empty:
                continue
            if line is None:
                self.process.wait(timeout=30)
                raise AssertionError(
                    f"viewer exited ({self.process.returncode}) before printing /{pattern}/;\n"
                    f"stdout: {self.history}\nstderr: {self.stderr}")
            self.history.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no /{pattern}/ from the viewer; stdout so far: {self.history}")

    @property
    def window(self) -> int:
        if self._window is None:
            ids = self.display.xdotool("search", "--sync", "--name", WINDOW_TITLE).split()
            self._window = int(ids[0])
            # No window manager on Xvfb: give the window the keyboard ourselves.
            self.display.xdotool("windowfocus", "--sync", str(self._window))
        return self._window

    def title(self) -> str:
        return self.display.xdotool("getwindowname", str(self.window)).strip()

    def box(self) -> tuple[int, int, int, int]:
        out = self.display.xdotool("getwindowgeometry", "--shell", str(self.window))
        geometry = dict(line.split("=", 1) for line in out.split())
        x, y = int(geometry["X"]), int(geometry["Y"])
        return x, y, x + int(geometry["WIDTH"]), y + int(geometry["HEIGHT"])

    def press(self, key: str, expect: str | None = r"view: image ") -> str | None:
        """Types key into the window; returns the log line it causes (expect=None: none)."""
        _ = self.window  # found and focused
        self.display.xdotool("key", key)
        return self.next_line(expect) if expect else None

    def screen(self, until: Callable[[Image.Image], bool] = lambda _: True) -> Image.Image:
        """The window's pixels once they are painted and satisfy `until` (the X server paints
        shortly after the log line; it is polled, never slept on)."""
        deadline = time.monotonic() + WAIT_SECONDS
        previous: Image.Image | None = None
        while time.monotonic() < deadline:
            shot = self.display.grab(self.box())
            stable = previous is not None and ImageChops.difference(shot, previous).getbbox() is None
            if stable and until(shot):
                return shot
            previous = shot
            time.sleep(0.05)
        raise AssertionError("the window never showed the expected picture")

    def wait_exit(self, stderr_wait: float = 30) -> int:
        """The exit code, once stderr is read to its end (up to `stderr_wait` seconds: a window
        the app started inherits its stderr and keeps it open)."""
        code = self.process.wait(timeout=WAIT_SECONDS)
        self._stderr_reader.join(timeout=stderr_wait)
        return code

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)
        self._stderr_reader.join(timeout=30)
