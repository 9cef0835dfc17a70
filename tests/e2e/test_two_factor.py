"""End-to-end: a coordinator enrols an authenticator on first sign-in and signs in with a code, in Chromium,
at a desktop's width and at a phone's. The codes are computed as the app would, from the secret on the page."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from portfolio.policy import Role
from tests.helpers import PASSWORD, make_user

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.e2e]

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def app_code(secret_text: str, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for the secret typed by hand (base32, spaces ignored)."""
    secret = secret_text.replace(" ", "")
    totp = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def clear_of_a_step_boundary(margin: float = 4.0) -> None:
    """Wait for the next 30-second step when this one ends within ``margin`` seconds: a code made in one
    step and checked in the next is accepted, but django-otp then records the device's clock as a step
    behind (OTP_TOTP_SYNC), and the next step's code would be two steps ahead of it, out of tolerance."""
    remaining = 30 - time.time() % 30
    if remaining < margin:
        time.sleep(remaining + 0.2)


def password_step(page, username):
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("width", WIDTHS)
def test_enrol_then_sign_in_with_a_code(browser, live_server, settings, tmp_path, width):
    settings.PORTFOLIO_REQUIRE_2FA = True
    make_user("coordinator", Role.COORDINATOR)
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        # The password, then the enrolment page before anything else.
        password_step(page, "coordinator")
        assert "/account/two-factor/enrol/" in page.url
        assert page.locator("svg[role=img] title").text_content() == "用手机验证器扫描此二维码"
        box = page.locator("svg[role=img]").bounding_box()
        assert box["width"] >= 200 and box["x"] >= 0 and box["x"] + box["width"] <= w  # whole, on screen
        assert page.evaluate("document.documentElement.scrollWidth") <= w  # nothing wider than the screen
        assert page.locator("#main-nav .navbar-nav").count() == 0  # no navigation before the second step
        page.screenshot(path=str(tmp_path / f"enrol-{w}.png"), full_page=True)
        secret = page.locator("#secret").inner_text()

        page.fill("#id_code", "000000" if app_code(secret) != "000000" else "111111")
        page.click("button[type=submit]")
        assert "验证码不正确" in page.locator("#id_code-errors").inner_text()
        time.sleep(1.1)  # django-otp refuses any code for a second after a wrong one (its throttle)
        clear_of_a_step_boundary()
        page.fill("#id_code", app_code(secret))
        page.click("button[type=submit]")
        page.wait_for_url("**/account/two-factor/backup-codes/**")
        assert page.locator("#backup-codes li").count() == 10
        page.click("text=我已保存，继续")
        page.wait_for_url(f"{live_server.url}/")
        assert page.locator("#nav-two-factor").is_visible() or width == "phone"
        assert TOTPDevice.objects.filter(user__username="coordinator", confirmed=True).count() == 1

        # Signing out and in again: the code page, and a code the app shows next (the one that
        # confirmed the enrolment is spent).
        page.goto("/account/two-factor/")
        if page.locator(".navbar-toggler").is_visible():  # the phone's collapsed menu
            page.click(".navbar-toggler")
            # Open, its transition over: a click while the menu still unfolds could miss the button on a busy
            # machine (once in CI, the sign-out never left the page).
            page.locator("#main-nav.show").wait_for()
        assert "已启用" in page.locator("#two-factor-status").inner_text()
        with page.expect_navigation(url="**/login/"):
            page.locator("#main-nav form[action='/logout/'] button").click()
        password_step(page, "coordinator")
        assert "/account/two-factor/verify/" in page.url
        assert page.evaluate("document.documentElement.scrollWidth") <= w
        page.screenshot(path=str(tmp_path / f"verify-{w}.png"), full_page=True)
        clear_of_a_step_boundary()
        page.fill("#id_code", app_code(secret, steps_ahead=1))
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        assert page.goto("/admin/").status == 200
    finally:
        context.close()
