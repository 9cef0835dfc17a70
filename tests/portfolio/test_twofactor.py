"""Two-factor sign-in: who must give a code, and every way in (pages, admin, API session, API token)
refusing a user who owes it and admitting them once the code is given; enrolling, backup codes,
turning it off, the administrator's reset."""

import io
import re
import time

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from portfolio import twofactor
from portfolio.policy import Role
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.django_db

PAGE = "/notifications/"
ADMIN = "/admin/"
API = "/api/v1/departments/"
VERIFY = "/account/two-factor/verify/"
ENROL = "/account/two-factor/enrol/"
SETTINGS = "/account/two-factor/"
BACKUP_CODES = "/account/two-factor/backup-codes/"
REMOVE = "/account/two-factor/remove/"
TOKEN = "/api/v1/auth/token/"
REQUIRED = ("coordinator", "administrator", "superuser")
OPTIONAL = ("editor", "viewer")


@pytest.fixture
def users(department):
    return {
        "coordinator": make_user("coord", Role.COORDINATOR, is_staff=True),
        "administrator": make_user("admin-group", Role.ADMINISTRATOR, is_staff=True),
        "superuser": make_user("root", is_staff=True, is_superuser=True),
        "editor": make_user("editor", Role.EDITOR, department, is_staff=True),
        "viewer": make_user("viewer", Role.VIEWER, is_staff=True),
    }


@pytest.fixture
def required_2fa():
    with override_settings(PORTFOLIO_REQUIRE_2FA=True, PORTFOLIO_2FA_ROLES=["administrator", "coordinator"]):
        yield


@pytest.fixture(autouse=True)
def _fresh_token_throttle():
    cache.clear()
    yield
    cache.clear()


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def code(device_or_key, steps_ahead=0) -> str:
    """The code an authenticator shows now (or that many 30-second steps later)."""
    key = device_or_key.bin_key if isinstance(device_or_key, TOTPDevice) else bytes.fromhex(device_or_key)
    totp = TOTP(key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def sign_in(client, user):
    """Password step through the login page, as a browser does."""
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


def refused_everywhere(client, step_url):
    """Every way in sends the user to the second step (pages, admin) or refuses (API)."""
    for url in (PAGE, ADMIN, "/projects/", "/admin/auth/user/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"{step_url}?next={url.replace('/', '%2F')}", url
    api = client.get(API)
    assert api.status_code == 403
    assert "两步验证" in api.json()["detail"]


def admitted_everywhere(client, *, admin=True):
    assert client.get(PAGE).status_code == 200
    assert client.get(API).status_code == 200
    if admin:
        assert client.get(ADMIN).status_code == 200


# Who must ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", REQUIRED + OPTIONAL)
def test_administrators_and_coordinators_must_use_two_factors_while_the_setting_is_on(users, role):
    user = users[role]
    with override_settings(PORTFOLIO_REQUIRE_2FA=True):
        assert twofactor.is_required(user) is (role in REQUIRED)
    with override_settings(PORTFOLIO_REQUIRE_2FA=False):
        assert twofactor.is_required(user) is False


def test_the_roles_are_a_setting(users):
    with override_settings(PORTFOLIO_REQUIRE_2FA=True, PORTFOLIO_2FA_ROLES=["Editor", " viewer"]):
        assert twofactor.is_required(users["editor"])
        assert twofactor.is_required(users["viewer"])
        assert not twofactor.is_required(users["coordinator"])


def test_an_unknown_role_in_the_setting_fails_the_system_check():
    with override_settings(PORTFOLIO_2FA_ROLES=["administrator", "admins"]):
        errors = twofactor.check_settings()
    assert [e.id for e in errors] == ["portfolio.E2FA"]
    assert "admins" in errors[0].msg
    with override_settings(PORTFOLIO_2FA_ROLES=["administrator", "coordinator", "editor", "viewer"]):
        assert twofactor.check_settings() == []


def test_the_requirement_is_off_in_development(settings, client, users):
    """The suite runs with the development default (DEBUG on): a coordinator signs in with a password."""
    assert settings.PORTFOLIO_REQUIRE_2FA is False
    sign_in(client, users["coordinator"])
    admitted_everywhere(client)


# Enforcement ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", REQUIRED)
def test_a_required_user_without_a_device_is_taken_to_enrolment_everywhere(required_2fa, client, users, role):
    sign_in(client, users[role])
    refused_everywhere(client, ENROL)
    # The enrolment page itself opens, with the QR code, the secret and a form for the code.
    page = client.get(f"{ENROL}?next=/projects/")
    assert page.status_code == 200
    assert b"<svg" in page.content and b'id="secret"' in page.content


@pytest.mark.parametrize("role", REQUIRED)
def test_a_required_user_with_a_device_gives_a_code_before_anything_else(required_2fa, client, users, role):
    user = users[role]
    device = device_for(user)
    response = sign_in(client, user)
    assert client.get(response["Location"])["Location"].startswith(VERIFY)
    refused_everywhere(client, VERIFY)

    page = client.get(f"{VERIFY}?next=/projects/")
    assert page.status_code == 200
    assert "两步验证" in page.content.decode()
    session_key = client.session.session_key
    response = client.post(VERIFY, {"code": code(device), "next": "/projects/"})
    assert response.status_code == 302 and response["Location"] == "/projects/"
    assert client.session.session_key != session_key  # a new session key once fully signed in
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    admitted_everywhere(client)


def test_the_api_token_endpoint_stays_open_to_a_session_that_owes_the_code(required_2fa, client, users):
    """It asks for the code itself (below); the session's pending step does not stand in its way."""
    device = device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    response = client.post(TOKEN, {"username": "coord", "password": PASSWORD, "otp": code(device)},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["token"]


def test_signing_out_and_the_language_switch_are_not_held(required_2fa, client, users):
    device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    language = client.post("/i18n/setlang/", {"language": "en", "next": VERIFY})
    assert language.status_code == 302 and language["Location"] == VERIFY
    logout = client.post("/logout/")
    assert logout.status_code == 302 and logout["Location"] == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_health_check_path_is_not_redirected(required_2fa, client, users):
    device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    assert client.get("/health/").status_code != 302


@pytest.mark.parametrize("role", OPTIONAL)
def test_editors_and_viewers_are_not_forced(required_2fa, client, users, role):
    sign_in(client, users[role])
    admitted_everywhere(client, admin=False)
    assert client.get(VERIFY)["Location"] == reverse("dashboard")  # nothing owed


def test_an_editor_who_enrolled_gives_the_code_too(required_2fa, client, users):
    device = device_for(users["editor"])
    sign_in(client, users["editor"])
    refused_everywhere(client, VERIFY)
    assert client.post(VERIFY, {"code": code(device), "next": PAGE})["Location"] == PAGE
    admitted_everywhere(client, admin=False)


def test_a_device_enrolled_voluntarily_is_asked_for_with_the_requirement_off(client, users):
    device = device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    assert client.get(PAGE)["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": code(device)})
    admitted_everywhere(client)


# The code ---------------------------------------------------------------------------------------------


def test_a_wrong_code_is_refused_naming_the_field_then_attempts_are_slowed(required_2fa, client, users):
    device = device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    wrong = f"{(int(code(device)) + 1) % 1_000_000:06d}"
    page = client.post(VERIFY, {"code": wrong, "next": PAGE})
    assert page.status_code == 200
    assert 'aria-describedby="id_code-help id_code-errors"' in page.content.decode()
    assert "验证码不正确" in page.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session
    # django-otp's throttle: the next attempt within a second is refused, even with the right code.
    page = client.post(VERIFY, {"code": code(device), "next": PAGE})
    assert page.status_code == 200 and "错误次数过多" in page.content.decode()
    assert client.get(PAGE).status_code == 302


@pytest.mark.parametrize(("typed", "message"), [
    ("", "请输入验证码"),
    ("   ", "请输入验证码"),
    ("12345", "6位数字，或一个8位备用码"),
    ("<script>", "6位数字，或一个8位备用码"),
    ("1" * 5000, "6位数字，或一个8位备用码"),
    ("１２３４５６７", "6位数字，或一个8位备用码"),
])
def test_malformed_codes_get_a_message_never_an_error(required_2fa, client, users, typed, message):
    device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    page = client.post(VERIFY, {"code": typed})
    assert page.status_code == 200
    assert message in page.content.decode()
    assert "<script>" not in page.content.decode().split('name="code"')[1][:200]


def test_the_admin_login_page_leads_to_the_code_page_too(required_2fa, client, users):
    device = device_for(users["superuser"])
    response = client.post("/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD,
                                                           "next": "/admin/"})
    assert response["Location"] == "/admin/"
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert client.post(VERIFY, {"code": code(device), "next": "/admin/"})["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_code_typed_with_full_width_digits_and_spaces_is_accepted(required_2fa, client, users):
    device = device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    typed = code(device)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in typed[:3]) + " " + typed[3:]
    assert client.post(VERIFY, {"code": full_width, "next": PAGE})["Location"] == PAGE


def test_a_code_is_accepted_once(required_2fa, client, users):
    device = device_for(users["coordinator"])
    used = code(device)
    assert twofactor.verify(users["coordinator"], used) == device
    with pytest.raises(twofactor.CodeRefused):
        twofactor.verify(users["coordinator"], used)


def test_next_is_kept_on_this_site(required_2fa, client, users):
    device = device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    response = client.post(VERIFY, {"code": code(device), "next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard")


# Enrolling ---------------------------------------------------------------------------------------------


def test_enrolment_binds_a_device_signs_in_and_shows_backup_codes_once(required_2fa, client, users):
    user = users["coordinator"]
    sign_in(client, user)
    page = client.get(f"{ENROL}?next=/projects/")
    content = page.content.decode()
    key = client.session[twofactor.SESSION_ENROL_KEY]
    # The QR code is drawn inline, without script or style attributes (a strict CSP allows it).
    svg = re.search(r"<svg.*?</svg>", content, re.S).group(0)
    assert 'role="img"' in svg and "<title" in svg and "style" not in svg and "<script" not in svg
    assert twofactor.secret_text(key) in content
    assert "style=" not in content.split('<main')[1]
    assert page["Cache-Control"].startswith("max-age=0") and "no-store" in page["Cache-Control"]
    # The navigation is not offered until the sign-in is complete.
    assert 'href="/projects/"' not in content

    wrong = client.post(ENROL, {"code": "000000", "next": "/projects/"})
    if code(key) != "000000":
        assert wrong.status_code == 200 and "验证码不正确" in wrong.content.decode()
        assert not TOTPDevice.objects.filter(user=user).exists()

    confirmed = client.post(ENROL, {"code": code(key), "next": "/projects/"})
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"{BACKUP_CODES}?next=%2Fprojects%2F"
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    assert StaticToken.objects.filter(device__user=user).count() == twofactor.BACKUP_CODE_COUNT
    shown = client.get(confirmed["Location"])
    codes = re.findall(r'<li class="col mb-2">([a-z2-7]{8})</li>', shown.content.decode())
    assert sorted(codes) == sorted(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert 'href="/projects/"' in shown.content.decode()
    assert client.get(BACKUP_CODES)["Location"] == SETTINGS  # shown once
    admitted_everywhere(client)
    # The code that confirmed the enrolment cannot sign in again.
    with pytest.raises(twofactor.CodeRefused):
        twofactor.verify(user, code(key))


def test_enrolment_is_closed_to_a_session_that_owes_the_code_of_an_existing_device(required_2fa, client, users):
    """Someone who has only the password must not replace the device with their own."""
    device_for(users["coordinator"])
    sign_in(client, users["coordinator"])
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=users["coordinator"]).count() == 1


def test_a_verified_user_replaces_their_phone(required_2fa, client, users):
    user = users["coordinator"]
    old = device_for(user)
    sign_in(client, user)
    client.post(VERIFY, {"code": code(old)})
    assert client.get(ENROL).status_code == 200
    key = client.session[twofactor.SESSION_ENROL_KEY]
    assert client.post(ENROL, {"code": code(key)}).status_code == 302
    assert list(TOTPDevice.objects.filter(user=user).values_list("key", flat=True)) == [key]
    admitted_everywhere(client)


def test_an_editor_enrols_from_the_account_menu_and_turns_it_off(client, users):
    editor = users["editor"]
    sign_in(client, editor)
    page = client.get(PAGE).content.decode()
    assert f'href="{SETTINGS}"' in page  # the user menu's link
    settings_page = client.get(SETTINGS).content.decode()
    assert "未启用" in settings_page and ENROL in settings_page
    client.get(ENROL)
    key = client.session[twofactor.SESSION_ENROL_KEY]
    client.post(ENROL, {"code": code(key), "next": SETTINGS})
    assert "已启用" in client.get(SETTINGS).content.decode()

    refused = client.post(REMOVE, {"code": "abc"}, follow=True)
    assert "两步验证未停用" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=editor).exists()
    backup = StaticToken.objects.filter(device__user=editor).first().token
    removed = client.post(REMOVE, {"code": backup.upper()}, follow=True)
    assert "两步验证已停用" in removed.content.decode()
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    sign_in(client, editor)
    admitted_everywhere(client, admin=False)


def test_a_required_user_cannot_turn_two_factors_off(required_2fa, client, users):
    user = users["coordinator"]
    device = device_for(user)
    sign_in(client, user)
    client.post(VERIFY, {"code": code(device)})
    assert REMOVE not in client.get(SETTINGS).content.decode()
    refused = client.post(REMOVE, {"code": code(device, steps_ahead=1)}, follow=True)
    assert "不能停用" in refused.content.decode()
    assert TOTPDevice.objects.filter(user=user).exists()


def test_new_backup_codes_replace_the_old(required_2fa, client, users):
    user = users["coordinator"]
    device = device_for(user)
    sign_in(client, user)
    client.post(VERIFY, {"code": code(device)})
    old = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    response = client.post(BACKUP_CODES, {"code": code(device, steps_ahead=1)})
    assert response["Location"] == BACKUP_CODES
    new = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(new) == twofactor.BACKUP_CODE_COUNT and not new & old
    shown = client.get(BACKUP_CODES).content.decode()
    assert all(c in shown for c in new)


def test_a_backup_code_signs_in_once(required_2fa, client, users):
    user = users["coordinator"]
    device_for(user)
    static = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    static.token_set.create(token="abcd2345")
    sign_in(client, user)
    assert client.post(VERIFY, {"code": "ABCD-2345", "next": PAGE})["Location"] == PAGE
    assert not static.token_set.exists()
    admitted_everywhere(client)
    client.post("/logout/")
    sign_in(client, user)
    page = client.post(VERIFY, {"code": "abcd2345"})
    assert page.status_code == 200 and "备用码不正确或已使用过" in page.content.decode()


# The administrator's reset -------------------------------------------------------------------------------


def test_the_administrator_resets_a_users_two_factors_in_the_admin(required_2fa, client, users):
    admin_user, coordinator = users["superuser"], users["coordinator"]
    coordinator_device = device_for(coordinator)
    StaticDevice.objects.create(user=coordinator, name="backup", confirmed=True).token_set.create(token="abcd2345")
    signed_in_before = Client()
    sign_in(signed_in_before, coordinator)
    signed_in_before.post(VERIFY, {"code": code(coordinator_device)})
    assert signed_in_before.get(PAGE).status_code == 200
    admin_device = device_for(admin_user)
    sign_in(client, admin_user)
    client.post(VERIFY, {"code": code(admin_device)})
    changelist = client.get("/admin/auth/user/")
    assert changelist.status_code == 200 and "reset_two_factor" in changelist.content.decode()
    response = client.post("/admin/auth/user/", {
        "action": "reset_two_factor", "_selected_action": [coordinator.pk],
    }, follow=True)
    assert "已重置1个用户的两步验证" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=coordinator).exists()
    assert not StaticDevice.objects.filter(user=coordinator).exists()
    assert LogEntry.objects.filter(object_id=str(coordinator.pk), user=admin_user).exists()

    # A session verified with the removed device is no longer verified; a new one enrols too.
    assert signed_in_before.get(PAGE)["Location"].startswith(ENROL)
    other = Client()
    sign_in(other, coordinator)
    assert other.get(PAGE)["Location"].startswith(ENROL)


def test_an_administrator_with_nobody_to_reset_them_signs_in_with_a_code_from_the_command(required_2fa, client,
                                                                                          users):
    device_for(users["superuser"])
    out = io.StringIO()
    call_command("addstatictoken", "root", stdout=out)
    sign_in(client, users["superuser"])
    assert client.post(VERIFY, {"code": out.getvalue().strip(), "next": ADMIN})["Location"] == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_a_coordinator_cannot_reset_anyone(required_2fa, client, users):
    coordinator, editor = users["coordinator"], users["editor"]
    device = device_for(coordinator)
    device_for(editor)
    sign_in(client, coordinator)
    client.post(VERIFY, {"code": code(device)})
    response = client.post("/admin/auth/user/", {"action": "reset_two_factor", "_selected_action": [editor.pk]})
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=editor).exists()


def test_the_devices_secrets_have_no_admin_pages():
    from django.contrib import admin

    assert TOTPDevice not in admin.site._registry and StaticDevice not in admin.site._registry


# The API token ---------------------------------------------------------------------------------------


def token_request(client, username, **extra):
    return client.post(TOKEN, {"username": username, "password": PASSWORD, **extra}, content_type="application/json")


@pytest.mark.parametrize("role", ("coordinator", "administrator"))
def test_the_token_endpoint_asks_the_code_of_users_who_must_use_two_factors(required_2fa, client, users, role):
    user = users[role]
    device = device_for(user)
    missing = token_request(client, user.username)
    assert missing.status_code == 400 and "两步验证码" in missing.json()["otp"][0]
    malformed = token_request(client, user.username, otp="12345x")
    assert malformed.status_code == 400 and "6位数字" in malformed.json()["otp"][0]
    wrong = token_request(client, user.username, otp=f"{(int(code(device)) + 1) % 1_000_000:06d}")
    assert wrong.status_code == 400 and "验证码不正确" in wrong.json()["otp"][0]
    assert not AuthToken.objects.filter(user=user).exists()
    device.refresh_from_db()
    device.throttle_reset()  # the wrong code's one-second throttle, not waited for
    right = token_request(client, user.username, otp=code(device))
    assert right.status_code == 200 and AuthToken.objects.filter(user=user).count() == 1
    signed = client.get("/api/v1/projects/", HTTP_AUTHORIZATION=f"Token {right.json()['token']}")
    assert signed.status_code == 200


def test_the_token_endpoint_sends_a_required_user_without_a_device_to_enrol(required_2fa, client, users):
    response = token_request(client, "coord")
    assert response.status_code == 400 and "绑定手机验证器" in response.json()["otp"][0]


@pytest.mark.parametrize("role", OPTIONAL)
def test_the_token_endpoint_needs_no_code_from_editors_and_viewers(required_2fa, client, users, role):
    response = token_request(client, users[role].username)
    assert response.status_code == 200 and response.json()["token"]


def test_the_token_endpoint_answers_in_english(required_2fa, client, users, settings):
    device_for(users["coordinator"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(TOKEN, {"username": "coord", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 400
    assert "two-factor" in response.json()["otp"][0].lower()


def test_a_user_who_owes_the_second_factor_sees_no_link_but_the_sign_in(required_2fa, client, users):
    client.force_login(users["coordinator"])
    page = client.get(reverse("two_factor_enrol"))
    html = page.content.decode()
    assert page.status_code == 200 and reverse("api_tokens") not in html and reverse("logout") in html
