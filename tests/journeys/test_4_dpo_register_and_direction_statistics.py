"""Journey 4: the CHU's data-protection officer reads the breach register on a phone; its direction reads who
may file, the declarations of the group and the year in the observatory's terms.

The DPO (the CHU's own, an establishment role: no second factor) opens the register from the declarations,
finds the demo's entries and opens one; the director (the demo's `directeur`) reads the mandates page, the
group's declarations and the year's statistics beside the national reference. Every page is checked like the
others: accessible, offline, and on the phone no wider than its screen.
"""

from __future__ import annotations

from collections.abc import Callable

from selenium.webdriver.common.by import By
from sqlalchemy import select

from ght_soc.access import SYSTEM
from ght_soc.database import db
from ght_soc.domain import Role
from ght_soc.models import Establishment
from ght_soc.services.users import create_user
from tests.journeys.browser import PHONE, Browser
from tests.journeys.hub import LiveHub


def test_the_dpo_reads_the_breach_register_on_a_phone(
    hub: LiveHub, open_browser: Callable[..., Browser]
) -> None:
    with db.session_for(SYSTEM, hub.app) as session:
        chu = session.scalars(select(Establishment).where(Establishment.is_support.is_(True))).one()
        create_user(
            session=session,
            login="dpo-chu",
            display_name="Délégué à la protection des données du CHU",
            password=hub.password,
            grants=[(Role.DPO, chu)],
        )
    dpo = open_browser("4-dpo", phone=True)
    dpo.login("dpo-chu", hub.password)
    dpo.wait_heading("Vue d'ensemble du GHT")
    dpo.go("/declarations/")
    dpo.click(dpo.driver.find_element(By.PARTIAL_LINK_TEXT, "Registre des violations"))
    dpo.wait_heading("Registre des violations de données personnelles")
    dpo.key_page("breach-register", max_width=PHONE[0])
    rows = dpo.all("table tbody tr")
    assert rows and all("CHU" in r.text or "universitaire" in r.text for r in rows), "the CHU's entries only"
    dpo.click(rows[0].find_element(By.TAG_NAME, "a"))
    dpo.wait(lambda d: dpo.all("h1") and "VDP-" in dpo.h1(), "an entry of the register")
    dpo.key_page("breach-entry", max_width=PHONE[0])


def test_the_direction_reads_mandates_the_group_and_the_years_statistics(
    hub: LiveHub, open_browser: Callable[..., Browser]
) -> None:
    direction = open_browser("4-direction")
    direction.login("directeur", hub.password)
    direction.wait_heading("Vue d'ensemble du GHT")
    direction.go("/declarations/mandates/")
    direction.wait_heading("Déclarants et délégations")
    direction.key_page("mandates")
    page = direction.find("main").text
    assert "Directeur général" in page and "En vigueur" in page and "Délégation" in page
    direction.go("/declarations/group")
    direction.wait_heading("Déclarations du groupe")
    direction.key_page("declarations-of-the-group")
    direction.go("/declarations/statistics")
    direction.wait(
        lambda d: direction.all("h1") and direction.h1().startswith("Statistiques des déclarations"),
        "the year",
    )
    direction.key_page("statistics")
    assert "581" in direction.find("main").text, "the national reference line"
