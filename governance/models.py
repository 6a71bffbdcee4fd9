"""Meetings, proposals, proxies, ballots and decisions (DESIGN.md §3).

A proposal takes its rules from its project's decision class when it opens, and writes them into
its ``rules`` so that the decision always says what the vote meant. The electorate is frozen at
that moment (``Voter`` rows): move-ins and move-outs during the vote change neither who may vote
nor the quorum base.

Secret ballots keep two records that nothing links, not even a database dump: ``Participation``
says that a voter took part (so nobody votes twice); the choice is stored apart, first as a
``SealedBallot`` (encrypted, during the vote), then as a ``SecretChoice`` (in clear, from the
close). The voter's transaction writes only the participation and the sealed ballot; the close
opens every sealed ballot in one transaction of its own and writes the choices in a shuffled
order. So no row that outlives the vote shares a transaction id (``xmin``), a place on disk, a
sequence value or a time with the voter's participation.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.validation import ConstraintErrorsOnFields
from members.models import HousingProject


class VotingMethod(models.TextChoices):
    YES_NO = "yes_no", _("Yes / no / abstain")
    CONSENT = "consent", _("Consent (sociocratic)")
    APPROVAL = "approval", _("Approval voting")
    RANKED = "ranked", _("Ranked choice (instant run-off)")


class Electorate(models.TextChoices):
    HOUSEHOLD = "household", _("One vote per household")
    ADULT = "adult", _("One vote per adult resident")
    HOUSEHOLD_SPLIT = "household_split", _("A household's vote split among its adults")


class DecisionClass(ConstraintErrorsOnFields, models.Model):
    """A kind of decision in a project's bylaws, with the rules that govern its votes."""

    project = models.ForeignKey(
        HousingProject, on_delete=models.CASCADE, related_name="decision_classes"
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("voting method"), max_length=16, choices=VotingMethod.choices)
    electorate = models.CharField(_("electorate"), max_length=16, choices=Electorate.choices)
    # Shares are kept as exact fractions: two thirds must mean 2/3, not 0.6667.
    quorum_numerator = models.PositiveSmallIntegerField(_("quorum (numerator)"), default=0)
    quorum_denominator = models.PositiveSmallIntegerField(_("quorum (denominator)"), default=1)
    threshold_numerator = models.PositiveSmallIntegerField(
        _("pass threshold (numerator)"), default=1
    )
    threshold_denominator = models.PositiveSmallIntegerField(
        _("pass threshold (denominator)"), default=2
    )
    threshold_inclusive = models.BooleanField(
        _("threshold reached at exactly the share"),
        default=False,
        help_text=_("Off: more than the share (simple majority). On: at least (e.g. two thirds)."),
    )
    abstentions_count_for_quorum = models.BooleanField(
        _("abstentions count for quorum"), default=True
    )
    min_notice_days = models.PositiveSmallIntegerField(_("minimum notice (days)"), default=0)
    review_months = models.PositiveSmallIntegerField(
        _("review after (months)"), null=True, blank=True
    )
    secret = models.BooleanField(_("secret ballot"), default=False)

    constraint_fields = {
        "decision_class_name_unique_per_project": "name",
        "decision_class_quorum_is_a_share": "quorum_numerator",
        "decision_class_threshold_is_a_share": "threshold_numerator",
        "decision_class_consent_is_open": "secret",
        "decision_class_review_months_range": "review_months",
    }

    class Meta:
        verbose_name = _("decision class")
        verbose_name_plural = _("decision classes")
        ordering = ["project_id", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name"],
                name="decision_class_name_unique_per_project",
                violation_error_message=_(
                    "This project already has a decision class of that name."
                ),
            ),
            models.CheckConstraint(
                condition=Q(quorum_denominator__gte=1)
                & Q(quorum_numerator__lte=F("quorum_denominator")),
                name="decision_class_quorum_is_a_share",
                violation_error_message=_("The quorum must be a share between 0 and 1."),
            ),
            models.CheckConstraint(
                condition=Q(threshold_denominator__gte=1)
                & Q(threshold_numerator__gte=1)
                & Q(threshold_numerator__lte=F("threshold_denominator")),
                name="decision_class_threshold_is_a_share",
                violation_error_message=_(
                    "The pass threshold must be a share above 0 and at most 1."
                ),
            ),
            # Consent works through reasoned objections, which cannot be anonymous.
            models.CheckConstraint(
                condition=~Q(method=VotingMethod.CONSENT, secret=True),
                name="decision_class_consent_is_open",
                violation_error_message=_("A consent decision cannot be taken by secret ballot."),
            ),
            models.CheckConstraint(
                condition=Q(review_months__isnull=True)
                | Q(review_months__gte=1, review_months__lte=120),
                name="decision_class_review_months_range",
                violation_error_message=_("Review a decision within 1 to 120 months."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MeetingKind(models.TextChoices):
    GENERAL_ASSEMBLY = "general_assembly", _("General assembly")
    WORKING_GROUP = "working_group", _("Working group")
    BOARD = "board", _("Board")


class Meeting(ConstraintErrorsOnFields, models.Model):
    project = models.ForeignKey(HousingProject, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    link = models.URLField(_("online link"), blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    invitations_sent_at = models.DateTimeField(_("invitations sent at"), null=True, blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published at"), null=True, blank=True)
    # Households hear of the published minutes once, whichever worker gets there first.
    minutes_notified_at = models.DateTimeField(null=True, blank=True)

    constraint_fields = {"meeting_end_after_start": "end", "meeting_place_or_link": "place"}

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="meeting_end_after_start",
                violation_error_message=_("A meeting must end after it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(place="", link=""),
                name="meeting_place_or_link",
                violation_error_message=_("Give a place, an online link, or both."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AgendaItem(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="agenda_position_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", _("Present")
    REPRESENTED = "represented", _("Represented by a proxy")
    ABSENT = "absent", _("Absent")


class Attendance(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey("members.Resident", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("status"), max_length=16, choices=AttendanceStatus.choices)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "resident"], name="attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.resident} · {self.status}"


class ConsentPhase(models.TextChoices):
    QUESTIONS = "questions", _("Clarifying questions")
    REACTIONS = "reactions", _("Reactions")
    CONSENT = "consent", _("Consent")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for votes")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Proposal(ConstraintErrorsOnFields, models.Model):
    project = models.ForeignKey(HousingProject, on_delete=models.CASCADE, related_name="proposals")
    decision_class = models.ForeignKey(
        DecisionClass, on_delete=models.PROTECT, related_name="proposals"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    agenda_item = models.ForeignKey(
        AgendaItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    options = models.JSONField(_("options"), default=list, blank=True)
    show_live_count = models.BooleanField(_("show a live count (open ballots only)"), default=False)
    min_approvals = models.PositiveSmallIntegerField(_("fewest options to approve"), default=1)
    max_approvals = models.PositiveSmallIntegerField(
        _("most options to approve"), null=True, blank=True
    )
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    # The decision class's rules as they were when the vote opened.
    rules = models.JSONField(_("rules applied"), default=dict, blank=True)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    consent_phase = models.CharField(
        _("consent round"), max_length=16, choices=ConsentPhase.choices, blank=True
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Each notification goes out once, whichever worker gets there first.
    opening_notified_at = models.DateTimeField(null=True, blank=True)
    closing_reminder_sent_at = models.DateTimeField(null=True, blank=True)

    constraint_fields = {"proposal_closes_after_opens": "closes_at"}

    class Meta:
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        ordering = ["-opens_at", "pk"]
        indexes = [models.Index(fields=["status", "closes_at"], name="proposal_status_closes_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")),
                name="proposal_closes_after_opens",
                violation_error_message=_("A vote must close after it opens."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalVersion(models.Model):
    """The text of a proposal as it was at each version: amendments in a consent round keep the
    history of what was consented to."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    note = models.TextField(_("what changed"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("proposal version")
        verbose_name_plural = _("proposal versions")
        ordering = ["proposal_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "version"], name="proposal_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} v{self.version}"


class Voter(models.Model):
    """One member of a proposal's frozen electorate, with the weight of their vote.

    Per household: the household votes (resident empty), cast by any adult of it. Per adult or
    split: one row per adult, the split weight being 1 / the household's adults.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="voters")
    household = models.ForeignKey("members.Household", on_delete=models.CASCADE, related_name="+")
    resident = models.ForeignKey(
        "members.Resident", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    weight_numerator = models.PositiveIntegerField(default=1)
    weight_denominator = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("voter")
        verbose_name_plural = _("voters")
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "household"],
                condition=Q(resident__isnull=True),
                name="voter_household_once",
            ),
            models.UniqueConstraint(
                fields=["proposal", "resident"],
                condition=Q(resident__isnull=False),
                name="voter_resident_once",
            ),
            models.CheckConstraint(
                condition=Q(weight_denominator__gte=1) & Q(weight_numerator__gte=1),
                name="voter_weight_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.resident or self.household}"


class Proxy(ConstraintErrorsOnFields, models.Model):
    """A voter gives its vote on a meeting's proposals or on one proposal to another resident."""

    project = models.ForeignKey(HousingProject, on_delete=models.CASCADE, related_name="proxies")
    grantor = models.ForeignKey(
        "members.Resident", on_delete=models.CASCADE, related_name="proxies_given"
    )
    holder = models.ForeignKey(
        "members.Resident", on_delete=models.CASCADE, related_name="proxies_held"
    )
    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="proxies"
    )
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="proxies"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    constraint_fields = {"proxy_not_to_oneself": "holder", "proxy_scope_one_of": "proposal"}

    class Meta:
        verbose_name = _("proxy")
        verbose_name_plural = _("proxies")
        ordering = ["-created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(grantor=F("holder")),
                name="proxy_not_to_oneself",
                violation_error_message=_("A proxy cannot be given to oneself."),
            ),
            models.CheckConstraint(
                condition=Q(meeting__isnull=True, proposal__isnull=False)
                | Q(meeting__isnull=False, proposal__isnull=True),
                name="proxy_scope_one_of",
                violation_error_message=_("A proxy is for one meeting or one proposal."),
            ),
            models.UniqueConstraint(
                fields=["grantor", "proposal"],
                condition=Q(revoked_at__isnull=True, proposal__isnull=False),
                name="proxy_one_active_per_proposal",
            ),
            models.UniqueConstraint(
                fields=["grantor", "meeting"],
                condition=Q(revoked_at__isnull=True, meeting__isnull=False),
                name="proxy_one_active_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.grantor} → {self.holder}"


class Objection(models.Model):
    """A reasoned objection in a consent round; it stands until the proposal is amended and the
    objector consents to the amended version."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="objections")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="objections")
    reason = models.TextField(_("reason"))
    raised_on_version = models.PositiveSmallIntegerField(_("raised on version"))
    raised_at = models.DateTimeField(default=timezone.now)
    # The version whose amendment answers this objection; its objector is then asked again.
    addressed_on_version = models.PositiveSmallIntegerField(
        _("addressed on version"), null=True, blank=True
    )
    resolved_on_version = models.PositiveSmallIntegerField(
        _("resolved on version"), null=True, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["proposal_id", "raised_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.reason[:40]}"


class RoundEntry(models.Model):
    """A clarifying question or a reaction in a consent round, in the order it was given."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="round_entries")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="round_entries")
    phase = models.CharField(_("round"), max_length=16, choices=ConsentPhase.choices)
    version = models.PositiveSmallIntegerField(_("version"))
    text = models.TextField(_("text"))
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("round entry")
        verbose_name_plural = _("round entries")
        ordering = ["proposal_id", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.phase}"


class Participation(models.Model):
    """That a voter took part in a proposal's vote: at most once, whoever cast it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="participations")
    voter = models.ForeignKey(Voter, on_delete=models.CASCADE, related_name="participations")
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    via_proxy = models.ForeignKey(
        Proxy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    on_paper = models.BooleanField(_("paper ballot"), default=False)
    # Open ballots only: the choice, changeable until the close (secret: sealed, see SealedBallot).
    choice = models.JSONField(null=True, blank=True)
    cast_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participation")
        verbose_name_plural = _("participations")
        constraints = [
            models.UniqueConstraint(fields=["proposal", "voter"], name="one_vote_per_voter"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.voter_id}"


class SealedBallot(models.Model):
    """A secret ballot during its vote: the choice, its receipt code and its weight, sealed.

    Written in the voter's transaction beside the ``Participation``, so it shares that row's
    ``xmin`` and follows the casting order on disk: it therefore holds nothing in clear that
    survives the close. ``sealed`` is AES-GCM under a key derived for the proposal from
    ``settings.BALLOT_SEALING_KEY``, which is not in the database (governance/sealing.py), and
    every ballot of a proposal has the same length. The key is random (UUID4), there is no
    time, no voter and no receipt. The close opens all of a proposal's sealed ballots at once,
    writes them as ``SecretChoice`` rows in a shuffled order and deletes them
    (``proposal_close``); a withdrawn vote's are deleted unopened. The sealing secret must
    therefore stay the same while a secret vote is open, or its close cannot open the ballots.

    Changing a secret ballot is refused (``ballot_cast``), and that is what keeps this simple:
    the voter's transaction cannot find its own sealed ballot again, since nothing on it names
    the voter. Allowing a change would mean a tag on each sealed ballot, an HMAC of the voter
    under the same secret, so that the new ballot replaces the old one; the tag means nothing
    without the secret and goes with the sealed ballot at the close, but every change would
    again be a write in the voter's transaction, which is why the product does not offer it.
    A live count of a secret ballot is refused as well (``Proposal.show_live_count``).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="sealed_ballots")
    sealed = models.BinaryField()

    class Meta:
        verbose_name = _("sealed ballot")
        verbose_name_plural = _("sealed ballots")

    def __str__(self) -> str:
        return f"{self.proposal_id} · {self.pk}"


class SecretChoice(models.Model):
    """A secret ballot's choice after the close, with nothing that leads back to the voter.

    All of a proposal's rows are written by its close, in one transaction (one ``xmin`` for all,
    never a voter's) and in a random order (``secrets.SystemRandom``), under random UUID keys;
    the row has no time and no foreign key but its proposal.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="secret_choices")
    choice = models.JSONField()
    weight_numerator = models.PositiveIntegerField(default=1)
    weight_denominator = models.PositiveIntegerField(default=1)
    receipt = models.CharField(max_length=32, unique=True)

    class Meta:
        verbose_name = _("secret choice")
        verbose_name_plural = _("secret choices")

    def __str__(self) -> str:
        return self.receipt


class Decision(models.Model):
    """The outcome of a closed proposal and the rules applied: the project's decision register."""

    proposal = models.OneToOneField(Proposal, on_delete=models.CASCADE, related_name="decision")
    project = models.ForeignKey(HousingProject, on_delete=models.CASCADE, related_name="decisions")
    tally = models.JSONField(_("tally"))
    rules = models.JSONField(_("rules applied"))
    electorate_size = models.PositiveIntegerField(_("electorate"))
    turnout = models.DecimalField(_("turnout"), max_digits=5, decimal_places=4)
    quorum_met = models.BooleanField(_("quorum met"))
    passed = models.BooleanField(_("passed"))
    tie = models.BooleanField(_("tie"), default=False)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    review_reminded_at = models.DateTimeField(_("review reminder sent at"), null=True, blank=True)
    result_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "pk"]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.outcome}"
