"""Journey 2: the on-call engineer at night, on a phone-sized window (375×812).

A CHU workstation deletes its shadow copies: the line reaches the real listener, the Sigma rule raises an alert,
the scheduler's playbook tick opens the incident and starts the shipped `rancongiciel` playbook by itself. Nobody
isolates the machine within its 15 minutes: the next tick escalates to the administrator on duty, whose mail
leaves through the outbox and a real SMTP server. He opens the mail's link on his phone, logs in (first login:
authenticator set-up), works his steps, deposits a photo, writes the main courante and answers the Internet
cut-off approval after proving his identity again.

The escalation of `isoler` goes to the administrator on duty, and the cut-off approval is for the RSSI or an
administrator: the night's person is the demo's `admin` account (also on the demo's weekly on-call rota), given
tonight's administrator-on-duty shift as a swap would.
"""

from __future__ import annotations

import json
import re
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By
from sqlalchemy import select

from ght_soc import clock
from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.models import Alert, User
from ght_soc.models.oncall import EscalationLevel
from ght_soc.scheduler import deliver_notifications, tick_playbooks
from ght_soc.services.oncall import create_shift
from tests.journeys.browser import PHONE, Browser
from tests.journeys.hub import LiveHub
from tests.journeys.test_1_rssi_morning_review import enrol_and_log_in

SHADOW_COPIES_RULE = "9a82c028-7774-552a-abcc-e52c7048dd9c"  # config/rules/windows_ransomware.yml
PHONE_WIDTH = PHONE[0]
LATER = timedelta(minutes=16)  # past the 15 minutes `isoler` is given
SESSION_AGE = timedelta(minutes=11)  # past hub.reauth_minutes (10): the approval asks for the password again


def give_tonight_to(hub: LiveHub, login: str) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        user = session.scalars(select(User).where(User.login == login)).one()
        now = clock.now()
        create_shift(
            session,
            level=EscalationLevel.ADMINISTRATOR_ON_DUTY,
            user_id=user.id,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=12),
            comment="échange de garde (parcours de test)",
            now=now,
        )


def shadow_copies_deleted(hub: LiveHub, host: str) -> None:
    """A winlogbeat 4688 line from the CHU (127.0.0.1 is one of its log senders) to the listener, over UDP."""
    stamp = clock.now().astimezone(ZoneInfo("Europe/Paris")).strftime("%b %d %H:%M:%S")
    event = {
        "winlog": {
            "event_id": 4688,
            "computer_name": host,
            "event_data": {
                "NewProcessName": "C:\\Windows\\System32\\vssadmin.exe",
                "CommandLine": "vssadmin.exe Delete Shadows /All /Quiet",
            },
        }
    }
    line = f"<134>{stamp} collector winlogbeat: {json.dumps(event)}"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.sendto(line.encode(), ("127.0.0.1", hub.listener_ports["syslog-udp"]))
    deadline = time.monotonic() + 10
    while not _alert_raised(hub):
        assert time.monotonic() < deadline, "no alert from the shadow copy deletion"
        time.sleep(0.1)


def _alert_raised(hub: LiveHub) -> bool:
    with db.session_for(SYSTEM, hub.app) as session:
        return (
            session.scalars(select(Alert.id).where(Alert.rule_id == SHADOW_COPIES_RULE)).first() is not None
        )


def escalation_link(hub: LiveHub, to: str) -> str:
    for received in hub.mailbox.received:
        subject = str(received.message["Subject"])
        if to in received.rcpt_tos and "Escalade" in subject and "Isoler" in subject:
            body = received.message.get_body(("plain",))
            assert body is not None
            found = re.search(r"https?://\S+", body.get_content())
            assert found, "the escalation mail carries a link"
            return found.group(0)
    raise AssertionError(
        f"no escalation mail to {to}: {[str(r.message['Subject']) for r in hub.mailbox.received]}"
    )


def written(browser: Browser, entry: str) -> Callable[[object], bool]:
    return lambda _driver: entry in browser.find("ol.timeline").text


def deposit(browser: Browser, path: Path, description: str) -> None:
    """Upload a file as evidence through the incident page's file input."""
    browser.field("Fichier (photo, export, journal)").send_keys(str(path))
    browser.type("Description", description)
    browser.press("Déposer")
    browser.wait(lambda d: path.name in browser.find("#evidence + table").text, f"the evidence {path.name}")


def complete(browser: Browser, step: str, answers: dict[str, str] | None = None) -> None:
    card = browser.find(f"#step-{step}")
    for label, value in (answers or {}).items():
        browser.type(label, value)
    browser.press("Fait", within=card)
    browser.wait(lambda d: "Enregistré." in browser.flashes(), f"the step {step} recorded")


def test_the_on_call_engineer_works_an_escalated_ransomware_playbook_from_a_phone(
    hub: LiveHub, open_browser: Callable[..., Browser], tmp_path: Path
) -> None:
    give_tonight_to(hub, "admin")
    shadow_copies_deleted(hub, "PC-URG-07")
    hub.run_job(tick_playbooks)  # opens the incident and starts the playbook
    hub.run_job(tick_playbooks, at=clock.now() + LATER)  # nobody isolated the machine in time
    hub.run_job(deliver_notifications, at=clock.now() + LATER)
    link = escalation_link(hub, "admin@chu-demo.invalid")
    assert link.startswith(hub.url + "/incidents/") and link.endswith("#step-isoler"), link

    browser = open_browser("2-astreinte", phone=True)
    browser.go(link)
    browser.wait_heading("Se connecter")
    browser.key_page("login", max_width=PHONE_WIDTH)
    authenticator = enrol_and_log_in(browser, hub, "admin", landing="Rançongiciel — premiers gestes")
    browser.key_page("run", max_width=PHONE_WIDTH)
    assert "Lancé par ght-soc" in browser.find("main").text  # started by the hub: anyone may approve
    assert "escaladée 1 fois" in browser.find("#step-isoler").text

    # From the phone, on the incident: the ransom note's photo, then two lines of main courante.
    browser.click(browser.driver.find_element(By.PARTIAL_LINK_TEXT, "INC-"))
    browser.wait(lambda d: browser.all("#evidence"), "the incident page")
    photo = tmp_path / "note-de-rancon.png"
    photo.write_bytes(browser.driver.get_screenshot_as_png())
    deposit(browser, photo, "Photo de l'écran du PC-URG-07")
    for entry in ("03 h 20 : PC-URG-07 débranché du réseau", "03 h 25 : sauvegardes déconnectées"):
        browser.type("Entrée de main courante", entry)
        browser.press("Ajouter à la main courante")
        browser.wait(written(browser, entry), "the main courante entry")
    browser.key_page("incident", max_width=PHONE_WIDTH)
    incident_url = browser.driver.current_url

    browser.click(browser.driver.find_element(By.LINK_TEXT, "Mes étapes"))
    browser.wait_heading("Mes étapes")
    browser.key_page("my-steps", max_width=PHONE_WIDTH)
    assert "Isoler la machine du réseau, sans l'éteindre" in browser.find("#step-isoler").text
    complete(browser, "isoler", {"Nombre de machines touchées repérées": "3"})

    browser.go(incident_url)
    logs = tmp_path / "journaux-pare-feu.txt"
    logs.write_text("2026-11-29T03:12:00 deny 10.37.4.7 -> 203.0.113.9:443\n", encoding="utf-8")
    deposit(browser, logs, "Export des journaux du pare-feu")
    browser.go("/my-steps")
    complete(browser, "preuves")

    real_now = clock.now
    with mock.patch.object(clock, "now", lambda: real_now() + SESSION_AGE):
        browser.press("Oui, couper l'accès Internet du site", within=browser.find("#step-couper_internet"))
        browser.wait_heading("Confirmez votre identité")
        browser.key_page("reauth", max_width=PHONE_WIDTH)
        browser.type("Mot de passe", hub.password)
        browser.type("Code de votre application d'authentification, ou code de secours", authenticator.code())
        browser.press("Confirmer")
        browser.wait_heading("Rançongiciel — premiers gestes")  # back to the page the decision was taken on
        browser.press("Oui, couper l'accès Internet du site", within=browser.find("#step-couper_internet"))
        browser.wait(lambda d: "Enregistré." in browser.flashes(), "the decision recorded")
    assert "couper" in browser.find("#step-couper_internet").text
    browser.go("/my-steps")
    complete(browser, "coupure")
    browser.go("/my-steps")
    waiting = browser.find("main").text
    assert "Décision d'extinction" in waiting and "Couper l'accès Internet du site" not in waiting
