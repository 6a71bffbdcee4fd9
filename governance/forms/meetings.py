"""Meeting and decision-class forms. They validate the input's shape; the services the rules.

Times are typed on the project's wall clock: the views set the current time zone to the
project's (``timezone.override``) around these forms, as the booking pages do.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from community.bookings.forms.bookings import LocalDateTimeField
from governance.models import AttendanceStatus, DecisionClass, Meeting, MeetingKind
from governance.selectors.meetings import RegisterRow, chair_candidate_list
from members.models import HousingProject


class ChairChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    start = LocalDateTimeField(label=_("Start"))
    end = LocalDateTimeField(label=_("End"), required=False)
    place = forms.CharField(
        label=_("Place"), max_length=200, required=False, help_text=_("A room or an address.")
    )
    link = forms.URLField(
        label=_("Online link"),
        required=False,
        assume_scheme="https",
        help_text=_("For a meeting online or in both places: the video call's address."),
    )
    chair = ChairChoiceField(
        label=_("Chair"),
        queryset=None,
        required=False,
        empty_label=_("Nobody yet"),
        help_text=_("The chair keeps the attendance register and writes the minutes."),
    )

    def __init__(self, *args: Any, project: HousingProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chair_candidate_list(project=project)

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        return {
            "kind": meeting.kind,
            "title": meeting.title,
            "start": meeting.start,
            "end": meeting.end,
            "place": meeting.place,
            "link": meeting.link,
            "chair": meeting.chair_id,
        }


class MeetingCreateForm(MeetingForm):
    invite = forms.BooleanField(
        label=_("Invite every household by e-mail now"),
        required=False,
        initial=True,
        help_text=_("Leave it off to add the agenda first and send the invitations later."),
    )


class AgendaItemForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class AgendaItemAddForm(AgendaItemForm):
    position = forms.IntegerField(
        label=_("Position"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to add it at the end."),
    )


class AttendanceForm(forms.Form):
    """The register as one form: a row of radio buttons per resident."""

    def __init__(self, *args: Any, register: list[RegisterRow], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.register = register
        for row in register:
            self.fields[self.field_name(row)] = forms.ChoiceField(
                label=str(row.resident),
                choices=AttendanceStatus.choices,
                required=False,
                initial=row.status or None,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(row: RegisterRow) -> str:
        return f"resident_{row.resident.pk}"

    def rows(self) -> list[tuple[RegisterRow, forms.BoundField]]:
        return [(row, self[self.field_name(row)]) for row in self.register]

    def entries(self) -> list[tuple[int, str]]:
        """What was marked; a row left empty is not recorded."""
        return [
            (row.resident.pk, self.cleaned_data[self.field_name(row)])
            for row in self.register
            if self.cleaned_data.get(self.field_name(row))
        ]


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Plain text. Published minutes can no longer be changed."),
    )


class DecisionClassForm(forms.ModelForm):
    class Meta:
        model = DecisionClass
        fields = [
            "name",
            "description",
            "method",
            "electorate",
            "quorum_numerator",
            "quorum_denominator",
            "threshold_numerator",
            "threshold_denominator",
            "threshold_inclusive",
            "abstentions_count_for_quorum",
            "secret",
            "min_notice_days",
            "review_months",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


__all__ = [
    "AgendaItemAddForm",
    "AgendaItemForm",
    "AttendanceForm",
    "DecisionClassForm",
    "MeetingCreateForm",
    "MeetingForm",
    "MinutesForm",
]
