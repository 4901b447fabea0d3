"""Area statistics: counts for counties and above, small cells protected."""
