"""Realtime: Socket.IO handlers, the outbox of committed events, seq numbering and emitting."""
