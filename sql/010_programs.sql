-- The programs by job: what was one program, account, is four (login,
-- account, password, legal), each with its own role and only what its
-- handlers run.  The earlier migrations granted account everything the
-- four needed; what the cabinet no longer needs is taken back here.

-- login: the password check (with the reason of a block, in the words of
-- amobill.block_reasons), a new hash when the parameters were raised,
-- sessions started and ended.
GRANT SELECT (id, login, email, password_hash, blocked_reason, blocked_at),
    UPDATE (password_hash) ON amobill.users TO amobill_login;
GRANT SELECT, INSERT, DELETE ON amobill.sessions TO amobill_login;
GRANT SELECT ON amobill.block_reasons TO amobill_login;

-- account: the cabinet.  It reads the profile (never a block's reason),
-- changes it, ends the user's other sessions after a new password, and
-- lists the orders, licenses and refund requests (grants of 004, 007).
-- Revoking the table's SELECT takes its column grants with it, so the
-- columns are granted after.
REVOKE SELECT ON amobill.users FROM amobill_account;
REVOKE UPDATE (email_verified_at) ON amobill.users FROM amobill_account;
GRANT SELECT (id, login, email, full_name, status, address, iin_bin,
    password_hash, blocked_at) ON amobill.users TO amobill_account;
REVOKE INSERT ON amobill.sessions FROM amobill_account;
REVOKE ALL ON amobill.current_documents, amobill.plans, amobill.mail_tokens
    FROM amobill_account;

-- password: asks for reset links (amobill.request_password_reset, granted
-- in sql/014_reset_requests.sql), uses them and the confirmation links
-- (which end every session of the user), never sees a session's token.
GRANT SELECT (token_hash, purpose, user_id, email, expires_at, used_at),
    UPDATE (used_at) ON amobill.mail_tokens TO amobill_password;
GRANT SELECT (id, email, email_verified_at),
    UPDATE (password_hash, updated_at, email_verified_at)
    ON amobill.users TO amobill_password;
GRANT SELECT (user_id), DELETE ON amobill.sessions TO amobill_password;

-- legal: the documents in force, and who is logged in (the layout's
-- links).
GRANT SELECT ON amobill.current_documents TO amobill_legal;
GRANT SELECT ON amobill.sessions TO amobill_legal;
GRANT SELECT (id, login, email, blocked_at) ON amobill.users
    TO amobill_legal;
