"""Memory measurements: RSS/PSS of gunicorn processes, and what loading jieba costs one process."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def smaps_rollup(pid):
    """RSS, PSS, shared and private memory of `pid` in MB, from /proc/<pid>/smaps_rollup."""
    values = {}
    try:
        lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()
    except OSError:
        return None
    for line in lines[1:]:
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            values[parts[0].rstrip(":")] = int(parts[1]) / 1024
    return {"rss": values.get("Rss", 0.0), "pss": values.get("Pss", 0.0),
            "shared": values.get("Shared_Clean", 0.0) + values.get("Shared_Dirty", 0.0),
            "private": values.get("Private_Clean", 0.0) + values.get("Private_Dirty", 0.0)}


def server_memory(server):
    """Memory of a gunicorn master and its workers: [(role, pid, figures)], plus totals."""
    rows = [("master", server.pid, smaps_rollup(server.pid))]
    rows += [("worker", pid, smaps_rollup(pid)) for pid in server.worker_pids()]
    rows = [row for row in rows if row[2] is not None]
    total = {key: sum(row[2][key] for row in rows) for key in ("rss", "pss", "shared", "private")}
    return {"processes": rows, "total": total}


_JIEBA_PROBE = r"""
import json, sys, tempfile, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
out = {"baseline_mb": rss()}
t = time.perf_counter()
import jieba
out["import_s"] = time.perf_counter() - t
out["after_import_mb"] = rss()
import opencc
opencc.OpenCC("t2s")
out["after_opencc_mb"] = rss()
import pypinyin
pypinyin.lazy_pinyin("退款")
out["after_pypinyin_mb"] = rss()
from app.kb import analysis
out["after_app_analysis_import_mb"] = rss()
t = time.perf_counter()
analysis.prepare_jieba(sys.argv[1], tempfile.mkdtemp(prefix="jieba-cache-"))
out["prepare_s"] = time.perf_counter() - t
out["after_prepare_mb"] = rss()
print(json.dumps(out))
"""


def jieba_cost(content_dir):
    """A fresh interpreter's RSS before and after importing jieba and running prepare_jieba (cold cache)."""
    completed = subprocess.run([sys.executable, "-c", _JIEBA_PROBE, str(content_dir)], cwd=ROOT,
                               capture_output=True, text=True, timeout=120)
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(completed.stdout.strip().splitlines()[-1])
