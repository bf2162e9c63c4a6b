-- Development data, loaded by scripts/run and scripts/test (never in
-- production, where the operator publishes texts of their own): the
-- neutral sample documents.  psql variables offer, payment_policy and
-- privacy hold the texts.  Loading twice changes nothing.

INSERT INTO amobill.documents (kind, version, body)
VALUES ('offer', 'sample-1', :'offer'),
       ('payment_policy', 'sample-1', :'payment_policy'),
       ('privacy', 'sample-1', :'privacy')
ON CONFLICT (kind, version) DO NOTHING;
