"""Tests of the state machines in workflows/: tickets, cases, rectifications."""
