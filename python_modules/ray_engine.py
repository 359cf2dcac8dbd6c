"""`evaluate --engine ray`: the run's shards (``evaluate --shard i/N``) on Ray workers.

One Ray actor per worker starts one ``detection-studio-runtime evaluate CONFIG --model MODEL
--serve-shards`` process, which loads the model once and then runs every shard the driver sends
that worker (``i/N DIR`` on its stdin): the same C++ decoding, batching and inferencer as a local
run, so the detections are the local run's. A worker is given its next shard when it finishes
one, and the driver hands each finished shard (``shard.json``, ``detections.json`` and COCO's
match records ``records.METRIC.bin``, docs/scale.md) to ``on_shard`` at once: the C++ driver
checks it and reads its detections while the other shards run, and only accumulates at the end.
A shard whose process dies or fails is run again (up to 3 times, on the next free worker, which
restarts its process); the metrics stay exact because a shard is all or nothing.

Without an address a local cluster is started on loopback (127.0.0.1; no dashboard, no usage
statistics) and shut down at the end, also when the run is interrupted. The cluster nodes need
the run config, model files and dataset at the same paths (a shared file system), as every
node runs the same files.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from detection_studio.errors import ConfigError

# Polls of the shards' journals (progress) and of the driver's interrupt flag.
POLL_SECONDS = 0.25
# Runs of a shard after its first one fails (its process killed, its worker lost, an error).
RETRIES = 3


class Interrupted(Exception):
    """The driver was asked to stop (Ctrl-C, SIGTERM)."""


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ConfigError("--engine ray", "ray", "not installed: pip install 'ray==2.60.0' "
                          f"(make install installs it) ({e})") from None
    return ray


def start(address: str | None, workers: int) -> dict[str, Any]:
    """Joins the cluster at ``address``, or starts a local one on loopback for ``workers``."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not address:
        # Ray takes the node's address from the network (and binds its servers to it) unless it
        # is told that this node is a cluster of its own: then everything is on 127.0.0.1. It
        # reads this when it is imported.
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray = _ray()
    started = time.perf_counter()
    if address:
        ray.init(address=address, include_dashboard=False, log_to_driver=False,
                 logging_level="error")
    else:
        # Loopback only: nothing of the local cluster is reachable from another machine.
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False,
                 logging_level="error")
    cpus = int(ray.cluster_resources().get("CPU", 0))
    return {"start_seconds": time.perf_counter() - started, "cluster_cpus": cpus,
            "local": not address}


def stop() -> None:
    """Disconnects; a local cluster this process started goes down with it."""
    ray = _ray()
    if ray.is_initialized():
        ray.shutdown()


class _ShardWorker:
    """A Ray actor, one per worker: its ``--serve-shards`` process (started on the first shard,
    and again after it died) keeps the model loaded across the shards this worker runs."""

    def __init__(self, runtime: str, arguments: list[str], threads: int, progress: Any) -> None:
        self.command = [runtime, "evaluate", *arguments, "--serve-shards"]
        self.env = dict(os.environ)
        if threads > 0:
            self.env["OMP_NUM_THREADS"] = str(threads)
        self.progress = progress
        self.process: subprocess.Popen[bytes] | None = None
        self.answers: queue.Queue[str | None] = queue.Queue()
        # The process's stderr (its last line says why it failed), for the actor's life.
        self.errors = tempfile.TemporaryFile()  # noqa: SIM115
        self.starts = 0

    def model_loads(self) -> int:
        """Processes started, each of which loaded the model once."""
        return self.starts

    def run(self, index: int, count: int) -> tuple[str, str, dict[str, bytes]]:
        """One shard in a scratch folder; its files as the driver writes them."""
        name = f"{index}/{count}"
        scratch = Path(tempfile.mkdtemp(prefix=f"ds-shard-{index}-"))
        try:
            process = self._server()
            try:
                assert process.stdin is not None
                process.stdin.write(f"{name} {scratch}\n".encode())
                process.stdin.flush()
            except OSError:
                pass  # it died meanwhile: its answer is the end of its stdout, below
            journal = Counter(scratch / "journal.jsonl")
            while True:
                try:
                    answer = self.answers.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    answer = ""
                if journal.read():
                    self.progress.set.remote(index, journal.images)
                if answer == f"done {name}":
                    break
                if answer is None:  # its stdout closed: the process ended
                    raise RuntimeError(f"shard {name}: {self._failure(process)}")
            # COCO's match records too (records.METRIC.bin): the driver accumulates those.
            records = {p.name: p.read_bytes() for p in scratch.glob("records.*.bin")}
            return ((scratch / "shard.json").read_text(), (scratch / "detections.json").read_text(), records)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)

    def _server(self) -> subprocess.Popen[bytes]:
        if self.process is None or self.process.poll() is not None:
            self.errors.seek(0)
            self.errors.truncate()
            self.process = subprocess.Popen(self.command, env=self.env, stdin=subprocess.PIPE,
                                            stdout=subprocess.PIPE, stderr=self.errors)
            self.answers = queue.Queue()
            assert self.process.stdout is not None
            threading.Thread(target=_read_lines, args=(self.process.stdout, self.answers), daemon=True).start()
            self.starts += 1
        return self.process

    def _failure(self, process: subprocess.Popen[bytes]) -> str:
        code = process.wait()
        self.errors.seek(0)
        lines = self.errors.read().decode(errors="replace").strip().splitlines()
        return lines[-1] if lines else f"exit code {code}"


def _read_lines(stream: IO[bytes], answers: queue.Queue[str | None]) -> None:
    """The process's stdout, line by line, then None at its end."""
    for line in stream:
        answers.put(line.decode(errors="replace").strip())
    answers.put(None)


class Counter:
    """The images a shard's journal holds so far (one line per batch), read as it grows."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.images = 0
        self.partial = b""

    def read(self) -> bool:
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except OSError:
            return False
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        before = self.images
        for line in lines:
            _, _, body = line.partition(b" ")
            with contextlib.suppress(ValueError):
                self.images += len(json.loads(body).get("images", []))
        return self.images != before


class _Progress:
    """Images done per shard, for the driver's progress line (shards retried start over)."""

    def __init__(self) -> None:
        self.images: dict[int, int] = {}

    def set(self, index: int, images: int) -> None:
        self.images[index] = images

    def total(self) -> int:
        return sum(self.images.values())


def run_shards(runtime: str, arguments: list[str], count: int, workers: int, out_dir: str,
               gpus_per_worker: float, threads: int, on_progress: Callable[[int], None],
               on_shard: Callable[[int, str], None], interrupted: Callable[[], bool]) -> dict[str, Any]:
    """Runs the ``count`` shards on ``workers`` workers, writes each one's files under
    ``out_dir/<i>/`` and calls ``on_shard(i, folder)`` as each one finishes. Raises Interrupted
    when ``interrupted()`` turns true."""
    ray = _ray()
    progress = ray.remote(num_cpus=0)(_Progress).remote()
    worker = ray.remote(num_cpus=1, num_gpus=gpus_per_worker, max_restarts=RETRIES)(_ShardWorker)
    if gpus_per_worker > 0:
        # An actor holds its GPUs for the whole run: one that cannot get them would wait forever.
        workers = min(workers, int(ray.cluster_resources().get("GPU", 0) // gpus_per_worker))
    actors = [worker.remote(runtime, arguments, threads, progress) for _ in range(max(1, min(workers, count)))]
    started = time.perf_counter()
    todo = deque(range(count))
    failures = [0] * count
    idle = list(actors)
    running: dict[Any, tuple[int, Any]] = {}
    try:
        while todo or running:
            if interrupted():
                raise Interrupted
            while todo and idle:
                actor, index = idle.pop(), todo.popleft()
                running[actor.run.remote(index, count)] = (index, actor)
            ready, _ = ray.wait(list(running), timeout=POLL_SECONDS)
            for ref in ready:
                index, actor = running.pop(ref)
                idle.append(actor)
                try:
                    shard, detections, records = ray.get(ref)
                except ray.exceptions.RayError as e:
                    failures[index] += 1
                    if failures[index] > RETRIES:
                        raise ConfigError("ray", f"shard {index}/{count}",
                                          f"failed after its retries: {_cause(e)}") from None
                    todo.appendleft(index)  # first in line for the next free worker
                    continue
                folder = Path(out_dir) / str(index)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "detections.json").write_text(detections)
                for name, data in records.items():
                    (folder / name).write_bytes(data)
                (folder / "shard.json").write_text(shard)
                on_shard(index, str(folder))
            on_progress(ray.get(progress.total.remote()))
        loads = sum(ray.get([actor.model_loads.remote() for actor in actors]))
    finally:
        # Their processes see their worker gone and stop at their next batch (or at once, idle).
        for actor in actors:
            ray.kill(actor, no_restart=True)
    return {"shards_seconds": time.perf_counter() - started, "model_loads": loads, "workers": len(actors)}


def _cause(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return next((line for line in reversed(text) if "shard" in line), text[-1] if text else repr(e))
