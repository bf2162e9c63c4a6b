-- The amoCRM integrations (contract §3, §5; issue 13): in amoCRM and Kommo
-- every widget is uploaded into an integration of its own, with its own
-- client_uuid, secret key and redirect URI (the audience of its tokens),
-- so a bundle of N widgets is N integrations.  license-check picks the
-- integration by the token's client_uuid and verifies the token with its
-- secret (or, during a rotation, its previous one) and audience; the
-- widget asked must be the integration's own.
--
-- The secrets are license-check's alone: no role may read the table; its
-- program reads the integrations in force through
-- amobill.license_integrations(), which only amobill_license may run; the
-- administrator's view shows everything but the secrets.  Any change is
-- announced on license_changed, so every worker reloads within a second.

CREATE TABLE amobill.integrations (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	widget_code	text NOT NULL REFERENCES amobill.widgets (code),
	client_uuid	uuid NOT NULL CONSTRAINT integrations_client_uuid_key UNIQUE,
	-- amoCRM's secret keys are 64 characters; anything from 16 to 256
	-- printable ASCII characters is taken.
	secret		text NOT NULL CHECK (secret ~ '^[!-~]+$'
			    AND length(secret) BETWEEN 16 AND 256),
	secret_previous	text CHECK (secret_previous ~ '^[!-~]+$'
			    AND length(secret_previous) BETWEEN 16 AND 256),
	-- The integration's redirect URI's origin, as amoCRM puts it in aud.
	audience	text NOT NULL CHECK (audience ~
			    '^https?://[a-z0-9.-]{1,253}(:[0-9]{1,5})?$'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	rotated_at	timestamptz,
	retired_at	timestamptz,
	CHECK (secret_previous IS NULL OR secret_previous <> secret)
);
CREATE INDEX integrations_widget_code ON amobill.integrations (widget_code);

CREATE FUNCTION amobill.notify_integrations() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('license_changed', 'integrations');
	RETURN NULL;
END
$$;
CREATE TRIGGER integrations_notify
	AFTER INSERT OR UPDATE OR DELETE ON amobill.integrations
	FOR EACH STATEMENT EXECUTE FUNCTION amobill.notify_integrations();

-- The integrations in force, secrets and all: license-check's only way to
-- them.
CREATE FUNCTION amobill.license_integrations()
RETURNS TABLE (client_uuid text, widget_code text, secret text,
    secret_previous text, audience text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
	SELECT i.client_uuid::text, i.widget_code, i.secret, i.secret_previous,
	       i.audience
	  FROM amobill.integrations i
	 WHERE i.retired_at IS NULL
	 ORDER BY i.id;
$$;

-- An integration by its client_uuid, locked, or an error naming it.
CREATE FUNCTION amobill.integration_for_update(p_client_uuid uuid)
RETURNS amobill.integrations
LANGUAGE plpgsql SET search_path = pg_catalog, amobill AS $$
DECLARE
	i	amobill.integrations;
BEGIN
	SELECT * INTO i FROM amobill.integrations
	 WHERE client_uuid = p_client_uuid FOR UPDATE;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'no integration %', p_client_uuid;
	END IF;
	IF i.retired_at IS NOT NULL THEN
		RAISE EXCEPTION 'integration % is retired', p_client_uuid;
	END IF;
	RETURN i;
END
$$;

-- ---- The administrator's functions (each audited; none returns a secret) ----

-- A new widget of the catalogue.  A bundle plan covers it at once.
CREATE FUNCTION admin.add_widget(p_code text, p_name text,
    p_description text, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	INSERT INTO amobill.widgets (code, name, description)
	VALUES (p_code, p_name, p_description);
	PERFORM pg_notify('license_changed', 'widgets');
	PERFORM amobill.audit_write('add_widget', 'widget ' || p_code, n);
END
$$;

-- The integration a widget was uploaded into: its client_uuid ("ID
-- интеграции"), secret key ("Секретный ключ") and the origin of its
-- redirect URI, from the integration's page in amoCRM (docs/widget.md).
CREATE FUNCTION admin.add_integration(p_widget_code text, p_client_uuid uuid,
    p_secret text, p_audience text, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
BEGIN
	INSERT INTO amobill.integrations (widget_code, client_uuid, secret,
	    audience)
	VALUES (p_widget_code, p_client_uuid, p_secret, p_audience);
	PERFORM amobill.audit_write('add_integration',
	    'integration ' || p_client_uuid || ' of widget ' || p_widget_code, n);
END
$$;

-- A new secret key (amoCRM's "Сгенерировать новый ключ"): the old one
-- stays good as the previous one until admin.drop_previous_secret, so
-- widgets holding tokens signed with it keep working meanwhile.
CREATE FUNCTION admin.rotate_integration_secret(p_client_uuid uuid,
    p_new_secret text, p_note text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	i	amobill.integrations := amobill.integration_for_update(p_client_uuid);
BEGIN
	IF p_new_secret = i.secret THEN
		RAISE EXCEPTION 'the new secret is the current one';
	END IF;
	UPDATE amobill.integrations SET secret_previous = secret,
	    secret = p_new_secret, rotated_at = now()
	 WHERE id = i.id;
	PERFORM amobill.audit_write('rotate_integration_secret',
	    'integration ' || p_client_uuid, n);
END
$$;

CREATE FUNCTION admin.drop_previous_secret(p_client_uuid uuid, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	i	amobill.integrations := amobill.integration_for_update(p_client_uuid);
BEGIN
	IF i.secret_previous IS NULL THEN
		RAISE EXCEPTION 'integration % has no previous secret',
		    p_client_uuid;
	END IF;
	UPDATE amobill.integrations SET secret_previous = NULL WHERE id = i.id;
	PERFORM amobill.audit_write('drop_previous_secret',
	    'integration ' || p_client_uuid, n);
END
$$;

-- No longer in use (the widget was moved to another integration, or
-- withdrawn): its tokens are refused from now on.  The row stays, for the
-- record; its secrets go.
CREATE FUNCTION admin.retire_integration(p_client_uuid uuid, p_note text)
RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	n	text := amobill.require_note(p_note);
	i	amobill.integrations := amobill.integration_for_update(p_client_uuid);
BEGIN
	UPDATE amobill.integrations SET retired_at = now(),
	    secret = repeat('-', 16), secret_previous = NULL
	 WHERE id = i.id;
	PERFORM amobill.audit_write('retire_integration',
	    'integration ' || p_client_uuid, n);
END
$$;

CREATE VIEW admin.integrations AS
	SELECT i.widget_code, w.name AS widget_name, i.client_uuid, i.audience,
	       i.secret_previous IS NOT NULL AS previous_secret_accepted,
	       i.created_at, i.rotated_at, i.retired_at
	  FROM amobill.integrations i
	  JOIN amobill.widgets w ON w.code = i.widget_code
	 ORDER BY i.widget_code, i.created_at;

REVOKE ALL ON amobill.integrations FROM PUBLIC;
REVOKE ALL ON FUNCTION amobill.license_integrations(),
    amobill.integration_for_update(uuid), amobill.notify_integrations(),
    admin.add_widget(text, text, text, text),
    admin.add_integration(text, uuid, text, text, text),
    admin.rotate_integration_secret(uuid, text, text),
    admin.drop_previous_secret(uuid, text),
    admin.retire_integration(uuid, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.license_integrations() TO amobill_license;
GRANT EXECUTE ON FUNCTION admin.add_widget(text, text, text, text),
    admin.add_integration(text, uuid, text, text, text),
    admin.rotate_integration_secret(uuid, text, text),
    admin.drop_previous_secret(uuid, text),
    admin.retire_integration(uuid, text) TO amobill_admin;
GRANT SELECT ON admin.integrations TO amobill_admin;
-- A failed call of the functions above would be written to the server's
-- log with its statement, secret and all: not the administrator's.
ALTER ROLE amobill_admin SET log_min_error_statement = panic;
