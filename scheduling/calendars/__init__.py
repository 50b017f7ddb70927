"""Clients of external calendars through their documented HTTP APIs: Google Calendar, Microsoft Graph, CalDAV.

Base URLs come from settings so that tests (and regional or self-hosted endpoints) can point them elsewhere.
"""
