"""The typed JSON contract: one Pydantic model per response shape, one module per resource.

Routes declare these as their response models, so `/openapi.json` (and `/api/docs`)
describes every success and error body. Field names and shapes are the ones the API
has always sent; a model rejects a field it does not know, so a serializer that grows
a field without the contract fails the tests instead of silently dropping it.
"""
