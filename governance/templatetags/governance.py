from django import template

from governance.outcomes import decision_outcome_text

register = template.Library()


@register.filter
def decision_outcome(decision) -> str:
    return decision_outcome_text(decision)
