"""Tests of queue_server/api: the OpenAPI document, errors, idempotency, input edges, rate limits, labels."""
