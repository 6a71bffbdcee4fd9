"""Page forms. They validate the input's shape; the services validate the rules."""

from __future__ import annotations

from typing import Any

from allauth.mfa.webauthn import forms as webauthn_forms
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from common.forms import DateInput, MoneyField
from common.validation import validate_no_bidi_controls
from members.models import Household, HousingProject, Resident


class HouseholdSearchForm(forms.Form):
    q = forms.CharField(label=_("Search by unit or resident name"), required=False, max_length=200)

    def cleaned_search(self) -> str:
        """The words searched for; none when the input is not text (a NUL byte, say)."""
        return self.cleaned_data["q"].strip() if self.is_valid() else ""


class HouseholdForm(forms.ModelForm):
    class Meta:
        model = Household
        fields = ["unit_label", "unit_area_m2", "rooms", "move_in", "move_out"]
        widgets = {"move_in": DateInput(), "move_out": DateInput()}


class ProjectSettingsForm(forms.ModelForm):
    class Meta:
        model = HousingProject
        fields = ["income_validity_months", "income_retention_years"]


class ResidentForm(forms.ModelForm):
    inclusion_consent = forms.BooleanField(
        label=_("I consent to storing my inclusion data (gender, migrant background)"),
        required=False,
        help_text=_(
            "Used only for anonymised statistics with at least ten households per figure. "
            "Withdrawing consent erases the data."
        ),
    )

    class Meta:
        model = Resident
        fields = [
            "first_name",
            "last_name",
            "birth_year",
            "is_representative",
            "inclusion_consent",
            "gender",
            "migrant_background",
        ]
        widgets = {
            "migrant_background": forms.NullBooleanSelect(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["inclusion_consent"].initial = (
                self.instance.inclusion_consent_at is not None
            )


class IncomeDeclarationForm(forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    gross_monthly_cents = MoneyField(label=_("Gross monthly income"))
    disposable_monthly_cents = MoneyField(
        label=_("Disposable monthly income"),
        help_text=_("After taxes and social contributions, including allowances."),
    )
    housing_allowance_cents = MoneyField(
        label=_("Housing allowance per month"),
        required=False,
        help_text=_("The part of the disposable income that is a housing allowance, if any."),
    )
    medical_costs_cents = MoneyField(
        label=_("Unreimbursed medical and care costs per month"), required=False
    )
    childcare_costs_cents = MoneyField(label=_("Childcare costs per month"), required=False)
    elderly_or_disabled = forms.BooleanField(
        label=_("Elderly or disabled household"),
        required=False,
        help_text=_("The head, spouse or sole member is 62 or older, or has a disability."),
    )

    OPTIONAL_AMOUNTS = ("housing_allowance_cents", "medical_costs_cents", "childcare_costs_cents")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        for name in self.OPTIONAL_AMOUNTS:
            if name in data and data[name] is None:
                data[name] = 0  # left empty: none
        return data


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail address"))
    language = forms.ChoiceField(label=_("Language of the invitation"), choices=settings.LANGUAGES)
    resident = forms.ModelChoiceField(
        label=_("Resident record"),
        queryset=Resident.objects.none(),
        required=False,
        help_text=_("Leave empty to let the invited person add themselves to the household."),
    )

    def __init__(self, *args: Any, household: Household, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["resident"].queryset = household.residents.filter(user__isnull=True)


class InvitationAcceptForm(forms.Form):
    """What accepting needs: an account (unless signed in) and a birth year (unless the manager
    already recorded the resident)."""

    first_name = forms.CharField(
        label=_("First name"), max_length=80, validators=[validate_no_bidi_controls]
    )
    last_name = forms.CharField(
        label=_("Last name"),
        max_length=80,
        required=False,
        validators=[validate_no_bidi_controls],
    )
    birth_year = forms.IntegerField(label=_("Birth year"), min_value=1900)
    password = forms.CharField(
        label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, needs_account: bool, needs_birth_year: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not needs_account:
            for name in ("first_name", "last_name", "password", "password_again"):
                del self.fields[name]
        if not needs_birth_year:
            del self.fields["birth_year"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if "password" in self.fields and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return data

    def service_arguments(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "password_again"}


# allauth's forms for security keys and passkeys name their fields after the attribute, in
# English: these give the labels in the user's language (settings.MFA_FORMS).
KEY_NAME_LABEL = _("Name of the key")


class AddWebAuthnForm(webauthn_forms.AddWebAuthnForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = KEY_NAME_LABEL
        self.fields["credential"].label = _("Security key or passkey")


class EditWebAuthnForm(webauthn_forms.EditWebAuthnForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].label = KEY_NAME_LABEL
