"""Domain services: the writes of the API, as functions of a session and an actor."""
