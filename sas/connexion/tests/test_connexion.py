"""Issue 14, "logins": throttled per account and per address, a second factor for staff (optional for the others),
and a forgotten password that tells nobody which addresses have an account."""

import datetime
import html as htmllib

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from sas.connexion import services
from sas.connexion.testing import appareil, code_actuel
from sas.messagerie import envoi as messagerie
from sas.messagerie.models import MASQUE, Message, MessageStatus
from sas.organisations.factories import UserFactory, member
from sas.organisations.models import Role

pytestmark = pytest.mark.django_db
PASSWORD = "motdepasse-de-test"
LOGIN = "/connexion/"


def text(response):
    return htmllib.unescape(response.content.decode())


def log_in(client, email, password=PASSWORD, ip="203.0.113.7"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def logged_in(client):
    return "_auth_user_id" in client.session


def age_attempts(delta):
    """As if the failed attempts were made `delta` earlier."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= delta
        attempt.save(update_fields=["attempt_time"])


# Throttling


def test_thirty_wrong_passwords_then_the_right_one_does_not_log_in():
    user = member(Role.PRESCRIPTEUR)
    client = Client()
    for n in range(30):
        log_in(client, user.email, f"mauvais-{n}")
    response = log_in(client, user.email)
    assert response.status_code == 429 and not logged_in(client)
    html = text(response)
    assert "Trop de tentatives de connexion" in html
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"bloquée pendant {minutes} minutes" in html
    # After the cool-off the right password works again.
    age_attempts(settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1))
    response = log_in(client, user.email)
    assert response.status_code == 302 and logged_in(client)


def test_the_account_is_locked_from_every_address():
    user = member(Role.PRESCRIPTEUR)
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), user.email, "mauvais", ip=f"198.51.100.{n}")
    client = Client()
    assert log_in(client, user.email, ip="192.0.2.1").status_code == 429 and not logged_in(client)
    # Another account, from those addresses, is not locked.
    other = member(Role.PRESCRIPTEUR)
    assert log_in(Client(), other.email, ip="198.51.100.1").status_code == 302


def test_one_address_trying_many_accounts_is_locked():
    users = [member(Role.PRESCRIPTEUR) for _ in range(2)]
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(Client(), f"inconnu{n}@example.org", "mauvais")
    client = Client()
    assert log_in(client, users[0].email).status_code == 429 and not logged_in(client)
    # Someone else, behind another address, logs in.
    assert log_in(Client(), users[1].email, ip="192.0.2.1").status_code == 302


def test_behind_the_trusted_proxy_the_callers_are_counted_apart(settings):
    settings.SAS_TRUSTED_PROXIES = 1
    user = member(Role.PRESCRIPTEUR)
    for n in range(settings.AXES_FAILURE_LIMIT):
        Client().post(
            LOGIN, {"username": f"x{n}@example.org", "password": "x"}, REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR="198.51.100.1",
        )  # fmt: skip
    response = Client().post(
        LOGIN, {"username": user.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.2",
    )  # fmt: skip
    assert response.status_code == 302


def test_the_admin_sends_to_the_one_login_page():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"] == f"{LOGIN}?next=/admin/"
    # Its form no longer logs anyone in, so it cannot be used to skip the lockout or the second factor.
    admin, client = member(Role.ADMIN), Client()
    client.post("/admin/login/", {"username": admin.email, "password": PASSWORD})
    assert not logged_in(client)


# Second factor


def test_staff_set_up_the_second_factor_before_anything_else():
    admin = member(Role.ADMIN)
    client = Client()
    assert log_in(client, admin.email).status_code == 302
    # Logged in by password only: the admin stays shut, every page sends to the set-up page.
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("connexion:activer"))
    response = client.get(response["Location"])
    html = text(response)
    assert "la double authentification est obligatoire" in html
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    assert device.config_url.startswith("otpauth://totp/SAS") and "secret=" in device.config_url
    # A wrong code is refused in plain words.
    wrong = f"{(int(code_actuel(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("connexion:activer"), {"code": wrong, "next": "/admin/"})
    assert response.status_code == 400 and "Ce code n'est pas le bon" in text(response)
    assert client.get("/admin/").status_code == 302
    device.refresh_from_db()
    # The right one opens the admin.
    device.throttling_failure_count, device.throttling_failure_timestamp = 0, None
    device.save()
    response = client.post(reverse("connexion:activer"), {"code": code_actuel(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed


def test_staff_with_an_application_give_its_code_at_every_login():
    admin = member(Role.ADMIN)
    device = appareil(admin)
    client = Client()
    log_in(client, admin.email)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("connexion:code"))
    assert client.post(reverse("connexion:code"), {"code": "12345a"}).status_code == 400
    response = client.post(reverse("connexion:code"), {"code": code_actuel(device), "next": "/admin/"})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    # The same code cannot be played again in another session.
    other = Client()
    log_in(other, admin.email)
    assert other.post(reverse("connexion:code"), {"code": code_actuel(device)}).status_code == 400
    assert other.get("/admin/").status_code == 302


def test_the_second_factor_is_optional_for_other_professionals_and_then_asked():
    user = member(Role.AIGUILLEUR)
    client = Client()
    log_in(client, user.email)
    assert client.get(reverse("parcours:file_active")).status_code == 200
    response = client.get(reverse("connexion:activer"))
    assert response.status_code == 200 and "facultatif" in text(response)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    # Not set up until confirmed: the next login asks nothing.
    assert not services.second_facteur_obligatoire(user)
    client.post(reverse("connexion:activer"), {"code": code_actuel(device)})
    device.refresh_from_db()
    assert device.confirmed and services.second_facteur_obligatoire(user)
    other = Client()
    log_in(other, user.email)
    response = other.get(reverse("parcours:file_active"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("connexion:code"))


def test_the_code_page_does_not_follow_a_foreign_next():
    admin = member(Role.ADMIN)
    device = appareil(admin)
    client = Client()
    log_in(client, admin.email)
    response = client.post(reverse("connexion:code"), {"code": code_actuel(device), "next": "https://evil.example"})
    assert response["Location"] == reverse("accueil:home")


# Forgotten password


def reset(client, email):
    return client.post(reverse("connexion:mot_de_passe_oublie"), {"email": email})


def test_known_and_unknown_addresses_get_the_same_answer():
    user = member(Role.PRESCRIPTEUR)
    known, unknown = reset(Client(), user.email), reset(Client(), "personne@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("connexion:reinitialisation_envoyee")
    page = text(Client().get(known["Location"]))
    assert "Si cette adresse est celle d'un compte SAS" in page
    # Only the known one gets a message; accounts without a password (none here) or inactive ones get none.
    assert list(Message.objects.values_list("destinataire", flat=True)) == [user.email]
    inactive = UserFactory(is_active=False)
    reset(Client(), inactive.email)
    assert Message.objects.count() == 1


def test_the_reset_email_goes_through_messagerie_and_its_link_works(smtp_server):
    user = member(Role.PRESCRIPTEUR)
    reset(Client(), user.email)
    message = Message.objects.get()
    # Queued for the worker, stored without its token: staff who read it learn nothing.
    assert message.status == MessageStatus.PROGRAMME and MASQUE in message.corps
    assert messagerie.expedier(message.pk) == MessageStatus.ENVOYE
    (received,) = smtp_server
    body = received.get_content()
    link = next(word for word in body.split() if "/connexion/reinitialiser/" in word)
    path = link.removeprefix(settings.SAS_SITE_URL)
    client = Client()
    response = client.get(path)
    # Django moves the token into the session before showing the form.
    form_url = response["Location"]
    new = "un-nouveau-mot-de-passe-2026"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("connexion:reinitialisation_faite")
    user.refresh_from_db()
    assert user.check_password(new)
    # Once used, the link no longer works.
    assert "Lien expiré" in text(Client().get(path, follow=True))


def test_reset_emails_are_limited_per_account():
    user = member(Role.PRESCRIPTEUR)
    for _ in range(services.reinitialisations.limit + 2):
        assert reset(Client(), user.email).status_code == 302
    assert Message.objects.count() == services.reinitialisations.limit


def test_the_login_page_offers_the_forgotten_password():
    assert reverse("connexion:mot_de_passe_oublie") in text(Client().get(LOGIN))


# Access rules: the second factor's pages are the logged-in user's own; the reset link alone opens its form.


def test_an_anonymous_visitor_is_sent_to_the_login_and_sets_up_nothing():
    for name in ("connexion:code", "connexion:activer"):
        for response in (Client().get(reverse(name)), Client().post(reverse(name), {"code": "123456"})):
            assert response.status_code == 302 and response["Location"].startswith(f"{LOGIN}?next=")
    assert not TOTPDevice.objects.exists()


def test_an_expired_or_forged_reset_link_changes_nothing(settings):
    user = member(Role.PRESCRIPTEUR)
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    settings.PASSWORD_RESET_TIMEOUT = -1
    for path in (f"/connexion/reinitialiser/{uid}/{token}/", f"/connexion/reinitialiser/{uid}/faux-jeton/"):
        client = Client()
        assert "Lien expiré" in text(client.get(path, follow=True))
        client.post(path, {"new_password1": "un-autre-mot-de-passe-9", "new_password2": "un-autre-mot-de-passe-9"})
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
