"""Staff accounts, their alerts and the audit log: the domain the staff console and the complaint services share."""
