-- A change of address (contract §3, POST /account; issue 12): asked for
-- with the current password, it takes effect only when the link mailed to
-- the new address is followed, and the old address is told at once, with
-- a link that undoes the change for seven days (a stolen session cannot
-- quietly move the account to another address and reset its password).
-- An address another account holds is answered like a free one: its
-- owner gets a notice instead of a link, and the requester learns nothing.

-- The address asked for, until its link is followed (or it is undone).
ALTER TABLE amobill.users
	ADD COLUMN pending_email text
	    CHECK (pending_email = lower(pending_email)
		AND length(pending_email) <= 254),
	ADD COLUMN pending_email_at timestamptz,
	ADD CHECK ((pending_email IS NULL) = (pending_email_at IS NULL));

INSERT INTO amobill.mail_kinds (kind, link_path, link_valid) VALUES
	('email_change', '/email/verify', interval '1 day'),
	('email_change_notice', '/email/undo', interval '7 days'),
	('email_in_use', NULL, NULL);

-- Asks for p_email to become the user's address.  The same statements
-- run whether or not another account holds it: one mail to the new
-- address (the link, or the notice to its owner) and one to the old.
CREATE FUNCTION amobill.request_email_change(p_user bigint, p_email text)
    RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	u	amobill.users;
BEGIN
	UPDATE amobill.users SET pending_email = lower(p_email),
	    pending_email_at = now()
	 WHERE id = p_user AND erased_at IS NULL RETURNING * INTO STRICT u;
	IF EXISTS (SELECT FROM amobill.users WHERE email = u.pending_email) THEN
		PERFORM amobill.mail_enqueue('email_in_use', p_user,
		    u.pending_email, '{}');
	ELSE
		PERFORM amobill.mail_enqueue('email_change', p_user,
		    u.pending_email, jsonb_build_object('login', u.login));
	END IF;
	PERFORM amobill.mail_enqueue('email_change_notice', p_user, u.email,
	    jsonb_build_object('login', u.login, 'new_email', u.pending_email));
END
$$;

-- Follows a confirmation link: the one sent on registration (the address
-- is confirmed) or on a change (the address asked for becomes the user's,
-- confirmed, if it is still the one asked for).  Returns 'confirmed';
-- 'again' for a link that already did its work; 'taken' when another
-- account took the address meanwhile; 'bad' for any other token.
CREATE FUNCTION amobill.confirm_address(p_token_hash bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	t	amobill.mail_tokens;
	u	amobill.users;
BEGIN
	SELECT * INTO t FROM amobill.mail_tokens
	 WHERE token_hash = p_token_hash
	   AND purpose IN ('verify_email', 'email_change') FOR UPDATE;
	IF NOT FOUND THEN
		RETURN 'bad';
	END IF;
	SELECT * INTO u FROM amobill.users WHERE id = t.user_id FOR UPDATE;
	IF t.used_at IS NOT NULL THEN
		RETURN CASE WHEN u.email = t.email
		    AND u.email_verified_at IS NOT NULL THEN 'again' ELSE 'bad' END;
	END IF;
	IF t.expires_at <= now() OR u.erased_at IS NOT NULL THEN
		RETURN 'bad';
	END IF;
	IF t.purpose = 'verify_email' THEN
		IF u.email <> t.email THEN
			RETURN 'bad';
		END IF;
		UPDATE amobill.users
		   SET email_verified_at = coalesce(email_verified_at, now())
		 WHERE id = u.id;
	ELSE
		IF u.pending_email IS DISTINCT FROM t.email THEN
			RETURN 'bad';
		END IF;
		BEGIN
			UPDATE amobill.users SET email = t.email,
			    email_verified_at = now(), pending_email = NULL,
			    pending_email_at = NULL, updated_at = now()
			 WHERE id = u.id;
		EXCEPTION WHEN unique_violation THEN
			RETURN 'taken';
		END;
	END IF;
	UPDATE amobill.mail_tokens SET used_at = now()
	 WHERE token_hash = p_token_hash;
	RETURN 'confirmed';
END
$$;

-- An undo link, while it may be used (for the page that asks to confirm).
CREATE FUNCTION amobill.undo_link_valid(p_token_hash bytea) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, amobill
RETURN EXISTS (SELECT FROM amobill.mail_tokens t
    JOIN amobill.users u ON u.id = t.user_id
    WHERE t.token_hash = p_token_hash AND t.purpose = 'email_change_notice'
      AND t.used_at IS NULL AND t.expires_at > now()
      AND u.erased_at IS NULL);

-- Follows an undo link: the address it was sent to is the user's again,
-- confirmed (the link reached it); a change still waiting is dropped;
-- every session ends and every other link of the user dies (a stolen
-- session, a reset link mailed elsewhere).  Returns 'restored'; 'taken'
-- when another account holds the old address by now; 'bad' for a token
-- that is not a usable undo link.
CREATE FUNCTION amobill.undo_email_change(p_token_hash bytea) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	t	amobill.mail_tokens;
BEGIN
	SELECT * INTO t FROM amobill.mail_tokens
	 WHERE token_hash = p_token_hash AND purpose = 'email_change_notice'
	   AND used_at IS NULL AND expires_at > now() FOR UPDATE;
	IF NOT FOUND OR NOT amobill.undo_link_valid(p_token_hash) THEN
		RETURN 'bad';
	END IF;
	BEGIN
		UPDATE amobill.users SET email = t.email,
		    email_verified_at = CASE WHEN email = t.email
			THEN coalesce(email_verified_at, now()) ELSE now() END,
		    pending_email = NULL, pending_email_at = NULL,
		    updated_at = now()
		 WHERE id = t.user_id;
	EXCEPTION WHEN unique_violation THEN
		RETURN 'taken';
	END;
	UPDATE amobill.mail_tokens SET used_at = now()
	 WHERE user_id = t.user_id AND used_at IS NULL;
	DELETE FROM amobill.sessions WHERE user_id = t.user_id;
	RETURN 'restored';
END
$$;

-- The address asked for is personal data: erasure takes it.
CREATE FUNCTION amobill.users_erase_pending_email() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.pending_email := NULL;
	NEW.pending_email_at := NULL;
	RETURN NEW;
END
$$;
CREATE TRIGGER users_erase_pending_email
	BEFORE UPDATE OF erased_at ON amobill.users
	FOR EACH ROW WHEN (NEW.erased_at IS NOT NULL)
	EXECUTE FUNCTION amobill.users_erase_pending_email();

REVOKE ALL ON FUNCTION amobill.request_email_change(bigint, text),
    amobill.confirm_address(bytea), amobill.undo_link_valid(bytea),
    amobill.undo_email_change(bytea) FROM PUBLIC;
-- account asks; it no longer writes an address itself.
REVOKE UPDATE (email) ON amobill.users FROM amobill_account;
GRANT SELECT (pending_email) ON amobill.users TO amobill_account;
GRANT EXECUTE ON FUNCTION amobill.request_email_change(bigint, text)
    TO amobill_account;
-- password follows the links.
GRANT EXECUTE ON FUNCTION amobill.confirm_address(bytea),
    amobill.undo_link_valid(bytea), amobill.undo_email_change(bytea)
    TO amobill_password;
