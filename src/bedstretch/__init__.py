"""bedstretch: a coach for low-back stretches done in and beside bed."""

__version__ = "0.1.0"
