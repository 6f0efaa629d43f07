"""Tests of queue_server/realtime: Socket.IO handlers, events after the answer, outages, workers."""
