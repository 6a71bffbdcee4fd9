"""The governance pages: meetings, proposals and votes, proxies, the decision register."""

from django.urls import path

from governance.views import decisions, meetings, proposals

urlpatterns = [
    # Meetings
    path("projects/<int:pk>/meetings/", meetings.meeting_list, name="meeting_list"),
    path("projects/<int:pk>/meetings/new/", meetings.meeting_create_view, name="meeting_create"),
    path("meetings/<int:pk>/", meetings.meeting_detail_view, name="meeting_detail"),
    path("meetings/<int:pk>.ics", meetings.meeting_ics, name="meeting_ics"),
    path("meetings/<int:pk>/edit/", meetings.meeting_edit_view, name="meeting_edit"),
    path(
        "meetings/<int:pk>/invitations/",
        meetings.meeting_invitations_view,
        name="meeting_invitations_send",
    ),
    path("meetings/<int:pk>/agenda/", meetings.meeting_agenda, name="meeting_agenda"),
    path("agenda-items/<int:pk>/edit/", meetings.agenda_item_edit, name="agenda_item_edit"),
    path("agenda-items/<int:pk>/remove/", meetings.agenda_item_remove, name="agenda_item_remove"),
    path("agenda-items/<int:pk>/move/", meetings.agenda_item_move, name="agenda_item_move"),
    path("meetings/<int:pk>/attendance/", meetings.meeting_attendance, name="meeting_attendance"),
    path("meetings/<int:pk>/minutes/", meetings.meeting_minutes, name="meeting_minutes"),
    path(
        "projects/<int:pk>/decision-classes/",
        meetings.decision_class_list,
        name="decision_class_list",
    ),
    path(
        "projects/<int:pk>/decision-classes/new/",
        meetings.decision_class_create_view,
        name="decision_class_create",
    ),
    path(
        "decision-classes/<int:pk>/edit/",
        meetings.decision_class_edit_view,
        name="decision_class_edit",
    ),
    path(
        "decision-classes/<int:pk>/delete/",
        meetings.decision_class_delete_view,
        name="decision_class_delete",
    ),
    # Proposals
    path("projects/<int:pk>/proposals/", proposals.proposal_list, name="proposal_list"),
    path(
        "projects/<int:pk>/proposals/new/", proposals.proposal_create_view, name="proposal_create"
    ),
    path("proposals/<int:pk>/", proposals.proposal_detail, name="proposal_detail"),
    path("proposals/<int:pk>/edit/", proposals.proposal_edit_view, name="proposal_edit"),
    path(
        "proposals/<int:pk>/withdraw/", proposals.proposal_withdraw_view, name="proposal_withdraw"
    ),
    path("proposals/<int:pk>/vote/", proposals.ballot_cast_view, name="proposal_vote"),
    path("proposals/<int:pk>/paper/", proposals.paper_ballot_view, name="proposal_paper_ballot"),
    path("proposals/<int:pk>/round/", proposals.round_entry_add_view, name="round_entry_add"),
    path(
        "proposals/<int:pk>/round/next/",
        proposals.consent_phase_advance_view,
        name="consent_phase_advance",
    ),
    path(
        "proposals/<int:pk>/round/close/",
        proposals.proposal_close_view,
        name="proposal_close_round",
    ),
    path("proposals/<int:pk>/amend/", proposals.proposal_amend_view, name="proposal_amend"),
    path("proposals/<int:pk>/results/", proposals.proposal_results_view, name="proposal_results"),
    path(
        "round-entries/<int:pk>/answer/",
        proposals.round_entry_answer_view,
        name="round_entry_answer",
    ),
    # Decisions
    path("projects/<int:pk>/proxies/", decisions.proxy_page, name="proxy_list"),
    path("proxies/<int:pk>/revoke/", decisions.proxy_revoke_view, name="proxy_revoke"),
    path("projects/<int:pk>/decisions/", decisions.decision_register, name="decision_register"),
    path(
        "projects/<int:pk>/decisions.csv",
        decisions.decision_register_csv,
        name="decision_register_csv",
    ),
]
