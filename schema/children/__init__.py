"""Children: the file of one child."""
