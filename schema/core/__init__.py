"""Pieces every part of the schema uses: context, loaders, pagination."""
