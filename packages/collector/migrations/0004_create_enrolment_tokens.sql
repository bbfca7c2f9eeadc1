-- Enrolment tokens, by SHA-256 of the token (the token itself is never stored). Putting a token again
-- replaces it: without a version column the last inserted row wins (read with FINAL).
CREATE TABLE IF NOT EXISTS enrolment_tokens
(
    token_sha256 String,
    label String,
    created_at_ms UInt64,
    expires_at_ms UInt64,
    max_uses UInt32
)
ENGINE = ReplacingMergeTree
ORDER BY token_sha256;
