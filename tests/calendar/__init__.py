"""Tests of queue_server/calendar: the working-day calendar and its API."""
