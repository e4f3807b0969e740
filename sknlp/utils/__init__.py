"""Validation helpers and small utilities shared across sknlp."""

from ._optional import import_optional
from ._validation import check_documents, check_token_sequences

__all__ = ["check_documents", "check_token_sequences", "import_optional"]
