"""Progress tracking by reference number, and the owner's follow-up (supplement, withdraw, rate, reopen)."""
