"""The demo's family account in the portal (checked on the seeded demo district, tests/demo)."""


def check_the_demo_family_is_linked_with_consent_and_sees_its_elder_in_the_portal(client):
    """The demo's family login is linked to one elder through ``FamilyLink``, its consent recorded as
    given in person to the community's worker; it lands on the portal and sees that elder only."""
    from shouwang.accounts.models import User
    from shouwang.elders.models import FamilyLink

    family = User.objects.get(username="family")
    link = FamilyLink.objects.select_related("elder", "consent_by").get(user=family)
    assert (link.consent_way, link.consent_by.username) == ("in_person", "worker")
    client.force_login(family)
    assert client.get("/")["Location"] == "/portal/"
    assert [e["id"] for e in client.get("/api/v1/me/elders").json()] == [link.elder_id]
    assert link.elder.name in client.get("/portal/").content.decode()
    assert client.get(f"/portal/elders/{link.elder_id}/money/").status_code == 200
