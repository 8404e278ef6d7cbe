"""500 filings dropped into the inbox as a user would (a tenth written slowly
over 5 s), the watcher SIGKILLed mid-drop and restarted, then checked: one
record per distinct content, every original archived, the inbox empty.

    .venv/bin/python scripts/drop_500.py              # native events
    .venv/bin/python scripts/drop_500.py --polling 1  # polling, as on a network share
"""
import hashlib, random, shutil, signal, subprocess, sys, threading, time, json, importlib.util
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
root = Path('/tmp/drop500'); shutil.rmtree(root, ignore_errors=True); root.mkdir()
spec = importlib.util.spec_from_file_location("g", str(ROOT / "tests" / "fixtures" / "generate.py")); g = importlib.util.module_from_spec(spec); sys.modules['g']=g; spec.loader.exec_module(g)
src = root / 'src'; src.mkdir()
files = []
for seed in range(1, 9):
    files += [Path(c.path) for c in g.generate(src, seed)]
inbox, state, outbox = root/'inbox', root/'state', root/'outbox'
inbox.mkdir()
PIPE = [str(ROOT / '.venv' / 'bin' / 'pipeline')]
args = ['--inbox', str(inbox), '--state', str(state), '--outbox', str(outbox)]
def start(extra=()):
    return subprocess.Popen(PIPE + ['watch', *args, *extra], stdout=subprocess.DEVNULL, stderr=open(root/'watch.log','a'))
w = start(sys.argv[1:])
rng = random.Random(0)
datas = []
for i in range(500):
    f = files[i % len(files)]
    data = f.read_bytes()
    if i >= len(files) and f.suffix == '.pdf':
        data += b'\n%' + str(i).encode()
    datas.append((f"{i:03d}-{f.name}", data))
digests = {hashlib.sha256(d).hexdigest() for _, d in datas}
def slow(name, data):
    with open(inbox/name, 'wb') as fh:
        for k in range(0, len(data), len(data)//10+1):
            fh.write(data[k:k+len(data)//10+1]); fh.flush(); time.sleep(0.5)
threads = []
for i, (name, data) in enumerate(datas):
    if i % 10 == 0:
        t = threading.Thread(target=slow, args=(name, data)); t.start(); threads.append(t)
    else:
        (inbox/name).write_bytes(data)
    if i == 250:
        time.sleep(3); w.send_signal(signal.SIGKILL); w.wait(); print('killed watcher at file', i); w = start(sys.argv[1:])
for t in threads: t.join()
deadline = time.time() + 1800
while time.time() < deadline and any(inbox.iterdir()):
    time.sleep(2)
time.sleep(3)
w.send_signal(signal.SIGTERM); print('watcher exit code', w.wait())
recs = [json.loads(l) for l in subprocess.run(PIPE + ['records', '--state', str(state)], capture_output=True, text=True).stdout.splitlines()]
shas = [r['sha256'] for r in recs]
archived = {hashlib.sha256(p.read_bytes()).hexdigest() for p in (state/'archive').rglob('*') if p.is_file()}
print('files dropped', len(datas), 'distinct', len(digests), 'records', len(recs), 'distinct records', len(set(shas)))
print('one record per distinct content:', sorted(shas) == sorted(digests))
print('every original archived:', digests <= archived, '; inbox left:', list(inbox.iterdir()))
