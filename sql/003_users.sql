-- Customers, their sessions, the published documents (offer, payment
-- policy, personal-data consent text) and the consents they gave.

-- The business's calendar is Almaty's: a day a customer is told of, or
-- counts (refund windows, reminders), is an Almaty day, whatever the
-- session's TimeZone.  These are the one home of that rule; every query
-- and every program's statement uses them (tests/sql/rules.sql).
-- IMMUTABLE: the zone is a constant and the format has no locale part.

-- The Almaty calendar day of an instant.
CREATE FUNCTION amobill.almaty_day(t timestamptz) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN (t AT TIME ZONE 'Asia/Almaty')::date;

-- An instant's Almaty day as customers read it: "05.03.2025".
CREATE FUNCTION amobill.day_text(t timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN to_char(t AT TIME ZONE 'Asia/Almaty', 'DD.MM.YYYY');

CREATE TABLE amobill.users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	login		text NOT NULL
			CONSTRAINT users_login_key UNIQUE
			CHECK (login ~ '^[a-z0-9._-]{3,32}$'),
	-- Stored lower-case, so the unique key is case-insensitive.
	email		text NOT NULL
			CONSTRAINT users_email_key UNIQUE
			CHECK (email = lower(email) AND length(email) <= 254
			    AND email ~ '^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z0-9-]+$'),
	password_hash	text NOT NULL CHECK (password_hash LIKE '$scrypt$%'),
	full_name	text NOT NULL
			CHECK (char_length(full_name) BETWEEN 2 AND 200),
	status		text NOT NULL
			CHECK (status IN ('individual', 'legal_entity')),
	address		text NOT NULL
			CHECK (char_length(address) BETWEEN 5 AND 300),
	iin_bin		text NOT NULL CHECK (amobill.kz_id_valid(iin_bin)),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	-- An individual (sole proprietors included) has an IIN, an entity
	-- a BIN.
	CONSTRAINT users_iin_bin_status CHECK (CASE status
	    WHEN 'individual' THEN amobill.kz_iin_shape(iin_bin)
	    ELSE amobill.kz_bin_shape(iin_bin) END)
);

-- A session is known by the SHA-256 of its cookie's token only.
CREATE TABLE amobill.sessions (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	user_id		bigint NOT NULL
			REFERENCES amobill.users (id) ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id ON amobill.sessions (user_id);

-- Published texts.  A version never changes once published: consents and
-- acceptances point at the exact text the customer saw.
CREATE TABLE amobill.documents (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	kind		text NOT NULL
			CHECK (kind IN ('offer', 'payment_policy', 'privacy')),
	version		text NOT NULL
			CHECK (version ~ '^[0-9A-Za-z._-]{1,32}$'),
	body		text NOT NULL CHECK (length(body) BETWEEN 1 AND 200000),
	published_at	timestamptz NOT NULL DEFAULT now(),
	UNIQUE (kind, version)
);

CREATE FUNCTION amobill.documents_immutable() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'a published document cannot be changed or removed; '
	    'publish a new version instead';
END
$$;
CREATE TRIGGER documents_immutable
	BEFORE UPDATE OR DELETE ON amobill.documents
	FOR EACH ROW EXECUTE FUNCTION amobill.documents_immutable();

-- The version of each kind in force: the latest published.
CREATE VIEW amobill.current_documents AS
	SELECT DISTINCT ON (kind) id, kind, version, body, published_at
	  FROM amobill.documents
	 WHERE published_at <= now()
	 ORDER BY kind, published_at DESC, id DESC;

-- What a customer consented to, which text, when and from where.
CREATE TABLE amobill.consents (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL
			REFERENCES amobill.users (id) ON DELETE CASCADE,
	purpose		text NOT NULL CHECK (purpose IN ('personal_data')),
	document_id	bigint NOT NULL REFERENCES amobill.documents (id),
	given_at	timestamptz NOT NULL DEFAULT now(),
	ip		inet NOT NULL,
	user_agent	text CHECK (length(user_agent) <= 512),
	withdrawn_at	timestamptz CHECK (withdrawn_at >= given_at)
);
CREATE INDEX consents_user_id ON amobill.consents (user_id);

-- register: creates a user with the consent and the first session.
GRANT INSERT (login, email, password_hash, full_name, status, address,
    iin_bin), SELECT (id) ON amobill.users TO amobill_register;
GRANT INSERT (user_id, purpose, document_id, ip, user_agent)
    ON amobill.consents TO amobill_register;
GRANT SELECT ON amobill.current_documents TO amobill_register;
GRANT INSERT ON amobill.sessions TO amobill_register;

-- account: logins, sessions, the cabinet and the documents.
GRANT SELECT, UPDATE (email, password_hash, full_name, status, address,
    iin_bin, updated_at) ON amobill.users TO amobill_account;
GRANT SELECT, INSERT, DELETE ON amobill.sessions TO amobill_account;
GRANT SELECT ON amobill.current_documents TO amobill_account;
