"""What citizens use directly: the 五办 item list and guides, appointments, online applications."""
