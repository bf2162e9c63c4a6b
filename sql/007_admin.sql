-- The administrators' schema: what they use from psql.  Every function
-- checks its arguments, raises a clear error on bad ones, and writes an
-- audit row (who, when, what, on which object, why).

CREATE SCHEMA admin;
REVOKE ALL ON SCHEMA admin FROM PUBLIC;
GRANT USAGE ON SCHEMA admin TO amobill_admin;

CREATE TABLE amobill.audit (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	db_user		text NOT NULL DEFAULT session_user,
	at		timestamptz NOT NULL DEFAULT now(),
	action		text NOT NULL CHECK (action ~ '^[a-z_]{1,40}$'),
	object		text NOT NULL CHECK (length(object) <= 200),
	note		text CHECK (length(note) <= 2000)
);

CREATE VIEW admin.audit_log AS
	SELECT id, db_user, at, action, object, note FROM amobill.audit
	 ORDER BY id;

CREATE FUNCTION amobill.audit_write(p_action text, p_object text, p_note text)
RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	INSERT INTO amobill.audit (action, object, note)
	VALUES (p_action, p_object, p_note);
$$;
REVOKE ALL ON FUNCTION amobill.audit_write(text, text, text) FROM PUBLIC;

-- A note explains an administrator's act; it is required and bounded.
CREATE FUNCTION amobill.require_note(p_note text) RETURNS text
LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
	IF p_note IS NULL OR length(btrim(p_note)) < 3 THEN
		RAISE EXCEPTION 'a note (at least 3 characters) saying why is required';
	END IF;
	IF length(p_note) > 2000 THEN
		RAISE EXCEPTION 'the note is longer than 2000 characters';
	END IF;
	RETURN btrim(p_note);
END
$$;

-- Blocks a user (seed 8.2): every license of their accounts is suspended
-- at once, and they can no longer log in; the cabinet says why.
CREATE FUNCTION admin.block_account(p_user_id bigint, p_reason text,
    p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	IF p_reason IS NULL OR p_reason NOT IN ('government_order', 'copyright',
	    'third_party_complaint', 'prohibited_content', 'terms_violation') THEN
		RAISE EXCEPTION 'reason must be one of government_order, copyright, '
		    'third_party_complaint, prohibited_content, terms_violation';
	END IF;
	UPDATE amobill.users SET blocked_reason = p_reason, blocked_at = now()
	 WHERE id = p_user_id AND blocked_at IS NULL;
	IF NOT FOUND THEN
		IF NOT EXISTS (SELECT FROM amobill.users WHERE id = p_user_id) THEN
			RAISE EXCEPTION 'no user %', p_user_id;
		END IF;
		RAISE EXCEPTION 'user % is already blocked', p_user_id;
	END IF;
	-- A blocked user's sessions end.
	DELETE FROM amobill.sessions WHERE user_id = p_user_id;
	PERFORM amobill.audit_write('block_account', 'user ' || p_user_id,
	    p_reason || ': ' || n);
END
$$;

CREATE FUNCTION admin.unblock_account(p_user_id bigint, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	UPDATE amobill.users SET blocked_reason = NULL, blocked_at = NULL
	 WHERE id = p_user_id AND blocked_at IS NOT NULL;
	IF NOT FOUND THEN
		IF NOT EXISTS (SELECT FROM amobill.users WHERE id = p_user_id) THEN
			RAISE EXCEPTION 'no user %', p_user_id;
		END IF;
		RAISE EXCEPTION 'user % is not blocked', p_user_id;
	END IF;
	PERFORM amobill.audit_write('unblock_account', 'user ' || p_user_id, n);
END
$$;

REVOKE ALL ON ALL FUNCTIONS IN SCHEMA admin FROM PUBLIC;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA admin TO amobill_admin;
GRANT SELECT ON ALL TABLES IN SCHEMA admin TO amobill_admin;
