"""Tests of queue_server/admin: the administration API and the /admin/ console."""
