"""evaluate --engine ray: the run's shards on a local Ray cluster (loopback only), one
`--serve-shards` process per worker loading the model once, with the local run's numbers, a
worker's process killed mid-run and its shard run again, and nothing left running after an
interrupt. Each test starts its own cluster: what they check is the cluster the run starts and
stops (its addresses, what is left of it), so they cannot share one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import BIN, REPO, run_ds

pytest.importorskip("ray", reason="Ray is not installed (make install installs it)")

DEMO = REPO / "configs" / "demo.yaml"
LIMIT = 16  # 4 batches of 4: 4 shards of one batch for 2 workers, 2 shards for 1


def processes() -> dict[int, str]:
    """Every process's command line."""
    out = {}
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                out[int(p.name)] = (p / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                pass
    return out


def ray_processes() -> dict[int, str]:
    return {pid: cmd for pid, cmd in processes().items()
            if ("raylet" in cmd or "gcs_server" in cmd or "ray::" in cmd or "ray/_private" in cmd)
            and pid != os.getpid()}


def listening_addresses(pids: dict[int, str]) -> dict[str, str]:
    """The local addresses of the TCP sockets these processes listen on, and who listens."""
    inodes = {}
    for pid, cmd in pids.items():
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    inodes[link[8:-1]] = cmd
        except OSError:
            pass
    found = {}
    for table, v6 in (("/proc/net/tcp", False), ("/proc/net/tcp6", True)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A" and fields[9] in inodes:  # LISTEN
                host = fields[1].split(":")[0]
                ipv6 = v6
                if ipv6 and host.startswith("0000000000000000FFFF0000"):  # ::ffff:a.b.c.d
                    host, ipv6 = host[24:], False
                name = (("::1" if host == "00000000000000000000000001000000" else host) if ipv6
                        else ".".join(str(int(host[i:i + 2], 16)) for i in (6, 4, 2, 0)))
                found[name] = inodes[fields[9]]
    return found


@pytest.fixture(scope="module")
def local_run(shapes_val: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("local")
    done = run_ds("evaluate", DEMO, "--limit", LIMIT, "--output", out)
    assert done.returncode == 0, done.stderr
    return out


def start_ray(out: Path, *extra: str) -> subprocess.Popen[str]:
    workers = [] if "--workers" in extra else ["--workers", "2"]
    return subprocess.Popen(
        [str(BIN / "detection-studio"), "evaluate", str(DEMO), "--limit", str(LIMIT), "--output",
         str(out), "--engine", "ray", *workers, *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def shard_processes() -> dict[int, str]:
    """The workers' processes that run the shards (one per worker)."""
    return {pid: cmd for pid, cmd in processes().items()
            if "detection-studio-runtime evaluate" in cmd and "--serve-shards" in cmd}


def wait_for(condition, timeout: float = 120.0) -> bool:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_ray_gives_the_local_numbers_on_loopback_only(local_run: Path, tmp_path: Path) -> None:
    assert not ray_processes(), "a Ray cluster is already running"
    out = tmp_path / "ray"
    run = start_ray(out)
    # While it runs: every socket the cluster listens on is on loopback.
    seen: dict[str, str] = {}
    while run.poll() is None:
        seen.update(listening_addresses(ray_processes()))
        time.sleep(0.5)
    _, stderr = run.communicate()
    assert run.returncode == 0, stderr
    assert "local cluster on 127.0.0.1" in stderr
    assert seen and set(seen) <= {"127.0.0.1", "::1"}, seen
    local = json.loads((local_run / "metrics.json").read_text())
    ray = json.loads((out / "metrics.json").read_text())
    assert ray["coco_stats"] == local["coco_stats"]
    assert ray["tide"] == local["tide"] and ray["per_image"] == local["per_image"]
    # The local pipeline on whole batches: the same detections, but for the float noise of one
    # torch thread per shard against two locally (measured: boxes 5e-5 px, scores 1.2e-7).
    assert_same_detections(out, local_run, box=1e-3, score=1e-5)
    assert ray["engine"] == "ray" and ray["ray"]["workers"] == 2 and ray["shards"] == 4
    # Two workers, four shards: the model loaded once per worker, not once per shard.
    assert ray["ray"]["model_loads"] == 2
    assert (out / "report.html").is_file() and not (out / ".ray-shards").exists()
    assert wait_for(lambda: not ray_processes(), 30), ray_processes()


def assert_same_detections(a: Path, b: Path, box: float, score: float) -> None:
    da = json.loads((a / "detections.json").read_text())
    db = json.loads((b / "detections.json").read_text())
    assert [(d["image_id"], d["category_id"]) for d in da] == [(d["image_id"], d["category_id"]) for d in db]
    assert max(abs(p - q) for x, y in zip(da, db) for p, q in zip(x["bbox"], y["bbox"])) <= box
    assert max(abs(x["score"] - y["score"]) for x, y in zip(da, db)) <= score


def test_a_shard_killed_mid_run_is_retried(local_run: Path, tmp_path: Path) -> None:
    out = tmp_path / "ray"
    run = start_ray(out, "--workers", "1")
    assert wait_for(lambda: bool(shard_processes()) or run.poll() is not None)
    victims = shard_processes()
    assert victims, run.communicate()
    os.kill(next(iter(victims)), signal.SIGKILL)
    _, stderr = run.communicate(timeout=300)
    assert run.returncode == 0, stderr
    local = json.loads((local_run / "metrics.json").read_text())
    ray = json.loads((out / "metrics.json").read_text())
    assert ray["coco_stats"] == local["coco_stats"]
    assert_same_detections(out, local_run, box=1e-3, score=1e-5)
    # The killed process's shard ran again in the worker's new process, which ran the other too.
    assert ray["shards"] == 2 and ray["ray"]["model_loads"] == 2
    assert wait_for(lambda: not ray_processes() and not shard_processes(), 30), ray_processes()


def test_an_interrupted_driver_leaves_no_cluster_behind(tmp_path: Path) -> None:
    out = tmp_path / "ray"
    run = start_ray(out)
    assert wait_for(lambda: bool(shard_processes()) or run.poll() is not None)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "interrupted" in stderr
    assert not (out / "metrics.json").exists() and not (out / ".ray-shards").exists()
    assert wait_for(lambda: not ray_processes() and not shard_processes(), 30), ray_processes()


def test_serve_shards_runs_each_shard_asked_for_as_evaluate_shard_does(tmp_path: Path) -> None:
    # The workers' process without Ray: one model load, two shards asked for on stdin (out of
    # order), each written as evaluate --shard writes it; then a line that is no request.
    dirs = [tmp_path / "a b", tmp_path / "second"]  # the folder is the rest of the line
    served = subprocess.run(
        [str(BIN / "detection-studio"), "evaluate", str(DEMO), "--limit", "8", "--serve-shards"],
        input=f"1/2 {dirs[1]}\n0/2 {dirs[0]}\n0/2\n", capture_output=True, text=True, timeout=300, check=False)
    assert served.stdout.splitlines()[-2:] == ["done 1/2", "done 0/2"], served.stderr
    assert served.returncode == 2 and "'0/2' on stdin: expected 'i/N DIR'" in served.stderr
    shards = [json.loads((d / "shard.json").read_text()) for d in dirs]
    assert [(s["first"], s["end"]) for s in shards] == [(0, 4), (4, 8)], shards
    assert not (dirs[0] / "journal.jsonl").exists() and (dirs[0] / "records.coco.bin").is_file()
    merged = run_ds("merge", DEMO, *dirs, "--output", tmp_path / "merged")
    assert merged.returncode == 0, merged.stderr


def test_engine_options_are_checked(tmp_path: Path) -> None:
    bad = run_ds("evaluate", DEMO, "--engine", "spark", "--output", tmp_path)
    assert bad.returncode == 2 and "spark" in bad.stderr
    both = run_ds("evaluate", DEMO, "--engine", "ray", "--shard", "1/2", "--output", tmp_path)
    assert both.returncode == 2 and "--shard" in both.stderr
    served = run_ds("evaluate", DEMO, "--serve-shards", "--shard", "1/2")
    assert served.returncode == 2 and "--serve-shards" in served.stderr and "--shard" in served.stderr
