"""The complaint journey: describe, suggested answers, details and evidence, contact, review, submit."""
