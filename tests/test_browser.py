"""The review station in a real browser (Debian's Chromium driven by
Playwright): an officer logs in, opens a 报告函 that needs review, corrects
the phone read wrongly, accepts, finds it again with the search box, and
the regenerated 报告函 carries the value."""

from __future__ import annotations

import time
from pathlib import Path

import docx
import pytest

from pipeline.accounts import add_user
from pipeline.background import BackgroundOutputs
from pipeline.batch import outputs_for
from pipeline.settings import Settings

from .review_fixtures import LETTER, replay, running_station, sha_of
from .system import chromium

AGENCY = "江苏恒正职业卫生检测有限公司"
PASSWORD = "审核-pass-2021"


def _letter_text(path: Path) -> str:
    try:
        return "".join(c.text for t in docx.Document(str(path)).tables for r in t.rows for c in r.cells)
    except Exception:  # not written yet, or being replaced
        return ""


@pytest.mark.slow
@pytest.mark.chromium
@pytest.mark.libreoffice(optional=True)
def test_an_officer_corrects_and_accepts_in_the_browser(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    settings: Settings = replay(tmp_path)
    add_user(settings.state, "张三", "officer", PASSWORD)
    outputs = outputs_for(settings)
    assert outputs is not None
    background = BackgroundOutputs(outputs, settings.ledger_path)
    sha = sha_of(settings, LETTER)
    letter = settings.outbox / AGENCY / "报告函.docx"
    try:
        with running_station(settings, background) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + "/")
            expect(page).to_have_url(url + "/login?next=%2F")
            page.get_by_label("用户名").fill("张三")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            expect(page.get_by_role("heading", name="待审核的材料")).to_be_visible()
            page.get_by_role("link", name=LETTER).click()
            expect(page).to_have_url(f"{url}/record/{sha}")
            expect(page.get_by_text("不是有效的手机号")).to_be_visible()
            expect(page.locator("figure.page img").first).to_have_js_property("complete", True)
            phone = page.get_by_label("法定代表人联系手机")
            phone.fill("15522583568")
            phone.press("Enter")                                   # Enter saves the field
            expect(page.get_by_text("已保存更正")).to_be_visible()
            page.get_by_role("button", name="核对无误，受理").click()
            expect(page.get_by_text("已受理。")).to_be_visible()
            expect(page.locator(".bar .badge")).to_have_text("已受理")
            box = page.get_by_label("全文检索")                    # the search box in the header
            box.fill("报告")
            box.press("Enter")
            expect(page.get_by_role("heading", name="全文检索")).to_be_visible()
            found = page.locator("tr", has=page.get_by_role("link", name=LETTER))
            expect(found.locator("td.snippet")).to_contain_text("【报告】")
            expect(page.get_by_label("全文检索")).to_have_value("报告")
            found.get_by_role("link", name=LETTER).click()
            expect(page).to_have_url(f"{url}/record/{sha}")
            browser.close()
        deadline = time.monotonic() + 240
        while "15522583568" not in _letter_text(letter) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        background.close()
    text = _letter_text(letter)
    assert "15522583568" in text and "1895679588" not in text
