"""Auditing pretrained models for bias and provenance (lesson 11).

- ``weat``            the WEAT/SEAT association test for any encoder, with exact permutation p-values for small sets
- ``seat``            the workbook's templates and word lists (``data.words``), and results written into a card
- ``counterfactual``  identity terms swapped in real messages: label flips, accuracy by group (fairlearn)
- ``provenance``      licence and provenance rules across a zoo: derived models name and follow their parent
"""

from .counterfactual import CounterfactualReport, counterfactual_audit, counterfactuals
from .provenance import Finding, audit_cards, cards_in, parent_of
from .seat import audit_date, record_audit, records, run_tests, seat_encoder
from .weat import AuditError, WeatResult, associations, weat

__all__ = [
    "AuditError",
    "CounterfactualReport",
    "Finding",
    "WeatResult",
    "associations",
    "audit_cards",
    "audit_date",
    "cards_in",
    "counterfactual_audit",
    "counterfactuals",
    "parent_of",
    "record_audit",
    "records",
    "run_tests",
    "seat_encoder",
    "weat",
]
