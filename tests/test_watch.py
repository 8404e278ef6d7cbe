"""The inbox, the ledger and the watcher, exercised the way users drop files."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from pipeline.errors import UsageError
from pipeline.ledger import Ledger, StateLockedError
from pipeline.settings import Settings
from pipeline.watch import Watcher
from tests.compare import all_records

SAMPLES = Path(__file__).parent / "data" / "samples"
TEXT_SAMPLES = ["doc_0001.docx", "doc_0003.docx", "doc_0004.docx", "doc_0010.pdf", "doc_0015.xlsx",
                "doc_0022.docx", "doc_0024.pdf", "doc_0027.docx"]
ROOT = Path(__file__).resolve().parent.parent


def settings_for(tmp: Path, **kw) -> Settings:
    options = {"stable_seconds": 0.3, "rescan_seconds": 0.5, "workers": 1, **kw}
    return Settings(inbox=tmp / "inbox", outbox=tmp / "outbox", state=tmp / "state", **options)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def process(settings: Settings, day: dt.date | None = None) -> list[dict]:
    ledger = Ledger(settings.ledger_path)
    try:
        Watcher(settings, ledger, received_on=day).run_once()
        return list(all_records(ledger))
    finally:
        ledger.close()


def tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")} if folder.exists() else set()


def test_each_distinct_file_gets_one_record_and_is_archived(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    (s.inbox / "机构A").mkdir(parents=True)
    digests = set()
    for name in TEXT_SAMPLES:
        shutil.copy(SAMPLES / name, s.inbox / name)
        digests.add(sha(SAMPLES / name))
    shutil.copy(SAMPLES / "doc_0001.docx", s.inbox / "机构A" / "再次提交.docx")  # a duplicate
    (s.inbox / "~$临时.docx").write_bytes(b"lock")  # Word's lock file: ignored
    records = process(s, dt.date(2021, 7, 5))
    assert {r["sha256"] for r in records} == digests
    assert len(records) == len(digests)
    for r in records:
        assert r["received_on"] == "2021-07-05"
        assert Path(r["archive"]).is_file() and sha(Path(r["archive"])) == r["sha256"]
    left = tree(s.inbox)
    assert left == {"机构A", "~$临时.docx"}
    dups = list((s.archive / "duplicates").iterdir())
    assert len(dups) == 1 and sha(dups[0]) == sha(SAMPLES / "doc_0001.docx")


def test_second_run_sees_same_bytes_as_duplicate(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    s.inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "doc_0004.docx", s.inbox / "a.docx")
    first = process(s)
    shutil.copy(SAMPLES / "doc_0004.docx", s.inbox / "b.docx")
    second = process(s)
    assert len(first) == len(second) == 1
    assert second[0]["source"] == "a.docx"


def test_review_copy_with_reason_in_chinese(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    s.inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "doc_0010.pdf", s.inbox / "报告函.pdf")  # invalid credit code
    (s.inbox / "空文件.docx").write_bytes(b"")
    process(s)
    reason = (s.review / "报告函.pdf.原因.txt").read_text(encoding="utf-8")
    assert "统一社会信用代码" in reason and "需人工复核" in reason
    assert (s.review / "报告函.pdf").read_bytes() == (SAMPLES / "doc_0010.pdf").read_bytes()
    assert "文件为空" in (s.review / "空文件.docx.原因.txt").read_text(encoding="utf-8")


def test_cross_document_checks_in_either_order(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    s.inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "doc_0025.docx", s.inbox)  # 安睿 contract, assessment
    codes = lambda recs, name: [i["code"] for r in recs if r["source"] == name for i in r["issues"]]  # noqa: E731
    recs = process(s, dt.date(2021, 5, 14))
    assert "AGENCY_NOT_REGISTERED" in codes(recs, "doc_0025.docx")
    shutil.copy(SAMPLES / "doc_0027.docx", s.inbox)  # 安睿 report letter arrives later
    recs = process(s, dt.date(2021, 5, 14))
    assert "AGENCY_NOT_REGISTERED" not in codes(recs, "doc_0025.docx")
    assert "OUT_OF_SCOPE" not in codes(recs, "doc_0025.docx")


def test_work_report_against_contracts(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    s.inbox.mkdir(parents=True)
    for name in ("doc_0003.docx", "doc_0024.pdf", "doc_0012.pdf"):
        shutil.copy(SAMPLES / name, s.inbox)
    recs = {r["source"]: r for r in process(s, dt.date(2021, 7, 5))}
    codes = [i["code"] for i in recs["doc_0003.docx"]["issues"]]
    assert "ROW_WITHOUT_CONTRACT" not in codes and "CONTRACT_NOT_REPORTED" not in codes
    # a fresh ledger with only one of the two contracts: the other row has none on file
    s2 = settings_for(tmp_path / "b")
    s2.inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "doc_0003.docx", s2.inbox)
    shutil.copy(SAMPLES / "doc_0024.pdf", s2.inbox)
    recs2 = {r["source"]: r for r in process(s2, dt.date(2021, 7, 5))}
    rows_without = [i for i in recs2["doc_0003.docx"]["issues"] if i["code"] == "ROW_WITHOUT_CONTRACT"]
    assert [i["field"] for i in rows_without] == ["rows[1]"]


@contextlib.contextmanager
def running_watcher(settings: Settings, on_batch=None):
    """A watcher running in a thread; yields its ledger, stops on exit."""
    settings.inbox.mkdir(parents=True, exist_ok=True)
    ledger = Ledger(settings.ledger_path)
    stop = threading.Event()
    thread = threading.Thread(target=Watcher(settings, ledger, on_batch).run, args=(stop,))
    thread.start()
    try:
        yield ledger
    finally:
        stop.set()
        thread.join(10)
        ledger.close()


def wait_gone(path: Path, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline and path.exists():
        time.sleep(0.1)


def test_file_written_slowly_is_read_only_when_complete(tmp_path: Path) -> None:
    s = settings_for(tmp_path, stable_seconds=1.0)
    data = (SAMPLES / "doc_0024.pdf").read_bytes()
    chunk = len(data) // 8 + 1
    with running_watcher(s) as ledger:
        with open(s.inbox / "slow.pdf", "wb") as fh:
            for i in range(0, len(data), chunk):
                fh.write(data[i:i + chunk])
                fh.flush()
                time.sleep(0.4)
        wait_gone(s.inbox / "slow.pdf")
        records = list(all_records(ledger))
    assert len(records) == 1
    assert records[0]["sha256"] == hashlib.sha256(data).hexdigest()
    assert records[0]["kind"] == "contract"


def wait_recorded(ledger: Ledger, count: int, seconds: float = 30) -> bool:
    deadline = time.time() + seconds
    while time.time() < deadline:
        if len(list(all_records(ledger))) >= count:
            return True
        time.sleep(0.05)
    return False


def test_intake_goes_on_while_documents_are_generated(tmp_path: Path) -> None:
    """LibreOffice may take a minute over a big batch: a filing dropped
    meanwhile is recorded at once, and its documents follow."""
    s = settings_for(tmp_path)
    release, busy = threading.Event(), threading.Event()
    calls: list[set[str]] = []  # the filings each generation run was asked for
    done: list[set[str]] = []   # ... and those of the runs that have finished

    def slow_outputs(ledger, agencies, new):
        calls.append(set(new))
        if new:  # a batch's documents (the start-up refresh has no new filings): held until the test lets go
            busy.set()
            release.wait(60)  # only a safety net: the test releases it as soon as intake is proven
        done.append(set(new))

    def until(condition, seconds: float = 30) -> bool:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    with running_watcher(s, slow_outputs) as ledger:
        try:
            assert until(lambda: done == [set()]), "the start-up refresh of the outbox did not run"
            shutil.copy(SAMPLES / "doc_0001.docx", s.inbox / "a.docx")
            assert wait_recorded(ledger, 1)
            assert busy.wait(30), "the first batch's documents were never asked for"
            shutil.copy(SAMPLES / "doc_0010.pdf", s.inbox / "b.pdf")
            assert wait_recorded(ledger, 2), "the second filing waited for the first one's documents"
            assert len(done) == 1 and not release.is_set()  # b was recorded while a's documents were still being made
            shas = {r["source"]: r["sha256"] for r in all_records(ledger)}
        finally:
            release.set()  # never leaves the hook to wait out its timeout, whatever failed above
    assert calls[:3] == [set(), {shas["a.docx"]}, {shas["b.pdf"]}]  # b's documents were made after a's
    assert done == calls  # ... and every run finished


def test_a_failing_generation_never_stops_intake(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    calls = []

    def broken_outputs(ledger, agencies, new):
        calls.append(set(new))
        raise OSError("磁盘已满")

    with running_watcher(s, broken_outputs) as ledger:
        shutil.copy(SAMPLES / "doc_0001.docx", s.inbox / "a.docx")
        assert wait_recorded(ledger, 1)
        shutil.copy(SAMPLES / "doc_0010.pdf", s.inbox / "b.pdf")
        assert wait_recorded(ledger, 2)
        deadline = time.time() + 20
        while time.time() < deadline and not any(len(c) == 2 for c in calls):
            time.sleep(0.05)
        shas = {r["sha256"] for r in all_records(ledger)}
    assert {frozenset(c) for c in calls} >= {frozenset(shas)}  # the failed run's filings were asked for again


def test_watcher_under_polling_picks_files_up(tmp_path: Path) -> None:
    s = settings_for(tmp_path, polling=0.3)
    with running_watcher(s) as ledger:
        time.sleep(0.5)
        shutil.copy(SAMPLES / "doc_0022.docx", s.inbox / "承诺书.docx")
        wait_gone(s.inbox / "承诺书.docx", 15)
        records = list(all_records(ledger))
    assert [r["kind"] for r in records] == ["commitment"]


def test_polling_survives_a_share_that_drops_and_comes_back(tmp_path: Path) -> None:
    s = settings_for(tmp_path, polling=0.3, rescan_seconds=1.0)
    with running_watcher(s) as ledger:
        time.sleep(0.8)
        s.inbox.rename(tmp_path / "share-gone")  # the mount disappears: watchdog's emitter stops
        time.sleep(1.5)
        s.inbox.mkdir()  # and comes back
        shutil.copy(SAMPLES / "doc_0022.docx", s.inbox / "承诺书.docx")
        wait_gone(s.inbox / "承诺书.docx", 30)
        records = list(all_records(ledger))
    assert [r["kind"] for r in records] == ["commitment"]


def test_one_watcher_per_state_folder(tmp_path: Path) -> None:
    s = settings_for(tmp_path)
    first = Ledger(s.ledger_path)
    try:
        with pytest.raises(StateLockedError) as err:
            Ledger(s.ledger_path)
        assert "另一个" in err.value.message
    finally:
        first.close()


def test_outbox_inside_inbox_is_refused(tmp_path: Path) -> None:
    s = Settings(inbox=tmp_path / "inbox", outbox=tmp_path / "inbox" / "out", state=tmp_path / "state")
    ledger = Ledger(s.ledger_path)
    try:
        with pytest.raises(UsageError):
            Watcher(s, ledger)
    finally:
        ledger.close()


def _encrypted_pdf(path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(SAMPLES / "doc_0028.pdf"))
    writer.encrypt(user_password="secret", owner_password="owner")
    with open(path, "wb") as fh:
        writer.write(fh)


def _many_pages_pdf(path: Path, pages: int) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=200, height=200)
    with open(path, "wb") as fh:
        writer.write(fh)


def _zip_bomb(path: Path, unpacked: int) -> None:
    with zipfile.ZipFile(SAMPLES / "doc_0022.docx") as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        dst.writestr("word/media/bomb.bin", b"\0" * unpacked)


def test_hostile_inputs_never_stop_the_watcher(tmp_path: Path) -> None:
    s = settings_for(tmp_path, max_bytes=50 * 1024 * 1024, max_pages=100, max_unpacked_bytes=20 * 1024 * 1024)
    s.inbox.mkdir(parents=True)
    outside = tmp_path / "outside.pdf"
    shutil.copy(SAMPLES / "doc_0028.pdf", outside)
    inbox = s.inbox
    (inbox / "zero.pdf").write_bytes(b"")
    (inbox / "truncated.pdf").write_bytes((SAMPLES / "doc_0028.pdf").read_bytes()[:3000])
    _encrypted_pdf(inbox / "encrypted.pdf")
    _many_pages_pdf(inbox / "5000页.pdf", 5000)
    with open(inbox / "sparse.pdf", "wb") as fh:
        fh.truncate(60 * 1024 * 1024)
    _zip_bomb(inbox / "bomb.docx", 30 * 1024 * 1024)
    (inbox / "program.pdf").write_bytes(b"\x7fELF\x02\x01\x01" + os.urandom(4000))
    os.symlink(outside, inbox / "link.pdf")
    (inbox / "line\nbreak.docx").write_bytes((SAMPLES / "doc_0022.docx").read_bytes())
    (inbox / "..hidden-dots..pdf").write_bytes(b"%PDF-1.4 nothing")
    gbk = os.fsencode(str(inbox)) + b"/" + "合同".encode("gbk") + b".docx"
    with open(gbk, "wb") as fh:
        fh.write((SAMPLES / "doc_0001.docx").read_bytes())
    before_outside = outside.read_bytes()
    records = {r["source"]: r for r in process(s)}
    reasons = {name: [i["message"] for i in r["issues"] if i["code"] == "UNREADABLE"] for name, r in records.items()}
    assert "文件为空" in reasons["zero.pdf"][0]
    assert "损坏" in reasons["truncated.pdf"][0] or "不完整" in reasons["truncated.pdf"][0]
    assert "加密" in reasons["encrypted.pdf"][0]
    assert "5000 页" in reasons["5000页.pdf"][0]
    assert "过大" in reasons["sparse.pdf"][0]
    assert not (s.review / "sparse.pdf").exists()  # no second copy of an oversized file in the outbox
    assert "未复制" in (s.review / "sparse.pdf.原因.txt").read_text(encoding="utf-8")
    assert "压缩炸弹" in reasons["bomb.docx"][0]
    assert "不是有效的 PDF" in reasons["program.pdf"][0]
    assert records["line break.docx"]["kind"] == "commitment"
    assert records["合同.docx"]["kind"] == "contract"
    assert all(r["status"] == "rejected" for n, r in records.items() if reasons[n])
    # the symlink is refused and left alone; the file it points to is untouched
    assert (inbox / "link.pdf").is_symlink() and outside.read_bytes() == before_outside
    assert "link.pdf" not in records
    # nothing was written outside the inbox, the outbox and the state folder
    assert set(p.name for p in tmp_path.iterdir()) == {"inbox", "outbox", "state", "outside.pdf"}
    # nothing deleted: every original is in the archive
    assert len(list(s.archive.rglob("*.*"))) == len(records)


def test_crashing_reader_loses_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.pool as pool

    def boom(*a, **k):
        raise RuntimeError("reader crashed")

    monkeypatch.setattr(pool, "build_records", boom)
    s = settings_for(tmp_path)
    s.inbox.mkdir(parents=True)
    shutil.copy(SAMPLES / "doc_0004.docx", s.inbox / "a.docx")
    records = process(s)
    assert records[0]["status"] == "rejected"
    assert "内部错误" in records[0]["issues"][0]["message"]
    assert Path(records[0]["archive"]).read_bytes() == (SAMPLES / "doc_0004.docx").read_bytes()


def _cli(*args: str, cwd: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(ROOT)}, **kw)


@pytest.mark.slow
@pytest.mark.libreoffice(optional=True)  # `watch` and `process` make the PDFs when LibreOffice is there
def test_sigkill_mid_drop_then_restart_keeps_one_record_per_file(tmp_path: Path) -> None:
    inbox, state, outbox = tmp_path / "inbox", tmp_path / "state", tmp_path / "outbox"
    inbox.mkdir()
    names = []
    for i in range(3):
        for name in TEXT_SAMPLES:
            target = inbox / f"{i}-{name}"
            data = (SAMPLES / name).read_bytes()
            target.write_bytes(data + (b"" if i == 0 else b"\n%" + str(i).encode() if name.endswith(".pdf") else b""))
            names.append(target)
    distinct = {sha(p) for p in names}
    proc = _cli("watch", "--inbox", str(inbox), "--state", str(state), "--outbox", str(outbox), cwd=tmp_path)
    deadline = time.time() + 30
    while time.time() < deadline and len(list(inbox.iterdir())) > len(names) - 4:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = _cli("process", "--inbox", str(inbox), "--state", str(state), "--outbox", str(outbox), cwd=tmp_path)
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err.decode()
    rec = _cli("records", "--state", str(state), cwd=tmp_path)
    lines = rec.communicate(timeout=60)[0].decode().splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["sha256"] for r in records) == sorted(distinct)
    archived = {sha(p) for p in (state / "archive").rglob("*") if p.is_file()}
    assert distinct <= archived
    assert list(inbox.iterdir()) == []


def test_sigterm_exits_cleanly(tmp_path: Path) -> None:
    proc = _cli("watch", "--inbox", str(tmp_path / "in"), "--state", str(tmp_path / "st"), "--outbox", str(tmp_path / "out"),
                cwd=tmp_path)
    time.sleep(2.0)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_process_stopped_by_sigterm_ends_as_ctrl_c_and_the_next_run_files_the_rest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`process` stopped mid-batch by a stop signal (a service manager,
    `kill`): it says so in Chinese, shuts its workers and exits 130 instead
    of dying on the signal; the next run files every file once."""
    inbox, state, outbox = tmp_path / "inbox", tmp_path / "state", tmp_path / "outbox"
    inbox.mkdir()
    for i in range(4):  # phone photos: long enough a batch to stop in its middle
        for name in ("doc_0007.jpg", "doc_0030.jpg"):
            (inbox / f"{i}-{name}").write_bytes((SAMPLES / name).read_bytes() + b"\0" * i)
    distinct = {sha(p) for p in inbox.iterdir()}
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    monkeypatch.setenv("PIPELINE_STABLE_SECONDS", "0")
    proc = _cli("process", "--inbox", str(inbox), "--state", str(state), "--outbox", str(outbox), cwd=tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline and len(list(inbox.iterdir())) > len(distinct) - 2:
        time.sleep(0.05)
    workers = _workers_of(proc.pid)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert "处理已中断" in err.decode() and "leaked" not in err.decode()
    assert workers and not any(_alive(w) for w in workers)
    assert list(inbox.iterdir()), "the batch ended before the signal"
    again = _cli("process", "--inbox", str(inbox), "--state", str(state), "--outbox", str(outbox), cwd=tmp_path)
    _, err = again.communicate(timeout=300)
    assert again.returncode == 0, err.decode()
    lines = _cli("records", "--state", str(state), cwd=tmp_path).communicate(timeout=60)[0].decode().splitlines()
    assert sorted(json.loads(line)["sha256"] for line in lines) == sorted(distinct)
    assert list(inbox.iterdir()) == []


def _workers_of(pid: int) -> list[int]:
    """The pool workers a process started (Linux: /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):
                if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                    found.append(int(child))
    return found


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[-1][:1] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_workers_end_when_the_watcher_is_killed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The watcher killed outright (kill -9, or a signal it does not catch):
    its workers end too, rather than wait for work forever holding their
    memory; the next start finds the inbox as it was left."""
    monkeypatch.setenv("PIPELINE_WORKERS", "2")
    proc = _cli("watch", "--inbox", str(tmp_path / "in"), "--state", str(tmp_path / "st"), "--outbox", str(tmp_path / "out"),
                cwd=tmp_path)
    deadline = time.time() + 60
    while time.time() < deadline and len(_workers_of(proc.pid)) < 2:
        time.sleep(0.1)
    workers = _workers_of(proc.pid)
    assert len(workers) == 2, proc.stderr.read().decode() if proc.poll() is not None else "workers not started"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:  # not to leave them behind when this fails
        with contextlib.suppress(OSError):
            os.kill(w, signal.SIGKILL)
    assert left == []
