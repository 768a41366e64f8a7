"""Models of the bids app."""
