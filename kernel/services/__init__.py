"""Shared services, one of each, used by every plugin: events, jobs, attachments, PDF, audit, sending."""
