"""Plain HTTP endpoints for partner systems that have a spreadsheet rather than a GraphQL client."""
