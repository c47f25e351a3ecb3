"""The review: what a reviewer decided and did, as pure edits (edits) kept in SQLite with
their whole history (store)."""
