"""The terminal player: plays a timeline on a monotonic clock, full screen or as lines."""
