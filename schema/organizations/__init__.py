"""The organization directory: the bodies a case can be referred to."""
