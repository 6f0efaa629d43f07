"""Tests of queue_server/supervision: the monitor, ratings and rectification, figures."""
