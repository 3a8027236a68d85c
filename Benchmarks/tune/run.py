#!/usr/bin/env python3
"""Tuning benchmark: wall time and peak memory of `vigil tune` on generated corpora of growing
size, and what a 1,000-threshold sweep costs against a single threshold.

Run from the repository root: Benchmarks/tune/run.sh (builds vigil in release first).
Environment: SCALES (default "2 4 8": about 500, 1,000 and 2,000 deploys with 6 apps x 14 days),
PIPELINE (default Pipelines/nightly.yaml).
"""
import json, os, subprocess, sys, time

BIN = ".build/release/vigil"
WORK = "Benchmarks/.work/tune"
SCALES = [int(s) for s in os.environ.get("SCALES", "2 4 8").split()]
PIPELINE = os.environ.get("PIPELINE", "Pipelines/nightly.yaml")


def run(args, quiet=True):
    """Runs a command whose cost is not measured; returns (wall seconds, 0, stdout)."""
    start = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    wall = time.monotonic() - start
    if p.returncode != 0:
        sys.exit(f"{' '.join(args)} failed ({p.returncode}):\n{err}")
    return wall, 0.0, out


def run_measured(args):
    """Runs a command; returns (wall seconds, that process's own peak RSS in MB, stdout)."""
    import tempfile
    start = time.monotonic()
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        p = subprocess.Popen(args, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        if status != 0:
            sys.exit(f"{' '.join(args)} failed ({status}):\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read()


def corpus(scale):
    d = f"{WORK}/scale-{scale}"
    store = f"{d}/store.sqlite"
    if not os.path.exists(store):
        os.makedirs(d, exist_ok=True)
        run([BIN, "datasets", "synth", "--seed", "42", "--apps", "6", "--days", "14", "--scale", str(scale), "--out", f"{d}/data"])
        run([BIN, "ingest", f"{d}/data", "--store", store])
    status = json.loads(run([BIN, "status", "--store", store, "--json"])[2])
    return store, status["deploys"]


def pipeline_with(extra, name):
    text = open(PIPELINE).read().replace("search:\n", f"search:\n  {extra}\n", 1)
    path = f"{WORK}/{name}.yaml"
    open(path, "w").write(text)
    return path


def main():
    os.makedirs(WORK, exist_ok=True)
    rows = []
    for scale in SCALES:
        store, deploys = corpus(scale)
        wall, rss, out = run_measured([BIN, "tune", "--pipeline", PIPELINE, "--store", store, "--json"])
        model = json.loads(out)
        v = model.get("validation_figures") or {}
        b = model.get("baseline_figures") or {}
        rows.append((deploys, wall, rss, model["search"]["thresholds_evaluated"],
                     v.get("deploys", {}).get("f1"), b.get("deploys", {}).get("f1")))
    print(f"vigil tune, {PIPELINE}, {os.cpu_count()} cores")
    print("| deploys | wall s | peak RSS MB | thresholds evaluated | validation F1 | 3-sigma F1 |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r[0]} | {r[1]:.1f} | {r[2]:.0f} | {r[3]} | {r[4]:.3f} | {r[5]:.3f} |")
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        print(f"growth {first[0]} -> {last[0]} deploys ({last[0]/first[0]:.1f}x): wall {last[1]/first[1]:.2f}x, memory {last[2]/first[2]:.2f}x")

    store, deploys = corpus(SCALES[-1])
    times = {}
    for cap in (1, 1000):
        path = pipeline_with(f"max_thresholds: {cap}", f"cap-{cap}")
        best = min(run_measured([BIN, "tune", "--pipeline", path, "--store", store, "--json"])[0] for _ in range(2))
        times[cap] = best
    print(f"threshold sweep on {deploys} deploys: 1 threshold per candidate {times[1]:.2f} s, "
          f"up to 1,000 {times[1000]:.2f} s: ratio {times[1000]/times[1]:.2f} (target <= 1.3)")


if __name__ == "__main__":
    main()
