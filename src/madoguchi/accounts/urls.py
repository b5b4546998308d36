from django.urls import path

from madoguchi.core import ratelimit

from . import staff_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("profile/", views.profile, name="profile"),
    path("everywhere/", views.everywhere, name="everywhere"),
    path("profile/delete/", views.delete_account, name="delete_account"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", ratelimit.limit_mail("email")(views.PasswordResetView.as_view()), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password/reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("otp/", views.otp_verify, name="otp_verify"),
    path("otp/setup/", views.otp_enrol, name="otp_enrol"),
    path("staff/", staff_views.staff_list, name="staff_list"),
    path("staff/new/", staff_views.staff_create, name="staff_create"),
    path("staff/<int:pk>/", staff_views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/roles/", staff_views.staff_role_set, name="staff_role_set"),
    path("staff/<int:pk>/roles/<int:role_pk>/remove/", staff_views.staff_role_remove, name="staff_role_remove"),
    path("staff/<int:pk>/active/", staff_views.staff_toggle_active, name="staff_toggle_active"),
    path("staff/<int:pk>/reset-2fa/", staff_views.staff_reset_2fa, name="staff_reset_2fa"),
    path("staff/<int:pk>/send-link/", staff_views.staff_send_link, name="staff_send_link"),
]
