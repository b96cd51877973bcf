"""How complete a complaint is: what is still missing, and a score staff and users can read."""
from dataclasses import dataclass, field

from app.complaints.categories import CATEGORIES, DETAIL_FIELDS, evidence_label

WEIGHTS = {"required": 3, "evidence": 2, "optional": 1, "description": 1}
DETAILED_DESCRIPTION = 50


@dataclass
class Assessment:
    score: int
    missing_required: list = field(default_factory=list)
    missing_evidence: list = field(default_factory=list)
    missing_optional: list = field(default_factory=list)


def assess(category_id, details, evidence_kinds, description):
    """Score 0–100 from required details, expected evidence, optional details and a detailed description."""
    category = CATEGORIES[category_id]
    checks = [("required", f, f in details) for f in category.required]
    checks += [("evidence", k, k in evidence_kinds) for k in category.evidence]
    checks += [("optional", f, f in details) for f in category.optional]
    checks.append(("description", None, len(description or "") >= DETAILED_DESCRIPTION))
    total = sum(WEIGHTS[kind] for kind, _, _ in checks)
    earned = sum(WEIGHTS[kind] for kind, _, ok in checks if ok)
    missing = {kind: [name for k, name, ok in checks if k == kind and not ok] for kind in WEIGHTS}
    return Assessment(score=round(100 * earned / total),
                      missing_required=[DETAIL_FIELDS[f].label for f in missing["required"]],
                      missing_evidence=[evidence_label(k) for k in missing["evidence"]],
                      missing_optional=[DETAIL_FIELDS[f].label for f in missing["optional"]])
