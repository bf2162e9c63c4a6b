-- The journal of ResultURL calls (cgi/robokassa-result.c): a call that
-- came while the database was down was answered 503 and kept, one line, in
-- a local file; once the database answers, the program replays the line
-- through the same path as a live call (amobill.result_call), so the
-- call is recorded like every other, with the outcome the database gives
-- it.  The line's id goes with its event, once: replaying a line again
-- records nothing more.  See docs/operations.md.

ALTER TABLE amobill.payment_events
	ADD COLUMN journal_id text CHECK (journal_id ~ '^[0-9a-f]{32}$'),
	ADD CONSTRAINT payment_events_journal_id_key UNIQUE (journal_id);

-- A kept call, replayed: as result_call, recorded with the journal's id
-- and the time the call came.  A line already recorded returns the
-- outcome it had; two replays of one line at once record one (the second
-- fails on the key and rolls back, effect and all).
CREATE FUNCTION amobill.result_call_journaled(p_journal_id text,
    p_at timestamptz, p_ip inet, p_method text, p_params jsonb,
    p_inv_id integer, p_tiyn bigint, p_verdict text) RETURNS text
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, amobill AS $$
DECLARE
	outcome	text;
BEGIN
	SELECT e.outcome INTO outcome FROM amobill.payment_events e
	 WHERE e.journal_id = p_journal_id;
	IF FOUND THEN
		RETURN outcome;
	END IF;
	outcome := amobill.result_call(p_ip, p_method, p_params, p_inv_id,
	    p_tiyn, p_verdict);
	-- The event result_call has just written, in this session.
	UPDATE amobill.payment_events
	   SET journal_id = p_journal_id, received_at = p_at
	 WHERE id = currval(pg_get_serial_sequence('amobill.payment_events',
	    'id'));
	RETURN outcome;
END
$$;
REVOKE ALL ON FUNCTION amobill.result_call_journaled(text, timestamptz, inet,
    text, jsonb, integer, bigint, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION amobill.result_call_journaled(text, timestamptz,
    inet, text, jsonb, integer, bigint, text) TO amobill_payment;
