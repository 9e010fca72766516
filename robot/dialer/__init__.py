"""dialer."""
