"""For tests: a professional's TOTP application, and a session that has given its second factor."""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def appareil(user):
    """The user's confirmed TOTP device (made on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Téléphone de test", confirmed=True)


def code_actuel(device, decalage=0):
    """The code the application shows now (`decalage` steps later), computed as RFC 6238 says."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift + decalage):0{device.digits}d}"


def session_verifiee(client, user):
    """Mark the test client's logged-in session as having given its second factor, as the code page does."""
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = appareil(user).persistent_id
    session.save()
