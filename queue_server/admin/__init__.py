"""Hall administration: halls, departments, queues, windows, staff and the audit log (issue #14)."""
