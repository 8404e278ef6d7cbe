"""The review station over HTTP: login, sessions that expire, CSRF on every
form, viewers read only, ids and paths that lead nowhere, a pause after five
wrong passwords, and two officers saving the same record."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from pipeline.accounts import add_user
from pipeline.ledger import Ledger
from pipeline.settings import Settings
from pipeline.station.app import create_app

from .review_fixtures import LETTER, replay, sha_of

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PASSWORD = "审核-pass-2021"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    s = replay(tmp_path_factory.mktemp("station"))
    add_user(s.state, "张三", "officer", PASSWORD)
    add_user(s.state, "李四", "officer", PASSWORD)
    add_user(s.state, "王五", "viewer", PASSWORD)
    return s


def client(settings: Settings, **options) -> TestClient:
    return TestClient(create_app(settings, **options), follow_redirects=False)


def csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def login(c: TestClient, name: str, password: str = PASSWORD):
    token = csrf(c.get("/login").text)
    return c.post("/login", data={"csrf": token, "name": name, "password": password, "next": "/"})


def version(settings: Settings, sha: str) -> int:
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        return ledger.record(sha).version  # type: ignore[union-attr]
    finally:
        ledger.close()


def test_without_a_session_every_page_leads_to_the_login(settings: Settings) -> None:
    c = client(settings)
    sha = sha_of(settings, LETTER)
    for path in ["/", f"/record/{sha}", f"/record/{sha}/page/1.png", f"/record/{sha}/next", "/outbox/x.docx",
                 "/search?q=报告"]:
        r = c.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/login"), path
    assert "登录" in c.get("/login").text
    r = c.get("/")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]


def test_the_queue_and_the_record_page(settings: Settings) -> None:
    c = client(settings)
    assert login(c, "张三").status_code == 303
    page = c.get("/").text
    assert "doc_0023.pdf" in page and "需人工复核" in page and "doc_0020.docx" in page   # needs review, rejected
    assert "doc_0004.docx" not in page                                                  # accepted: not in the queue
    assert "doc_0023.pdf" not in c.get("/?kind=contract").text
    sha = sha_of(settings, LETTER)
    record = c.get(f"/record/{sha}").text
    assert "法定代表人联系手机" in record and "不是有效的手机号" in record and f"/record/{sha}/page/1.png" in record
    image = c.get(f"/record/{sha}/page/1.png")
    assert image.status_code == 200 and image.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_search_box_finds_filings_by_their_text(settings: Settings) -> None:
    c = client(settings)
    login(c, "王五")                                  # a viewer may search too
    page = c.get("/search", params={"q": "报告"}).text  # two characters: the fallback index
    assert f'href="/record/{sha_of(settings, LETTER)}"' in page and "【报告】" in page
    assert 'name="q" value="报告"' in page
    assert "doc_0004.docx" in c.get("/search", params={"q": "安全"}).text   # accepted filings are found too
    none = c.get("/search", params={"q": "<script>不存在的文字"}).text
    assert "没有找到" in none and "<script>不存在" not in none            # escaped
    assert "找到" not in c.get("/search").text                         # no query: the box only


def test_a_form_without_its_csrf_token_is_refused(settings: Settings) -> None:
    c = client(settings)
    login(c, "张三")
    sha = sha_of(settings, LETTER)
    before = version(settings, sha)
    r = c.post(f"/record/{sha}/correct", data={"field": "local_contact", "value": "曾文斌", "version": str(before)})
    assert r.status_code == 403
    r = c.post(f"/record/{sha}/accept", data={"csrf": "forged", "version": str(before)})
    assert r.status_code == 403
    assert version(settings, sha) == before
    assert client(settings).post("/login", data={"name": "张三", "password": PASSWORD}).status_code == 403


def test_unknown_ids_and_paths_outside_the_folders_are_not_found(settings: Settings) -> None:
    c = client(settings)
    login(c, "张三")
    sha = sha_of(settings, LETTER)
    token = csrf(c.get("/").text)
    for path in ["/record/" + "0" * 64, "/record/abc", "/record/../../etc/passwd", f"/record/{sha}/page/99.png",
                 "/record/" + "0" * 64 + "/page/1.png", "/outbox/../state/ledger.sqlite3",
                 "/outbox/%2e%2e/state/ledger.sqlite3", "/outbox/..%2fstate/users.sqlite3", "/static/../app.py",
                 "/outbox//etc/passwd"]:
        assert c.get(path).status_code == 404, path
    r = c.post("/record/" + "0" * 64 + "/accept", data={"csrf": token, "version": "0"})
    assert r.status_code == 404


def test_a_viewer_cannot_change_anything(settings: Settings) -> None:
    c = client(settings)
    login(c, "王五")
    sha = sha_of(settings, LETTER)
    page = c.get(f"/record/{sha}").text
    assert "核对无误，受理" not in page and "readonly" in page
    before = version(settings, sha)
    for action, data in [("correct", {"field": "local_contact", "value": "曾文斌"}), ("accept", {}),
                         ("reject", {"reason": "不清楚"}), ("kind", {"kind": "contract"})]:
        r = c.post(f"/record/{sha}/{action}", data={"csrf": csrf(page), "version": str(before), **data})
        assert r.status_code == 403 and "查看人员不能修改" in r.text
    assert version(settings, sha) == before


def test_five_wrong_passwords_pause_the_account(settings: Settings) -> None:
    c = client(settings, pause=2.0)
    for _ in range(5):
        r = login(c, "李四", "wrong-password")
        assert r.status_code == 401 and "用户名或密码不正确" in r.text
    r = login(c, "李四")   # the right password waits too
    assert r.status_code == 429 and "秒后再试" in r.text
    time.sleep(2.1)
    assert login(c, "李四").status_code == 303


def test_sessions_are_signed_and_expire(settings: Settings) -> None:
    c = client(settings, session_seconds=1)
    login(c, "张三")
    assert c.get("/").status_code == 200
    time.sleep(2.1)
    assert c.get("/").status_code == 303
    forged = client(settings)
    forged.cookies.set("pipeline_session", "eyJ1c2VyIjogIlx1NWYyMFx1NGUwOSIsICJyb2xlIjogIm9mZmljZXIifQ==")
    assert forged.get("/").status_code == 303


def test_the_second_of_two_officers_saving_a_record_is_told_and_nothing_is_lost(settings: Settings) -> None:
    a, b = client(settings), client(settings)
    login(a, "张三")
    login(b, "李四")
    sha = sha_of(settings, LETTER)
    page_a, page_b = a.get(f"/record/{sha}").text, b.get(f"/record/{sha}").text
    seen = re.search(r'name="version" value="(\d+)"', page_a).group(1)  # type: ignore[union-attr]
    r = a.post(f"/record/{sha}/correct", data={"csrf": csrf(page_a), "version": seen, "field": "experts", "value": "周炳生、谢洋、王强"})
    assert r.status_code == 303 and "err" not in r.headers["location"]
    r = b.post(f"/record/{sha}/correct", data={"csrf": csrf(page_b), "version": seen, "field": "experts", "value": "周炳生"})
    assert r.status_code == 409 and "已被张三修改" in r.text
    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        rec = ledger.record(sha)
        assert rec is not None and rec.fields.experts == "周炳生、谢洋、王强"  # type: ignore[union-attr]
        assert [c.by for c in rec.corrections][-1] == "张三"
    finally:
        ledger.close()


def test_a_bad_value_is_shown_in_chinese_and_not_saved(settings: Settings) -> None:
    c = client(settings)
    login(c, "张三")
    sha = sha_of(settings, LETTER)
    page = c.get(f"/record/{sha}").text
    seen = re.search(r'name="version" value="(\d+)"', page).group(1)  # type: ignore[union-attr]
    r = c.post(f"/record/{sha}/correct", data={"csrf": csrf(page), "version": seen, "field": "filled_on", "value": "2021年13月"},
               follow_redirects=True)
    assert "无法识别" in r.text
    assert version(settings, sha) == int(seen)


def test_the_digest_links_waiting_files_to_the_station(settings: Settings, tmp_path) -> None:
    import datetime as dt

    from pipeline.digest import refresh_digest

    ledger = Ledger(settings.ledger_path, lock=False)
    try:
        records = list(ledger.records())
    finally:
        ledger.close()
    sha = sha_of(settings, LETTER)
    _, page = refresh_digest(tmp_path, records, dt.date(2022, 2, 1), "http://127.0.0.1:8000")
    assert f'href="http://127.0.0.1:8000/record/{sha}"' in page.read_text(encoding="utf-8")
    _, page = refresh_digest(tmp_path, records, dt.date(2022, 2, 1))
    assert "/record/" not in page.read_text(encoding="utf-8")   # without the station: the copies in 待处理/


def test_user_add_reads_the_password_from_stdin_and_keeps_only_a_hash(tmp_path) -> None:
    import subprocess
    import sys

    from pipeline.accounts import check, users_path

    def add(text: str, *extra: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "pipeline", "user", "add", "赵六", "--state", str(tmp_path), *extra],
                              input=text, capture_output=True, text=True, timeout=60)

    out = add("first-password\nother-password\n")
    assert out.returncode == 2 and "不一致" in out.stderr
    assert add("short\n").returncode == 2
    out = add("long-enough-pw\nlong-enough-pw\n", "--role", "viewer")
    assert out.returncode == 0, out.stderr
    assert b"long-enough-pw" not in users_path(tmp_path).read_bytes()
    assert check(tmp_path, "赵六", "long-enough-pw") == "viewer" and check(tmp_path, "赵六", "wrong-password") is None


def test_after_login_only_a_local_page_is_opened(settings: Settings) -> None:
    for target, expected in [("//evil.example/", "/"), ("/\\evil.example/", "/"), ("https://evil.example/", "/"),
                             ("/?kind=contract", "/?kind=contract")]:
        c = client(settings)
        token = csrf(c.get("/login").text)
        r = c.post("/login", data={"csrf": token, "name": "张三", "password": PASSWORD, "next": target})
        assert r.status_code == 303 and r.headers["location"] == expected, target


def test_make_run_takes_in_filings_before_any_account_exists(tmp_path: Path) -> None:
    """`make run` on a fresh machine (no account yet): the station says how to
    make one, and the watcher still records what is dropped in the inbox."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "承诺书.docx").write_bytes((Path(__file__).parent / "data" / "samples" / "doc_0022.docx").read_bytes())
    alone = subprocess.run([sys.executable, "-m", "pipeline", "serve", "--state", str(tmp_path / "state"), "--port", "0"],
                           capture_output=True, text=True, timeout=60)
    assert alone.returncode == 2 and "pipeline user add" in alone.stderr
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--watch", "--port", "0", "--inbox", str(inbox),
                             "--outbox", str(tmp_path / "outbox"), "--state", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, "PIPELINE_STABLE_SECONDS": "0.2"})
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and any(inbox.iterdir()):
            time.sleep(0.3)
        assert not any(inbox.iterdir()), "the watcher did not take the filing in"
        assert list((tmp_path / "state" / "archive").rglob("*承诺书.docx"))
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    assert "pipeline user add" in err


def test_serve_watch_stopped_by_sigterm_closes_the_watcher_and_exits_0(tmp_path: Path) -> None:
    """`systemctl stop` sends SIGTERM: the station stops, the watcher and its
    workers are closed in order, and the exit status says it stopped cleanly."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "serve", "--watch", "--port", "0", "--inbox", str(tmp_path / "in"),
                             "--outbox", str(tmp_path / "outbox"), "--state", str(tmp_path / "state")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and "审核工作站已启动" in proc.stdout.readline()
        time.sleep(1.0)  # the station listening
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "leaked" not in err  # the pool shut in order (killed by the signal, it left its semaphores)
