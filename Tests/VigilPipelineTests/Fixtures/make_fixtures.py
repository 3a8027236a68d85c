#!/usr/bin/env python3
"""Writes the tiny archives the ingest tests read, hostile ones included.

They are built with Python's own tarfile/zipfile/gzip (and the zstd CLI), not with
vigil's writer, so the reader is tested against archives made by other hands.
Re-run from this folder: `python3 make_fixtures.py` (output is deterministic).
"""
import gzip
import io
import json
import subprocess
import tarfile
import zipfile

MANIFEST = {
    "format": "deploy-history", "version": 1, "exported_at": "2026-11-26T02:00:00Z",
    "source": "release-platform/prod-cn-east",
    "period": {"from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z"},
}

DEPLOY = {
    "id": "d-20261125-0042", "app": "cart-service", "env": "prod", "strategy": "canary",
    "started_at": "2026-11-25T10:00:00Z", "finished_at": "2026-11-25T10:52:00Z", "outcome": "completed",
    "change": {"commit": "9f2c1e0", "summary": "bump pricing client"},
    "batches": [
        {"index": 0, "started_at": "2026-11-25T10:00:00Z", "finished_at": "2026-11-25T10:15:00Z", "hosts": ["cart-17"]},
        {"index": 1, "started_at": "2026-11-25T10:15:00Z", "finished_at": "2026-11-25T10:35:00Z",
         "hosts": ["cart-03", "cart-08"]},
    ],
    "baseline_hosts": ["cart-01", "cart-02", "cart-05"],
    "metrics": [
        {"name": "rt.p99", "kind": "business", "unit": "ms", "direction": "up", "step_s": 60},
        {"name": "success.rate", "kind": "business", "unit": "ratio", "direction": "down", "step_s": 60},
        {"name": "cpu.util", "kind": "system", "unit": "percent", "direction": "both", "step_s": 60},
        {"name": "log.error.count", "kind": "log", "unit": "count", "direction": "up", "step_s": 60},
    ],
    "guard": {"bundle_version": "2026.11.24.1", "alerts": [
        {"id": "a-77", "at": "2026-11-25T10:09:00Z", "batch": 0, "detector": "tukey", "metric": "rt.p99",
         "action": "paused"}]},
}

T0 = 1795600800  # 2026-11-25T10:00:00Z (the spec's CSV example, 1764064800, is a year earlier)


def deploy(**changes):
    d = json.loads(json.dumps(DEPLOY))
    d.update(changes)
    return d


def jbytes(obj):
    return (json.dumps(obj, indent=1, sort_keys=True) + "\n").encode()


def metric_csv(hosts, minutes=10, base=180.0, extra_rows=""):
    rows = ["timestamp,host,value"]
    for m in range(minutes):
        for i, h in enumerate(hosts):
            rows.append(f"{T0 + 60 * m},{h},{base + i + m * 0.5}")
    return ("\n".join(rows) + "\n" + extra_rows).encode()


def history_csv(start, n, base=100.0):
    rows = ["timestamp,value"] + [f"{start + 60 * i},{base + i}" for i in range(n)]
    return ("\n".join(rows) + "\n").encode()


def labels(*objs):
    return "".join(json.dumps(o, sort_keys=True) + "\n" for o in objs).encode()


FEEDBACK_TP = {"type": "feedback", "deploy_id": "d-20261125-0042", "alert_id": "a-77", "verdict": "true_positive",
               "labeled_by": "li.wei", "labeled_at": "2026-11-25T11:02:00Z", "note": "p99 doubled on cart-17"}
INCIDENT = {"type": "incident", "id": "INC-20261125-7", "app": "cart-service", "deploy_id": "d-20261125-0042",
            "cause": "change", "severity": "P2", "start": "2026-11-25T10:06:00Z", "end": "2026-11-25T10:40:00Z",
            "metrics": ["rt.p99", "success.rate"], "hosts": ["cart-17", "cart-03"]}

HOSTS = ["cart-17", "cart-03", "cart-08", "cart-01", "cart-02", "cart-05"]


def valid_entries():
    return [
        ("manifest.json", jbytes(MANIFEST)),
        ("deploys/d-20261125-0042.json", jbytes(DEPLOY)),
        ("metrics/d-20261125-0042/rt.p99.csv", metric_csv(HOSTS)),
        ("metrics/d-20261125-0042/cpu.util.csv", metric_csv(HOSTS, base=40.0)),
        ("history/cart-service/rt.p99.csv", history_csv(T0 - 3600, 60)),
        ("labels/feedback.jsonl", labels(FEEDBACK_TP, INCIDENT)),
    ]


def tar_bytes(entries, links=()):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in entries:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        for name, target, kind in links:
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE if kind == "sym" else tarfile.LNKTYPE
            info.linkname = target
            info.mtime = 0
            tar.addfile(info)
    return buf.getvalue()


def gz(data):
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0, filename="") as f:
        f.write(data)
    return buf.getvalue()


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


def main():
    write("valid.tar.gz", gz(tar_bytes(valid_entries())))
    write("valid.tar", tar_bytes(valid_entries()))
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in valid_entries():
            z.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data, compress_type=zipfile.ZIP_DEFLATED)
    write("valid.zip", zbuf.getvalue())
    write("valid.tar.zst", subprocess.run(["zstd", "-q", "-c", "-3"], input=tar_bytes(valid_entries()),
                                          check=True, capture_output=True).stdout)
    # Same content, named as if it were a zip: detection must go by content.
    write("misnamed-valid.zip", gz(tar_bytes(valid_entries())))

    entries = valid_entries()
    write("manifest-last.tar.gz", gz(tar_bytes(entries[1:] + entries[:1])))

    write("hostile-paths.tar.gz", gz(tar_bytes(
        valid_entries() + [("../escape.json", b"{}"), ("/etc/absolute.json", b"{}"),
                           ("deploys/../../evil.json", b"{}"), ("notes/readme.txt", b"hello")],
        links=[("deploys/link.json", "/etc/passwd", "sym"), ("labels/hard.jsonl", "labels/feedback.jsonl", "hard")])))

    write("truncated.tar.gz", gz(tar_bytes(valid_entries()))[:-200])
    write("not-an-archive.tar.gz", b"this is plain text, not an archive\n" * 20)
    # 8 MiB of zeros compresses about 1000:1, far beyond the 200:1 cap.
    write("ratio-bomb.tar.gz", gz(tar_bytes(valid_entries() + [("history/cart-service/zeros.csv", b"0" * (8 << 20))])))

    # The same bomb behind an unsafe name must still reject the archive.
    write("ratio-bomb-unsafe-name.tar.gz", gz(tar_bytes(valid_entries() + [("../zeros.csv", b"0" * (8 << 20))])))

    write("manifest-v2.tar.gz", gz(tar_bytes([("manifest.json", jbytes(dict(MANIFEST, version=2)))] + valid_entries()[1:])))
    write("manifest-wrong-format.tar.gz",
          gz(tar_bytes([("manifest.json", jbytes(dict(MANIFEST, format="other")))] + valid_entries()[1:])))
    write("no-manifest.tar.gz", gz(tar_bytes(valid_entries()[1:])))

    bad_deploys = valid_entries() + [
        ("deploys/d-broken.json", b'{"id": "d-broken", "app": "cart-service", '),
        ("deploys/d-nobatches.json", jbytes({k: v for k, v in deploy(id="d-nobatches").items() if k != "batches"})),
        ("deploys/d-badtime.json", jbytes(deploy(id="d-badtime", started_at="yesterday"))),
        ("deploys/d-noid.json", jbytes({k: v for k, v in deploy(id="d-noid").items() if k != "id"})),
        ("deploys/d-noapp.json", jbytes({k: v for k, v in deploy(id="d-noapp").items() if k != "app"})),
        ("deploys/d-nostart.json", jbytes({k: v for k, v in deploy(id="d-nostart").items() if k != "started_at"})),
        ("deploys/d-nometrics.json", jbytes({k: v for k, v in deploy(id="d-nometrics").items() if k != "metrics"})),
        ("deploys/d-wrongid.json", jbytes(deploy(id="d-other"))),
        ("deploys/d bad name.json", jbytes(deploy(id="d bad name"))),
        ("metrics/d-20261125-0042/rt p99!.csv", metric_csv(["cart-17"])),
        ("history/cart service/rt.p99.csv", history_csv(T0, 5)),
    ]
    write("invalid-deploys.tar.gz", gz(tar_bytes(bad_deploys)))

    # 100 rows, 3 bad (3% <= 5%): loads with a warning.
    few_bad = metric_csv(["cart-17", "cart-03"], minutes=50).decode().splitlines()
    few_bad[10] = "not-a-time,cart-17,1.0"
    few_bad[20] = f"{T0},cart-17,abc"
    few_bad[30] = f"{T0}"
    # 100 rows, 6 bad (6% > 5%): the file is rejected.
    many_bad = metric_csv(["cart-17", "cart-03"], minutes=50).decode().splitlines()
    for i in (5, 15, 25, 35, 45, 55):
        many_bad[i] = "garbage,row,here"
    dup = "timestamp,host,value\n" + "\n".join(
        [f"{T0},cart-17,1", f"{T0 + 60},cart-17,2", f"{T0},cart-17,5", f"{T0 + 120},cart-17,",
         f"{T0 + 180},cart-17,NaN", f"{T0 + 240},cart-17,null", "2026-11-25T10:05:00Z,cart-17,7.5"]) + "\n"
    csv_entries = valid_entries() + [
        ("metrics/d-20261125-0042/success.rate.csv", ("\n".join(few_bad) + "\n").encode()),
        ("metrics/d-20261125-0042/log.error.count.csv", ("\n".join(many_bad) + "\n").encode()),
        ("metrics/d-20261125-0042/qps.csv", dup.encode()),
    ]
    write("csv-rows.tar.gz", gz(tar_bytes(csv_entries)))

    # Optional fields of the wrong type: the deploy loads, with warnings.
    odd = deploy(id="d-odd", env=7, change="not an object", baseline_hosts="cart-01")
    odd["metrics"] = [dict(DEPLOY["metrics"][0], step_s="60", unit=5), {"kind": "system"}]
    odd["batches"] = [dict(DEPLOY["batches"][0], index="zero")]
    write("odd-optional-fields.tar.gz", gz(tar_bytes([
        ("manifest.json", jbytes(MANIFEST)), ("deploys/d-odd.json", jbytes(odd)),
        ("metrics/d-odd/rt.p99.csv", metric_csv(["cart-17"]))])))

    write("orphan-metrics.tar.gz", gz(tar_bytes(
        valid_entries() + [("metrics/d-ghost/rt.p99.csv", metric_csv(["ghost-1"]))])))

    # Labels: changed verdicts, invalid lines, pending labels for a deploy that arrives later.
    later_manifest = dict(MANIFEST, exported_at="2026-11-27T02:00:00Z")
    write("labels-early.tar.gz", gz(tar_bytes([
        ("manifest.json", jbytes(dict(MANIFEST, exported_at="2026-11-25T02:00:00Z"))),
        ("labels/early.jsonl", labels(
            {"type": "feedback", "deploy_id": "d-later", "alert_id": "a-1", "verdict": "false_positive",
             "labeled_by": "ops", "labeled_at": "2026-11-25T12:00:00Z"},
            {"type": "incident", "id": "INC-later", "app": "cart-service", "deploy_id": "d-later", "cause": "change",
             "start": "2026-11-25T10:10:00Z", "end": "2026-11-25T10:20:00Z"}) + b"{not json\n\n"
         + b'{"type": "feedback", "deploy_id": "d-later"}\n'),
    ])))
    later = deploy(id="d-later", guard={"alerts": [{"id": "a-1", "at": "2026-11-25T10:05:00Z"}]})
    write("deploy-later.tar.gz", gz(tar_bytes([
        ("manifest.json", jbytes(later_manifest)),
        ("deploys/d-later.json", jbytes(later)),
        ("labels/changed.jsonl", labels(dict(FEEDBACK_TP, verdict="false_positive", labeled_at="2026-11-26T09:00:00Z"))),
        ("history/cart-service/rt.p99.csv", history_csv(T0 - 1800, 60, base=500.0)),
    ])))
    # The deploy re-sent by a later export: fewer alerts, a different outcome.
    write("resend.tar.gz", gz(tar_bytes([
        ("manifest.json", jbytes(dict(MANIFEST, exported_at="2026-11-28T02:00:00Z"))),
        ("deploys/d-20261125-0042.json", jbytes(deploy(outcome="rolled_back"))),
    ])))
    # An older export of the same deploy, ingested last, must not win.
    write("stale.tar.gz", gz(tar_bytes([
        ("manifest.json", jbytes(dict(MANIFEST, exported_at="2026-11-25T12:00:00Z"))),
        ("deploys/d-20261125-0042.json", jbytes(deploy(outcome="aborted"))),
    ])))


if __name__ == "__main__":
    main()
