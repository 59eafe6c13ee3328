"""Journey 3: the head establishment reports as an OSE (opérateur de services essentiels).

The demo's ransomware incident on the shared IS left pre-filled declarations with running clocks. The pooled DPO
reviews the CHU's GDPR notification; the director's delegate (DECLARANT of the CHU) completes the missing fields
of the CHU's three initial declarations, approves each (the hub asks for the password again: the session is
older than ten minutes), downloads the PDF, records what was filed on the portals with their references, and
the OSE view then shows the group's state.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from unittest import mock

from selenium.webdriver.common.by import By

from ght_soc import clock
from tests.journeys.browser import Browser
from tests.journeys.hub import LiveHub
from tests.journeys.test_1_rssi_morning_review import enrol_and_log_in

CHU = "CHU Tours (démo)"
# (link text on the OSE view, portal, the recipient's reference)
FILINGS = (
    (
        "Incident SI de santé (CERT Santé) — Déclaration initiale",
        "portail de signalement santé",
        "PSIS-2026-004217",
    ),
    ("OSE NIS 1 (ANSSI) — Déclaration d'incident", "portail de l'ANSSI", "ANSSI-2026-0912"),
    ("RGPD art. 33 (CNIL) — Notification initiale", "téléservice de la CNIL", "CNIL-NV-2026-118"),
)
SESSION_AGE = timedelta(minutes=11)


def open_declaration(browser: Browser, link_text: str) -> None:
    """From the OSE view, the CHU's row of that declaration."""
    browser.go("/declarations/")
    browser.wait_heading("Déclarations")
    for row in browser.all("table tbody tr"):
        if CHU in row.text and link_text in row.text:
            browser.click(row.find_element(By.PARTIAL_LINK_TEXT, link_text.split(" — ")[0]))
            browser.wait(lambda d: browser.all("dl.facts"), f"the declaration {link_text}")
            return
    raise AssertionError(f"{link_text} of the CHU is not on the OSE view")


def fill_missing(browser: Browser) -> int:
    """Give each required blank field a value of its kind; returns how many were filled."""
    filled = 0
    for label in browser.all("form.stack label"):
        if not label.text.endswith(" *"):
            continue
        control = browser.driver.find_element(By.ID, str(label.get_attribute("for")))
        if control.get_attribute("value"):
            continue
        kind = control.tag_name if control.tag_name != "input" else control.get_attribute("type")
        if kind == "select":
            options = [o for o in control.find_elements(By.TAG_NAME, "option") if o.get_attribute("value")]
            browser.click(control)
            browser.click(options[0])
        elif kind == "datetime-local":
            at = clock.now().strftime("%Y-%m-%dT%H:%M")
            browser.driver.execute_script("arguments[0].value = arguments[1]", control, at)
        elif kind == "number":
            control.send_keys("25000")
        else:
            control.send_keys(f"{label.text.removesuffix(' *')} : renseigné par la direction du CHU")
        filled += 1
    return filled


def downloaded_pdf(browser: Browser, folder: Path) -> bytes:
    before = set(folder.glob("*.pdf")) if folder.exists() else set()
    browser.click(browser.driver.find_element(By.LINK_TEXT, "Télécharger le PDF"))
    deadline = time.monotonic() + 15
    while True:
        new = set(folder.glob("*.pdf")) - before if folder.exists() else set()
        if new and not list(folder.glob("*.crdownload")):
            return new.pop().read_bytes()
        assert time.monotonic() < deadline, "no PDF downloaded"
        time.sleep(0.1)


def shows(browser: Browser, text: str) -> Callable[[object], bool]:
    return lambda _driver: text in browser.find("dl.facts").text


def approve(browser: Browser, hub: LiveHub) -> None:
    browser.press("Approuver")
    browser.wait(lambda d: browser.all("h1"), "the page after approval")
    if "Confirmez votre identité" in browser.h1():
        browser.key_page("reauth")
        browser.type("Mot de passe", hub.password)
        browser.press("Confirmer")
        browser.wait(lambda d: browser.all("dl.facts"), "the declaration again")
        browser.press("Approuver")
    browser.wait(lambda d: "approuvée" in browser.find("dl.facts").text, "the approval")


def test_the_directors_delegate_completes_approves_and_records_the_chus_declarations(
    hub: LiveHub, open_browser: Callable[..., Browser], tmp_path: Path
) -> None:
    browser = open_browser("3-directeur")
    browser.login("directeur", hub.password)
    browser.wait_heading("Vue d'ensemble du GHT")
    browser.click(browser.driver.find_element(By.LINK_TEXT, "Déclarations"))
    browser.wait_heading("Déclarations")
    browser.key_page("ose-overview")
    rows = browser.all("table tbody tr")
    assert rows and all(CHU in r.text for r in rows), "a declarant of the CHU sees the CHU's clocks only"
    for number, (link_text, _channel, _reference) in enumerate(FILINGS):
        open_declaration(browser, link_text)
        if number == 0:
            browser.key_page("declaration")
        assert fill_missing(browser) > 0, f"{link_text}: the demo leaves fields to complete"
        browser.press("Enregistrer le brouillon")
        browser.wait(lambda d: not browser.all("#missing-title"), f"{link_text}: every required field given")

    dpo = open_browser("3-dpo")  # the GDPR notification, once complete, is reviewed by the pooled DPO
    enrol_and_log_in(dpo, hub, "dpo")
    open_declaration(dpo, FILINGS[2][0])
    dpo.press("Relu par le DPO")
    dpo.wait(lambda d: "Sophie Bernard" in dpo.find("dl.facts").text, "the DPO's review")

    downloads = Path(str(browser.driver.capabilities["chrome"]["userDataDir"])) / "downloads"
    real_now = clock.now
    for number, (link_text, channel, reference) in enumerate(FILINGS):
        open_declaration(browser, link_text)
        # The delegate went for a coffee: approving and filing now need the password again.
        with mock.patch.object(clock, "now", lambda: real_now() + SESSION_AGE):
            approve(browser, hub)
            pdf = downloaded_pdf(browser, downloads)
            assert pdf.startswith(b"%PDF-"), f"{link_text}: the download is a PDF"
            at = real_now().astimezone().strftime("%Y-%m-%dT%H:%M")
            browser.driver.execute_script("arguments[0].value = arguments[1]", browser.find("#sent-at"), at)
            browser.type("Canal (portail, papier à l'ARS, téléphone)", channel)
            browser.type("Référence du destinataire", reference)
            browser.press("Enregistrer comme envoyée")
            browser.wait(shows(browser, reference), f"{link_text}: filed")
        if number == 0:
            browser.key_page("declaration-sent")

    browser.go("/declarations/")
    browser.wait_heading("Déclarations")
    browser.key_page("ose-overview-after")
    state = browser.find("table tbody").text
    for link_text, _channel, _reference in FILINGS:
        assert link_text not in state, f"{link_text} was filed: its clock no longer runs"
    assert "Déclaration complémentaire" in state or "Notification complémentaire" in state, state
