"""The test suite: one folder per domain package of queue_server, plus screens, live-server and CLI tests."""
