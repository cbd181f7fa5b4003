"""marshmallow schemas: the one description of every payload (API, forms, OpenAPI)."""
