"""500 filings dropped into the inbox as a user would (a tenth written slowly
over 5 s), the watcher SIGKILLed mid-drop and restarted, then checked: one
record per distinct content, every original archived, the inbox empty.

    .venv/bin/python scripts/drop_500.py              # native events
    .venv/bin/python scripts/drop_500.py --polling 1  # polling, as on a network share
"""

import hashlib
import importlib.util
import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/drop500")
PIPE = [str(ROOT / ".venv" / "bin" / "pipeline")]


def load_generator():
    spec = importlib.util.spec_from_file_location("g", str(ROOT / "tests" / "fixtures" / "generate.py"))
    g = importlib.util.module_from_spec(spec)
    sys.modules["g"] = g
    spec.loader.exec_module(g)
    return g


def slow(path: Path, data: bytes) -> None:
    step = len(data) // 10 + 1
    with open(path, "wb") as fh:
        for k in range(0, len(data), step):
            fh.write(data[k:k + step])
            fh.flush()
            time.sleep(0.5)


def main() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir()
    g = load_generator()
    src = WORK / "src"
    src.mkdir()
    files = []
    for seed in range(1, 9):
        files += [Path(c.path) for c in g.generate(src, seed)]
    inbox, state, outbox = WORK / "inbox", WORK / "state", WORK / "outbox"
    inbox.mkdir()
    args = ["--inbox", str(inbox), "--state", str(state), "--outbox", str(outbox)]

    def start(extra=()):
        return subprocess.Popen(PIPE + ["watch", *args, *extra], stdout=subprocess.DEVNULL, stderr=open(WORK / "watch.log", "a"))

    w = start(sys.argv[1:])
    datas = []
    for i in range(500):
        f = files[i % len(files)]
        data = f.read_bytes()
        if i >= len(files) and f.suffix == ".pdf":
            data += b"\n%" + str(i).encode()
        datas.append((f"{i:03d}-{f.name}", data))
    digests = {hashlib.sha256(d).hexdigest() for _, d in datas}
    threads = []
    for i, (name, data) in enumerate(datas):
        if i % 10 == 0:
            t = threading.Thread(target=slow, args=(inbox / name, data))
            t.start()
            threads.append(t)
        else:
            (inbox / name).write_bytes(data)
        if i == 250:
            time.sleep(3)
            w.send_signal(signal.SIGKILL)
            w.wait()
            print("killed watcher at file", i)
            w = start(sys.argv[1:])
    for t in threads:
        t.join()
    deadline = time.time() + 1800
    while time.time() < deadline and any(inbox.iterdir()):
        time.sleep(2)
    time.sleep(3)
    w.send_signal(signal.SIGTERM)
    print("watcher exit code", w.wait())
    out = subprocess.run(PIPE + ["records", "--state", str(state)], capture_output=True, text=True).stdout
    recs = [json.loads(line) for line in out.splitlines()]
    shas = [r["sha256"] for r in recs]
    archived = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (state / "archive").rglob("*") if p.is_file()}
    print("files dropped", len(datas), "distinct", len(digests), "records", len(recs), "distinct records", len(set(shas)))
    print("one record per distinct content:", sorted(shas) == sorted(digests))
    print("every original archived:", digests <= archived, "; inbox left:", list(inbox.iterdir()))


if __name__ == "__main__":
    main()
