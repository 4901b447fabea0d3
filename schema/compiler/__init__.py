"""The compiled read path: query documents answered by one SQL statement each."""
