from django.urls import path

from . import accounting_views, staff_views, views
from .contrib.demo import views as demo_views
from .contrib.slip import views as slip_views

app_name = "payments"
urlpatterns = [
    path("", views.my_payments, name="my"),
    path("<int:pk>/pay/", views.pay, name="pay"),
    path("<int:pk>/result/", views.result, name="result"),
    path("<int:pk>/reissue/", views.reissue, name="reissue"),
    path("<int:pk>/receipt.pdf", views.receipt, name="receipt"),
    path("<int:pk>/slip.pdf", slip_views.slip_pdf, name="slip_pdf"),
    path("link/<str:token>/", views.link, name="link"),
    path("link/<str:token>/renew/", views.link_renew, name="link_renew"),
    path("notify/<slug:provider>/", views.notify, name="notify"),
    path("demo-provider/checkout/<str:token>/", demo_views.checkout, name="demo_checkout"),
    path("staff/", staff_views.payment_list, name="staff_list"),
    path("staff/<int:pk>/", staff_views.payment_detail, name="staff_detail"),
    path("staff/<int:pk>/counter/", staff_views.record_counter, name="staff_counter"),
    path("staff/<int:pk>/refund/", staff_views.refund_request, name="staff_refund"),
    path("staff/refunds/<int:pk>/decide/", staff_views.refund_decide, name="staff_refund_decide"),
    path("staff/report/", staff_views.daily_report, name="staff_report"),
    path("staff/anomalies/", staff_views.anomalies, name="staff_anomalies"),
    path("staff/slip-results/", slip_views.import_results, name="staff_slip_import"),
    path("staff/accounting/", accounting_views.accounting_page, name="staff_accounting"),
    path("staff/reconcile/", accounting_views.reconcile_page, name="staff_reconcile"),
]
