"""Screenshots of the main pages for every demo role, to look at the product as users do.

Usage: python -m tests.tools.screenshots [BASE_URL] [OUT_DIR]   (server must be running)
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.conftest import CHROMIUM_ARGS

DEMO_PASSWORD = "dualflow-demo"
ROLES = ["admin", "coordinator", "company", "mentor", "sector"]
VIEWPORTS = {"desktop": (1280, 800), "phone": (390, 844)}


def capture(base_url: str, out_dir: Path, extra_paths: dict[str, list[str]] | None = None) -> None:
    """Log in as each demo user and save the dashboard (and extra pages) per viewport."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=CHROMIUM_ARGS)
        for label, (width, height) in VIEWPORTS.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(f"{base_url}/login")
            page.screenshot(path=out_dir / f"login-{label}.png", full_page=True)
            context.close()
            for role in ROLES:
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{base_url}/login")
                page.fill("input[name=email]", f"{role}@dualflow.demo")
                page.fill("input[name=password]", DEMO_PASSWORD)
                page.click("button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.screenshot(path=out_dir / f"{role}-dashboard-{label}.png", full_page=True)
                for index, path in enumerate((extra_paths or {}).get(role, [])):
                    page.goto(f"{base_url}{path}")
                    page.screenshot(path=out_dir / f"{role}-{index}-{label}.png", full_page=True)
                context.close()
        browser.close()


if __name__ == "__main__":
    capture(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:5000",
            Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/shots"))
