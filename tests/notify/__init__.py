"""Tests of queue_server/notify: SMS to applicants."""
