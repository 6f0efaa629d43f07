"""Tests of queue_server/queue: tickets, calling, estimates, tallies, locks."""
