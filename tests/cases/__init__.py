"""Tests of queue_server/cases: intake, approval, pickup, documents, case numbering under races."""
