"""Area statistics: the rollup kept current by the writes (`refresh`), past quarters filled
after a bulk load (`history`), and an area's report as a caller may see it (`report`)."""
