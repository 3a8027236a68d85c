#!/usr/bin/env python3
"""Replays issue 13's attacks on `vigil serve` and prints what they cost it.

1. Twenty readers that stall after 1 KB of a large bundle: the server's RSS while they hang
   on, and whether the write timeout closes them.
2. More silent connections than the descriptor limit allows (400 under `ulimit -n 256`): the
   server's CPU while they are held, and how long a normal request waits for an answer.

Usage: attack.py VIGIL [--bundle-mb 300] [--write-timeout 10] [--idle-timeout 10]
"""
import argparse, json, os, shutil, socket, subprocess, sys, tempfile, time

VERSION = "2026.11.25.1"


def make_registry(root, mb):
    b = os.path.join(root, "bundles", VERSION)
    os.makedirs(b)
    os.makedirs(os.path.join(root, "channels"))
    chunk = b"\x1f\x8b\x08\x00" + os.urandom(1 << 20)
    with open(os.path.join(b, "bundle.tar.gz"), "wb") as f:
        for _ in range(mb):
            f.write(chunk[: 1 << 20])
    size = mb << 20
    with open(os.path.join(b, "manifest.json"), "w") as f:
        f.write(json.dumps({"format": "vigil-bundle", "format_version": 1, "version": VERSION}))
    sha = "5a" * 32
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"format": "vigil-registry", "format_version": 1, "bundles": [
            {"version": VERSION, "sha256": sha, "size": size, "created_at": "2026-11-25T03:00:00Z",
             "parent": None, "ever_stable": True}]}, f)
    with open(os.path.join(root, "channels", "stable.json"), "w") as f:
        json.dump({"channel": "stable", "version": VERSION, "sha256": sha, "updated_at": "2026-11-25T03:00:00Z",
                   "history": [{"version": VERSION, "at": "2026-11-25T03:00:00Z", "reason": "published"}]}, f)
    return size


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def open_fds(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def get(port, path, timeout):
    started = time.monotonic()
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    return data.split(b" ", 2)[1].decode(), time.monotonic() - started


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("vigil")
    ap.add_argument("--bundle-mb", type=int, default=300)
    ap.add_argument("--write-timeout", type=int, default=10)
    ap.add_argument("--idle-timeout", type=int, default=10)
    ap.add_argument("--held", type=int, default=400)
    ap.add_argument("--fd-limit", type=int, default=256)
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="vigil-serve-bench-")
    try:
        size = make_registry(work, a.bundle_mb)
        cmd = (f"ulimit -n {a.fd_limit}; exec {a.vigil} serve --registry {work} --port 0 --quiet "
               f"--idle-timeout {a.idle_timeout} --write-timeout {a.write_timeout}")
        server = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = server.stdout.readline()
        port = int(line.rsplit(":", 1)[1])
        pid = server.pid
        time.sleep(0.5)
        base = rss_mb(pid)
        print(f"vigil serve pid {pid}, ulimit -n {a.fd_limit}, bundle {a.bundle_mb} MB, idle timeout "
              f"{a.idle_timeout} s, write timeout {a.write_timeout} s; RSS at rest {base:.0f} MB")

        # 1. Stalled readers.
        readers = []
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(f"GET /v1/bundles/{VERSION}/bundle.tar.gz HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            got = 0
            while got < 1024:
                got += len(s.recv(1024 - got))
            readers.append(s)
        peak = base
        t0 = time.monotonic()
        while time.monotonic() - t0 < a.write_timeout + 5:
            peak = max(peak, rss_mb(pid))
            time.sleep(0.25)
        closed = 0
        for s in readers:
            s.settimeout(5)
            total = 0
            try:
                while True:
                    chunk = s.recv(1 << 20)
                    if not chunk:
                        closed += 1
                        break
                    total += len(chunk)
                    if total >= size:
                        break
            except (ConnectionResetError, socket.timeout):
                closed += 1 if total < size else 0
            s.close()
        print(f"stalled readers: 20; peak RSS {peak:.0f} MB ({peak - base:+.0f} MB); "
              f"closed by the server within {a.write_timeout + 5} s: {closed}/20")

        # 2. More silent connections than descriptors.
        held = []
        for _ in range(a.held):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=2)
                held.append(s)
            except OSError:
                break
        time.sleep(1)
        cpu0, w0 = cpu_seconds(pid), time.monotonic()
        time.sleep(5)
        cpu = (cpu_seconds(pid) - cpu0) / (time.monotonic() - w0)
        fds = open_fds(pid)
        status, waited = get(port, "/healthz", timeout=3 * a.idle_timeout + 30)
        print(f"held silent connections: {len(held)} (server fds open: {fds}); server CPU while held: "
              f"{100 * cpu:.1f}% of a core; /healthz answered {status} after {waited:.1f} s")
        for s in held:
            s.close()
        status, waited = get(port, "/healthz", timeout=30)
        print(f"after release: /healthz {status} in {waited * 1000:.0f} ms; RSS {rss_mb(pid):.0f} MB")
        server.terminate()
        server.wait(timeout=10)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
