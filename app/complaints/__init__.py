"""Complaints, the domain: states, models, services, drafts, follow-up, triage, SLA and evidence."""
