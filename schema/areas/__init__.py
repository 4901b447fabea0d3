"""Areas: the province → village tree."""
