from django.contrib import admin

from governance.models import (
    AgendaItem,
    Attendance,
    Decision,
    DecisionClass,
    Meeting,
    Objection,
    Proposal,
    Proxy,
)


@admin.register(DecisionClass)
class DecisionClassAdmin(admin.ModelAdmin):
    list_display = ["name", "project", "method", "electorate", "secret"]
    list_filter = ["method", "electorate"]
    list_select_related = ["project"]


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "kind", "start"]
    list_filter = ["kind"]
    list_select_related = ["project"]
    inlines = [AgendaItemInline]
    raw_id_fields = ["chair"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    list_display = ["meeting", "resident", "status"]
    list_select_related = ["meeting", "resident"]
    raw_id_fields = ["meeting", "resident"]


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    """Votes themselves are never shown here: ballots stay with the voting services."""

    list_display = ["title", "project", "status", "opens_at", "closes_at"]
    list_filter = ["status"]
    list_select_related = ["project"]
    raw_id_fields = ["author", "meeting", "agenda_item", "decision_class"]
    readonly_fields = ["rules", "opened_at", "closed_at"]


@admin.register(Proxy)
class ProxyAdmin(admin.ModelAdmin):
    list_display = ["grantor", "holder", "meeting", "proposal", "revoked_at"]
    raw_id_fields = ["grantor", "holder", "meeting", "proposal"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["proposal", "raised_on_version", "resolved_on_version"]
    raw_id_fields = ["proposal", "voter"]


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    list_display = ["proposal", "project", "passed", "quorum_met", "decided_at", "review_due"]
    list_filter = ["passed", "quorum_met"]
    list_select_related = ["proposal", "project"]
    readonly_fields = ["tally", "rules"]
