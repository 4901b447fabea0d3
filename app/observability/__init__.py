"""What the service tells its operators about itself: the request's id and record
(`context`), Prometheus metrics (`metrics`) and the SQL statements' share of them (`sql`).
Ground floor: every floor may report through it."""
