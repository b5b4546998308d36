from django.urls import path

from . import views

app_name = "demo_op"
urlpatterns = [
    path(".well-known/openid-configuration", views.discovery, name="discovery"),
    path("authorize", views.authorize, name="authorize"),
    path("token", views.token, name="token"),
    path("userinfo", views.userinfo, name="userinfo"),
    path("jwks", views.jwks, name="jwks"),
    path("api/sign-transactions", views.sign_transactions, name="sign_transactions"),
    path("api/sign-transactions/<str:tx>", views.sign_transaction_result, name="sign_transaction_result"),
    path("crl", views.crl, name="crl"),
]
