from django.urls import path

from . import proposal_views as pv
from . import views

app_name = "participation"
urlpatterns = [
    path("", views.index, name="index"),
    path("consultations/<int:pk>/", views.consultation_detail, name="consultation_detail"),
    path("consultations/<int:pk>/draft.pdf", views.draft_pdf, name="draft_pdf"),
    path("consultations/<int:pk>/opinion/", views.opinion_form, name="opinion_form"),
    path("consultations/<int:pk>/opinion/done/", views.opinion_done, name="opinion_done"),
    path("consultations/<int:pk>/results/", views.results, name="results"),
    path("consultations/<int:pk>/results.xlsx", views.results_xlsx, name="results_xlsx"),
    path("consultations/<int:pk>/results.pdf", views.results_pdf, name="results_pdf"),
    path("staff/", views.staff_list, name="staff_list"),
    path("staff/new/", views.staff_edit, name="staff_new"),
    path("staff/<int:pk>/", views.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", views.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/opinions/new/", views.staff_opinion_new, name="staff_opinion_new"),
    path("staff/<int:pk>/groups/new/", views.staff_group_new, name="staff_group_new"),
    path("staff/<int:pk>/publish/", views.staff_publish, name="staff_publish"),
    path("staff/opinions/<int:pk>/", views.staff_opinion, name="staff_opinion"),
    path("staff/opinions/<int:pk>/action/", views.staff_opinion_action, name="staff_opinion_action"),
    path("staff/groups/<int:pk>/", views.staff_group, name="staff_group"),
    path("proposals/", pv.proposal_list, name="proposal_list"),
    path("proposals/new/", pv.proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", pv.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/support/", pv.proposal_support, name="proposal_support"),
    path("proposals/<int:pk>/comment/", pv.proposal_comment, name="proposal_comment"),
    path("proposals/<int:pk>/report/", pv.proposal_report, name="proposal_report"),
    path("staff/proposals/", pv.staff_proposals, name="staff_proposals"),
    path("staff/proposals/<int:pk>/", pv.staff_proposal, name="staff_proposal"),
]
