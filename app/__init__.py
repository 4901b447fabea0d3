"""Shouhu (守护): protection records of left-behind children and children in difficulty."""
