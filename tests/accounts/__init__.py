"""Tests of queue_server/accounts: sign-in, tokens, revocation, the authorization policy."""
