"""Staff accounts: users, sign-in and tokens, revocation, and the one authorization policy."""
