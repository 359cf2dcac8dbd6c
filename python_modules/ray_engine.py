"""`evaluate --engine ray`: the run's shards (``evaluate --shard i/N``) as Ray tasks.

Each task runs ``detection-studio-runtime evaluate CONFIG --model MODEL --shard i/N`` on a
worker: the same C++ decoding, batching and inferencer as a local run, so the detections are
the local run's. The task returns the shard's ``shard.json``, ``detections.json`` and COCO's
match records (``records.METRIC.bin``, docs/scale.md) to the driver, which scores the shards
together as ``merge`` does (COCO's metrics accumulated from the records). A worker that
dies or a shard that fails is retried on another worker (Ray's task retries); the metrics stay
exact because a shard is all or nothing.

Without an address a local cluster is started on loopback (127.0.0.1; no dashboard, no usage
statistics) and shut down at the end, also when the run is interrupted. The cluster nodes need
the run config, model files and dataset at the same paths (a shared file system), as every
node runs the same files.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detection_studio.errors import ConfigError

# Polls of the shards' journals (progress) and of the driver's interrupt flag.
POLL_SECONDS = 0.25


@dataclass(frozen=True)
class ShardTask:
    index: int
    count: int
    runtime: str
    arguments: list[str]  # evaluate's: CONFIG --model MODEL [--limit N] [--batch-size N] ...
    threads: int  # torch's intra-op threads in the shard process (0: its default)


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


def _run_shard(task: ShardTask, progress: Any) -> tuple[str, str, dict[str, bytes]]:
    """On a worker: one shard in a scratch folder; its two files as text."""
    scratch = Path(tempfile.mkdtemp(prefix=f"ds-shard-{task.index}-"))
    env = dict(os.environ)
    if task.threads > 0:
        env["OMP_NUM_THREADS"] = str(task.threads)
    try:
        cmd = [task.runtime, "evaluate", *task.arguments,
               "--shard", f"{task.index}/{task.count}", "--output", str(scratch)]
        process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        journal = Counter(scratch / "journal.jsonl")
        while process.poll() is None:
            time.sleep(POLL_SECONDS)
            if journal.read():
                progress.set.remote(task.index, journal.images)
        _, err = process.communicate()
        if process.returncode != 0:
            last = (err.strip().splitlines() or [f"exit code {process.returncode}"])[-1]
            raise RuntimeError(f"shard {task.index}/{task.count}: {last}")
        # COCO's match records too (records.METRIC.bin): the driver accumulates those.
        records = {p.name: p.read_bytes() for p in scratch.glob("records.*.bin")}
        return ((scratch / "shard.json").read_text(), (scratch / "detections.json").read_text(), records)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


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


def run_shards(runtime: str, arguments: list[str], count: int, out_dir: str, gpus_per_worker: float,
               threads: int, on_progress: Callable[[int], None],
               interrupted: Callable[[], bool]) -> dict[str, Any]:
    """Runs the ``count`` shards on the cluster and writes each one's files under
    ``out_dir/<i>/``. Raises Interrupted when ``interrupted()`` turns true."""
    ray = _ray()
    progress_actor = ray.remote(num_cpus=0)(_Progress).remote()
    remote = ray.remote(num_cpus=1, num_gpus=gpus_per_worker, max_retries=3,
                        retry_exceptions=True)(_run_shard)
    started = time.perf_counter()
    pending = {remote.remote(ShardTask(i, count, runtime, arguments, threads), progress_actor): i
               for i in range(count)}
    try:
        while pending:
            if interrupted():
                raise Interrupted
            ready, _ = ray.wait(list(pending), timeout=POLL_SECONDS)
            for ref in ready:
                index = pending.pop(ref)
                try:
                    shard, detections, records = ray.get(ref)
                except ray.exceptions.RayError as e:
                    raise ConfigError("ray", f"shard {index}/{count}",
                                      f"failed after its retries: {_cause(e)}") from None
                folder = Path(out_dir) / str(index)
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "detections.json").write_text(detections)
                for name, data in records.items():
                    (folder / name).write_bytes(data)
                (folder / "shard.json").write_text(shard)
            on_progress(ray.get(progress_actor.total.remote()))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return {"shards_seconds": time.perf_counter() - started}


def _cause(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return next((line for line in reversed(text) if "shard" in line), text[-1] if text else repr(e))
