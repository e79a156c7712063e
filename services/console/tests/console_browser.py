"""Headless Chromium from the system packages (`chromium`, `chromium-driver`) driven by Selenium; axe-core in pages."""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.wait import WebDriverWait

AXE = Path(__file__).parent / "vendor" / "axe-4.11.4.min.js"
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "console"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
    "--lang=zh-CN",
)


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
  .then((r) => done(JSON.stringify(r.violations)))
  .catch((e) => done(JSON.stringify([{id: "axe-error", impact: "critical", description: String(e)}])));
"""


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here (None: they can)."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is missing: install the Debian packages chromium and chromium-driver"
    return None


def downloaded(downloads: Path, name: str, *, timeout: float = 30.0) -> Path:
    """The file `name` once Chromium has finished saving it into `downloads`. Chromium reserves the name with an
    empty file as the download starts and writes into a `.crdownload` beside it until the end: the name alone
    appearing does not mean the content is there."""
    target = downloads / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.exists() and target.stat().st_size > 0 and not any(downloads.glob("*.crdownload")):
            return target
        time.sleep(0.2)
    raise AssertionError(f"{name} not downloaded in {timeout:.0f}s: {sorted(p.name for p in downloads.iterdir())}")


@contextmanager
def chromium(downloads: Path) -> Iterator[WebDriver]:
    """A fresh headless Chromium (its own profile folder) that saves downloads into `downloads`."""
    profile = tempfile.mkdtemp(prefix="courtlink-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "intl.accept_languages": "zh-CN",
        },
    )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver: WebDriver, css: str, timeout: float = 30) -> Any:
    """The first element matching `css` once it is visible."""
    return WebDriverWait(driver, timeout).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_text(driver: WebDriver, css: str, text: str, timeout: float = 30) -> None:
    WebDriverWait(driver, timeout).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
    )


def screenshot(driver: WebDriver, name: str) -> Path:
    """A full-page screenshot kept as a test artefact under test-artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = driver.execute_script("return Math.max(document.body.scrollHeight, 800)")
    driver.set_window_size(1280, min(int(height) + 40, 6000))
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def axe_violations(driver: WebDriver) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the current page (WCAG 2.1 A and AA rules)."""
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(AXE_RUN)
    violations: list[dict[str, Any]] = json.loads(result)
    return [v for v in violations if v.get("impact") in ("serious", "critical")]


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['id']} ({v['impact']}): {v.get('help', v.get('description', ''))} — "
        + "; ".join(
            n.get("target", [""])[0] if isinstance(n.get("target"), list) else "" for n in v.get("nodes", [])[:3]
        )
        for v in violations
    )
