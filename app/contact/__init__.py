"""Official contact channels: directory, holiday-aware opening hours, waiting-time hints, fake-number check."""
