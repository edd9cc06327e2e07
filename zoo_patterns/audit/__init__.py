"""Auditing pretrained models for bias (lesson 11, in progress).

- ``weat``  the WEAT/SEAT association test for any sentence or word encoder, with exact
            permutation p-values for small sets

Still to come (issue 13): SEAT templates and the workbook's own word lists, the
counterfactual audit of the help-desk router with fairlearn, the provenance and
licence audit of the zoo, and results written into model cards.
"""

from .weat import AuditError, WeatResult, associations, weat

__all__ = ["AuditError", "WeatResult", "associations", "weat"]
