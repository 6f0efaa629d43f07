"""Notifications: SMS to applicants, sent after the commit."""
