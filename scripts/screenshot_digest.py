"""Build a demo digest (the generated history of tests/test_digest.py) and save
a screenshot of its index.html as docs/digest.png, for the README.

    .venv/bin/python scripts/screenshot_digest.py [--out docs/digest.png] [--height 3000]

Needs Chromium (Debian: `apt-get install chromium`). The demo outbox is kept
in a temporary folder and printed, so the page and workbook can be opened.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.digest import refresh_digest  # noqa: E402  (after the sys.path line)
from tests.test_digest import AS_OF, History  # noqa: E402  (after the sys.path line)


def screenshot(page: Path, png: Path, width: int, height: int) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("未找到 chromium：请先安装（Debian：apt-get install chromium）。")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                        f"--user-data-dir={profile}", f"--screenshot={png}", f"--window-size={width},{height}",
                        page.resolve().as_uri()], check=True, capture_output=True, timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "digest.png")
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=3000)
    args = parser.parse_args()
    outbox = Path(tempfile.mkdtemp(prefix="digest-demo-"))
    workbook, page = refresh_digest(outbox, History().records, AS_OF)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    screenshot(page, args.out, args.width, args.height)
    print(f"{args.out}\n演示输出：{page}\n          {workbook}")


if __name__ == "__main__":
    main()
