-- Development data, loaded by scripts/run and scripts/test (never in
-- production, where the operator publishes texts of their own): the
-- neutral sample documents.  psql variables offer, payment_policy and
-- privacy hold the texts.  Loading twice changes nothing.

INSERT INTO amobill.documents (kind, version, body)
VALUES ('offer', 'sample-1', :'offer'),
       ('payment_policy', 'sample-1', :'payment_policy'),
       ('privacy', 'sample-1', :'privacy')
ON CONFLICT (kind, version) DO NOTHING;

-- The plan of the contract and a sample widget catalogue.
INSERT INTO amobill.plans (code, name, price_tiyn, term_months)
VALUES ('all-widgets-6m', 'Все виджеты на 6 месяцев', 6000000, 6)
ON CONFLICT (code) DO NOTHING;

INSERT INTO amobill.widgets (code, name, description) VALUES
  ('leadscore', 'Оценка сделок', 'Считает вероятность закрытия сделки и показывает её в карточке.'),
  ('callplan', 'План звонков', 'Составляет план звонков на день по задачам и сделкам.'),
  ('dupfinder', 'Поиск дублей', 'Находит повторяющиеся контакты и компании и предлагает объединить их.')
ON CONFLICT (code) DO NOTHING;

-- A second plan, of one widget: what a customer who needs only that one
-- buys (the tests license it and not the others).
INSERT INTO amobill.plans (code, name, price_tiyn, term_months, bundle)
VALUES ('leadscore-6m', 'Оценка сделок на 6 месяцев', 2500000, 6, false)
ON CONFLICT (code) DO NOTHING;
INSERT INTO amobill.plan_widgets (plan_code, widget_code)
VALUES ('leadscore-6m', 'leadscore')
ON CONFLICT DO NOTHING;
