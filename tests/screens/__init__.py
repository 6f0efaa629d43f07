"""Browser tests of every screen, in Debian's Chromium through Playwright."""
