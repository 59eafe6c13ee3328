"""Journey 1: the pooled GHT RSSI's morning review, in a desktop Chromium.

She sets up her authenticator at her first login, logs in again with a code, reads the GHT overview (alerts per
establishment, running declaration clocks, connector health, overdue obligations), acknowledges alerts in bulk
and opens one incident from two alerts of two establishments.
"""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from ght_soc.services.demo import _ALERTS
from tests.journeys.browser import Authenticator, Browser
from tests.journeys.hub import LiveHub

DEMO_ALERTS = {title for _source, title, _severity in _ALERTS}


def enrol_and_log_in(
    browser: Browser, hub: LiveHub, login: str, landing: str = "Vue d'ensemble du GHT"
) -> Authenticator:
    """First login of a GHT-wide account: the set-up page, its key into the phone app, the recovery codes."""
    browser.login(login, hub.password)
    browser.wait_heading("Configurer une application d'authentification")
    browser.key_page("enrolment")
    assert browser.find("img[alt]").get_attribute("src").startswith("data:image/svg+xml")  # type: ignore[union-attr]
    authenticator = Authenticator(browser.find("code.secret").text.strip())
    hub.remember_secret(f"totp:{login}", authenticator.secret)
    browser.type("Code", authenticator.code())
    browser.press("Confirmer")
    browser.wait_heading("Codes de secours")
    codes = [c.text for c in browser.all("ul.recovery-codes code")]
    assert len(codes) == 10
    for number, code in enumerate(codes):
        hub.remember_secret(f"recovery:{login}:{number}", code)
    browser.click(browser.driver.find_element(By.LINK_TEXT, "Continuer"))
    browser.wait_heading(landing)
    return authenticator


def log_in_with_code(browser: Browser, hub: LiveHub, login: str, authenticator: Authenticator) -> None:
    browser.login(login, hub.password)
    browser.wait_heading("Code de vérification")
    browser.key_page("code")
    browser.type("Code", authenticator.code())
    browser.press("Vérifier")


def alert_rows(browser: Browser) -> list[tuple[str, str, str]]:
    """(checkbox id, establishment, status) of each demo alert listed on the page (not those of the listener,
    which another journey's incident may have taken)."""
    rows = []
    for row in browser.all("table tbody tr"):
        box = row.find_element(By.CSS_SELECTOR, "input[type=checkbox]")
        cells = row.find_elements(By.TAG_NAME, "td")
        if cells[3].text.strip() in DEMO_ALERTS:
            rows.append((str(box.get_attribute("id")), cells[4].text.strip(), cells[5].text.strip()))
    return rows


def test_the_rssi_enrols_reviews_the_ght_and_opens_one_incident_from_two_establishments_alerts(
    hub: LiveHub, open_browser: Callable[..., Browser]
) -> None:
    browser = open_browser("1-rssi")
    authenticator = enrol_and_log_in(browser, hub, "rssi")
    browser.press("Se déconnecter")
    browser.wait_heading("Se connecter")
    browser.key_page("login")
    log_in_with_code(browser, hub, "rssi", authenticator)

    browser.wait_heading("Vue d'ensemble du GHT")
    browser.key_page("overview")
    cards = browser.all("ul.cards > li.card")
    assert len(cards) == 8 and all(
        "alerte" in c.find_element(By.CSS_SELECTOR, ".alerts-count").text for c in cards
    )
    clocks = browser.all("section[aria-labelledby=clocks-title] li")
    assert clocks and all("INC-" in c.text for c in clocks), "the demo incident's clocks run"
    assert browser.all("section[aria-labelledby=connectors-title]")
    assert browser.all("section[aria-labelledby=obligations-title] li")

    browser.click(browser.driver.find_element(By.LINK_TEXT, "Alertes"))
    browser.wait_heading("Alertes")
    browser.key_page("alerts")
    rows = alert_rows(browser)
    by_establishment: dict[str, list[str]] = {}
    for box, establishment, _status in rows:
        by_establishment.setdefault(establishment, []).append(box)
    # Acknowledge in bulk the alerts of the establishment that has the most.
    busiest = max(by_establishment, key=lambda e: len(by_establishment[e]))
    acknowledged = by_establishment.pop(busiest)
    for box in acknowledged:
        browser.click(browser.find(f"#{box}"))
    Select(browser.field("Alertes cochées")).select_by_value("acknowledged")
    browser.press("Appliquer")
    browser.wait(lambda d: browser.flashes(), "the bulk result")
    assert any(f"{len(acknowledged)} alerte" in f for f in browser.flashes()), browser.flashes()
    statuses = {box: status for box, _e, status in alert_rows(browser)}
    assert all(statuses[box] != "Nouvelle" for box in acknowledged), statuses

    # One incident from two alerts of two other establishments.
    (first, a), (second, b) = [(e, boxes[0]) for e, boxes in list(by_establishment.items())[:2]]
    browser.click(browser.find(f"#{a}"))
    browser.click(browser.find(f"#{b}"))
    Select(browser.field("ou ouvrir un incident de catégorie")).select_by_value("account_compromise")
    browser.press("Ouvrir un incident")
    browser.wait(lambda d: "/incidents/" in browser.path(), "the new incident's page")
    browser.key_page("incident")
    names = browser.find("main h1 + p").text
    assert first in names and second in names, names
    assert any("ouvert" in f for f in browser.flashes()), browser.flashes()
