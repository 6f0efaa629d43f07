"""The queue (排队叫号): halls, queues and windows, tickets, calling, the clerk's desk, the board,
estimates."""
