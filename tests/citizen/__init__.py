"""Tests of queue_server/citizen: the item list, appointments, online applications."""
