"""What the service tells its operators about itself: the request's id and record
(`context`), Prometheus metrics (`metrics`), OpenTelemetry traces (`tracing`) and the SQL
statements' share of both (`sql`). Ground floor: every floor may report through it."""
