"""The working-day calendar, the hall's clock and the time limits (限时办结) computed from them."""
