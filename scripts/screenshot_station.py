"""Screenshots of the review station for the README: the queue and the
record page of a 报告函 that needs review (docs/review-queue.png,
docs/review-record.png), over the text samples replayed in order.

    .venv/bin/python scripts/screenshot_station.py [--out docs]

Needs Chromium (Debian: `apt-get install chromium`) and Playwright (`pip install playwright`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.accounts import add_user  # noqa: E402  (after the sys.path line)
from tests.review_fixtures import LETTER, TRUTH, replay, running_station, sha_of  # noqa: E402
from tests.system import chromium  # noqa: E402

PASSWORD = "demo-password"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        names = [n for n, t in TRUTH.items() if t["rendering"] in ("docx", "pdf", "xlsx")]
        settings = replay(Path(tmp), names)
        add_user(settings.state, "张三", "officer", PASSWORD)
        with running_station(settings) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium(), args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 1400, "height": 820})
            page.goto(url + "/login")
            page.get_by_label("用户名").fill("张三")
            page.get_by_label("密码").fill(PASSWORD)
            page.get_by_role("button", name="登录").click()
            page.wait_for_selector("table.queue")
            page.screenshot(path=str(args.out / "review-queue.png"))
            page.goto(f"{url}/record/{sha_of(settings, LETTER)}")
            page.wait_for_function("document.querySelector('figure.page img').complete")
            page.get_by_label("法定代表人联系手机").focus()
            page.screenshot(path=str(args.out / "review-record.png"))
            browser.close()
    print(args.out / "review-queue.png", args.out / "review-record.png")


if __name__ == "__main__":
    main()
