"""Households: the family a child lives in."""
