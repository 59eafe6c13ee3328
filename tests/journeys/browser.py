"""Headless Debian Chromium driven by Selenium (the system chromedriver: nothing is downloaded), and the page
helpers the journeys share: explicit waits, screenshots, the accessibility and no-external-request checks.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyotp
from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from ght_soc import clock

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "journeys"
WAIT_SECONDS = 15
# Without the background-networking switches Chromium reaches out (updates, sync) and fails on a closed network.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--lang=fr-FR",
)
PHONE = (375, 812)
DESKTOP = (1280, 900)


@contextmanager
def chromium(
    profile: Path, size: tuple[int, int] = DESKTOP, *, phone: bool = False
) -> Iterator[webdriver.Chrome]:
    """A fresh headless Chromium (own profile, no cookies); `phone` emulates a 375×812 touch screen."""
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(flag)
    # Downloads land in the profile, so that the journeys can read a PDF the page offered.
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(profile / "downloads"), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        if phone:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": size[0], "height": size[1], "deviceScaleFactor": 2, "mobile": True},
            )
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(profile / "downloads")}
        )
        yield driver
    finally:
        driver.quit()


@dataclass
class Authenticator:
    """The phone's TOTP app: codes on the hub's clock, never one of a step already used (the hub refuses replays)."""

    secret: str
    last_step: int = -1

    def code(self) -> str:
        totp = pyotp.TOTP(self.secret, interval=30)
        deadline = time.monotonic() + 35
        while True:
            current = totp.timecode(clock.now())
            step = max(current - 1, self.last_step + 1)  # the hub takes one step either side of now
            if step <= current + 1:
                self.last_step = step
                return totp.generate_otp(step)
            assert time.monotonic() < deadline, "no fresh TOTP step"
            time.sleep(0.5)


class Browser:
    """One person's browser on the hub: navigation, forms, waits and the checks of each key page."""

    def __init__(self, driver: webdriver.Chrome, base_url: str, journey: str) -> None:
        self.driver, self.base_url, self.journey = driver, base_url, journey

    # --- navigation and waits ---------------------------------------------------------------------------
    def go(self, path_or_url: str) -> None:
        url = path_or_url if path_or_url.startswith("http") else self.base_url + path_or_url
        self.driver.get(url)

    def wait(self, condition: Callable[[webdriver.Chrome], Any], what: str) -> Any:
        try:
            # A page being replaced by the next one: its elements go stale or missing for a moment, and Chromium
            # sometimes reports a node of the replaced document as a generic inspector error instead.
            ignored = (StaleElementReferenceException, NoSuchElementException, WebDriverException)
            waiting = WebDriverWait(self.driver, WAIT_SECONDS, poll_frequency=0.1, ignored_exceptions=ignored)
            return waiting.until(condition)
        except TimeoutException:
            shot = self.screenshot("timeout")
            raise AssertionError(
                f"waited for {what} on {self.path()}: {self.flashes()} (see {shot})"
            ) from None

    def wait_heading(self, text: str) -> None:
        """Wait until the page's h1 contains `text` (a page loaded after a click or a redirect)."""
        self.wait(
            lambda d: any(text in h.text for h in d.find_elements(By.TAG_NAME, "h1")), f"the heading {text!r}"
        )

    def path(self) -> str:
        return str(self.driver.execute_script("return location.pathname + location.search"))

    def h1(self) -> str:
        return str(self.driver.find_element(By.TAG_NAME, "h1").text)

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def flashes(self) -> list[str]:
        return [e.text for e in self.all("p.flash")]

    # --- forms --------------------------------------------------------------------------------------------
    def field(self, label: str) -> WebElement:
        """The control a visible label names (exact text, a trailing " *" for required fields allowed)."""
        for candidate in self.all("label"):
            if candidate.text.strip().removesuffix(" *") == label:
                target = candidate.get_attribute("for")
                assert target, f"label {label!r} names no control"
                return self.driver.find_element(By.ID, target)
        raise AssertionError(f"no field labelled {label!r} on {self.path()}")

    def type(self, label: str, text: str) -> None:
        control = self.field(label)
        control.clear()
        control.send_keys(text)

    def button(self, text: str, within: WebElement | None = None) -> WebElement:
        scope = within or self.driver
        for candidate in scope.find_elements(By.CSS_SELECTOR, "button"):
            if candidate.text.strip() == text:
                return candidate
        raise AssertionError(f"no button {text!r} on {self.path()}")

    def click(self, element: WebElement) -> None:
        """Click after scrolling the element to the middle of the screen (a phone shows little at once)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
        element.click()

    def press(self, text: str, within: WebElement | None = None) -> None:
        self.click(self.button(text, within))

    def login(self, login: str, password: str) -> None:
        """The login page, filled with the keyboard: tab to the button, check its focus ring, press Enter."""
        if not self.path().startswith("/login"):  # a login page reached by a redirect keeps its `next`
            self.go("/login")
        self.wait_heading("Se connecter")
        self.type("Identifiant", login)
        self.type("Mot de passe", password)
        self.field("Mot de passe").send_keys(Keys.TAB)
        focused = self.driver.switch_to.active_element
        assert focused.text.strip() == "Se connecter", "Tab from the password goes to the login button"
        assert self.focus_ring(focused), "the focused login button shows a visible focus ring"
        focused.send_keys(Keys.ENTER)
        self.wait(lambda d: "/login" != self.path(), "the page after the password")

    def focus_ring(self, element: WebElement) -> bool:
        style = self.driver.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth, s.boxShadow]",
            element,
        )
        outline_style, outline_width, shadow = style
        return (outline_style != "none" and outline_width not in ("0px", "")) or shadow != "none"

    # --- checks of a key page -------------------------------------------------------------------------------
    def key_page(self, name: str, *, max_width: int | None = None) -> None:
        """Screenshot the page, then check it is accessible, offline and (on a phone) not wider than the screen."""
        self.screenshot(name)
        problems = self.driver.execute_script(ACCESSIBILITY_SCRIPT)
        assert problems == [], f"{name} ({self.path()}): {problems}"
        foreign = [u for u in self.loaded_urls() if not u.startswith((self.base_url + "/", "data:"))]
        assert foreign == [], f"{name}: requests outside the hub {foreign}"
        if max_width is not None:
            width = int(self.driver.execute_script("return document.scrollingElement.scrollWidth"))
            wide = self.driver.execute_script(WIDER_THAN_SCRIPT, max_width) if width > max_width + 2 else []
            assert width <= max_width + 2, f"{name}: {width}px wide on a {max_width}px screen: {wide}"

    def loaded_urls(self) -> list[str]:
        """The page itself and every resource it loaded (Performance API)."""
        return list(
            self.driver.execute_script(
                "return performance.getEntriesByType('navigation').concat("
                "performance.getEntriesByType('resource')).map(e => e.name)"
            )
        )

    def screenshot(self, name: str) -> Path:
        """The whole page as a PNG under test-artifacts/journeys/ (kept by the CI)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
        size = metrics["cssContentSize"]
        shot = self.driver.execute_cdp_cmd(
            "Page.captureScreenshot",
            {
                "format": "png",
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1},
            },
        )
        path = ARTIFACTS / f"{self.journey}-{name}.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        return path


# In the page: French, named controls, images with a text alternative, headings from h1 without gaps.
ACCESSIBILITY_SCRIPT = """
const problems = [];
if (document.documentElement.lang !== 'fr') problems.push('html lang is ' + document.documentElement.lang);
const named = el => {
  if ((el.getAttribute('aria-label') || '').trim()) return true;
  const by = el.getAttribute('aria-labelledby');
  if (by && by.split(/\\s+/).some(id => (document.getElementById(id)?.textContent || '').trim())) return true;
  if (el.labels && Array.from(el.labels).some(l => l.textContent.trim())) return true;
  if ((el.getAttribute('title') || '').trim()) return true;
  if (el.tagName === 'BUTTON' || el.tagName === 'A') return el.textContent.trim().length > 0;
  return false;
};
for (const el of document.querySelectorAll('input, select, textarea, button, a[href]')) {
  if (el.type === 'hidden') continue;
  if (!named(el)) problems.push('no accessible name: ' + el.outerHTML.slice(0, 120));
}
for (const img of document.querySelectorAll('img')) {
  if (!img.hasAttribute('alt')) problems.push('image without alt: ' + img.outerHTML.slice(0, 120));
}
const headings = Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6')).map(h => Number(h.tagName[1]));
if (headings[0] !== 1) problems.push('the first heading is h' + headings[0]);
for (let i = 1; i < headings.length; i++) {
  if (headings[i] > headings[i - 1] + 1) problems.push('heading h' + headings[i] + ' follows h' + headings[i - 1]);
}
// WCAG 2.1 contrast (1.4.3): 4.5:1 for text, 3:1 for large text, against the first opaque background up.
const rgb = text => (text.match(/[0-9.]+/g) || []).map(Number);
const luminance = ([r, g, b]) => {
  const channel = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
};
const background = el => {
  for (let node = el; node; node = node.parentElement) {
    const color = rgb(getComputedStyle(node).backgroundColor);
    if (color.length === 3 || (color.length === 4 && color[3] >= 0.99)) return color.slice(0, 3);
  }
  return [255, 255, 255];
};
let lowContrast = 0;
for (const el of document.querySelectorAll('body *')) {
  const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
  const style = getComputedStyle(el);
  if (!own || style.visibility === 'hidden' || style.display === 'none' || !el.getClientRects().length) continue;
  const fore = luminance(rgb(style.color).slice(0, 3)), back = luminance(background(el));
  const ratio = (Math.max(fore, back) + 0.05) / (Math.min(fore, back) + 0.05);
  const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
  const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
  if (ratio < needed && lowContrast++ < 5) {
    problems.push('contrast ' + ratio.toFixed(2) + ' < ' + needed + ': ' + el.outerHTML.slice(0, 100));
  }
}
return problems;
"""

# The innermost elements that stick out past the right edge of a `max` px wide screen.
WIDER_THAN_SCRIPT = """
const max = arguments[0];
return Array.from(document.querySelectorAll('body *'))
  .filter(el => el.getBoundingClientRect().right > max + 2)
  .filter(el => !Array.from(el.children).some(c => c.getBoundingClientRect().right > max + 2))
  .slice(0, 5).map(el => el.outerHTML.slice(0, 100) + ' → ' + Math.round(el.getBoundingClientRect().right));
"""
