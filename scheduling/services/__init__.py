"""Business rules of scheduling, the only writers: calendars, availability and booking, integrations, reminders."""
