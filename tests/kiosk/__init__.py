"""Tests of the kiosk package: the printable ticket."""
