"""Root URLs: the admin, language switching, and the apps."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from projects.views import DashboardView

from . import twofactor_views
from .accounts import SetPasswordRequestForm
from .health import health
from .token_views import ApiTokenListView, ApiTokenRevokeAllView, ApiTokenRevokeView

admin.site.site_header = _("白云区重点项目管理平台")
admin.site.site_title = _("白云区重点项目管理平台")
admin.site.index_title = _("数据管理")

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("health/", health, name="health"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Setting one's password: the link an imported account is e-mailed, and "forgot my password".
    path("accounts/password/", auth_views.PasswordResetView.as_view(form_class=SetPasswordRequestForm), name="password_reset"),
    path("accounts/password/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/password/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/password/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(),
         name="password_reset_confirm"),
    # Two-factor sign-in (portfolio.twofactor): the code after the password, enrolling, one's own settings.
    path("account/two-factor/", twofactor_views.TwoFactorSettingsView.as_view(), name="two_factor"),
    path("account/two-factor/verify/", twofactor_views.VerifyView.as_view(), name="two_factor_verify"),
    path("account/two-factor/enrol/", twofactor_views.EnrolView.as_view(), name="two_factor_enrol"),
    path("account/two-factor/backup-codes/", twofactor_views.BackupCodesView.as_view(), name="two_factor_backup_codes"),
    path("account/two-factor/remove/", twofactor_views.RemoveView.as_view(), name="two_factor_remove"),
    # The user's own API tokens: listed, revoked one by one or all at once.
    path("accounts/tokens/", ApiTokenListView.as_view(), name="api_tokens"),
    path("accounts/tokens/revoke/", ApiTokenRevokeView.as_view(), name="api_token_revoke"),
    path("accounts/tokens/revoke-all/", ApiTokenRevokeAllView.as_view(), name="api_tokens_revoke_all"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("projects/", include("projects.urls")),
    path("reports/", include("projects.reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/", include("portfolio.api_urls")),
]

# A server error: the platform's own page with the request's reference (portfolio.observability).
handler500 = "portfolio.observability.server_error"
