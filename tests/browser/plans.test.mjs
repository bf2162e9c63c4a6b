/*
 * The plans on the landing page (issue 13), in a real browser: the page
 * lists the plans on sale from the site (GET /api/v1/plans, the widgets'
 * names from GET /api/v1/widgets), and a plan's "Оформить" opens the
 * checkout with that plan chosen.
 *
 *   AMOBILL_PORT=8080 AMOBILL_VAR=var AMOBILL_CONFIG=var/amobill.conf \
 *       node --test tests/browser/
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

import { BASE, PORT, WAIT, launchBrowser, newContext } from './standin.mjs';

const NBSP = '\u00a0';
const SINGLE = 'leadscore-6m';

let browser;

describe('the plans on the landing page', { timeout: 3 * 60 * 1000 }, () => {
	before(async () => {
		assert.ok(PORT, 'set AMOBILL_PORT (the running site)');
		browser = await launchBrowser();
	});

	after(async () => {
		if (browser)
			await browser.close();
	});

	test('listed from the database; "Оформить" opens the checkout with the plan', async () => {
		const context = await newContext(browser);
		context.setDefaultTimeout(WAIT);
		try {
			const page = await context.newPage();
			const errors = [];
			page.on('pageerror', (e) => errors.push(String(e)));

			// A customer logged in (the checkout is theirs only): the
			// registration as the site's API takes it.
			const login = `p${crypto.randomInt(1e9, 1e10)}`;
			assert.equal((await page.request.get(`${BASE}/api/v1/session`)).status(), 200);
			const csrf = (await context.cookies(BASE)).find((c) => c.name === 'csrf').value;
			const reg = await page.request.post(`${BASE}/register`, {
				headers: { Accept: 'application/json' },
				form: { login, email: `${login}@example.kz`, password: 'correct horse 1',
				    full_name: 'Иван Петров', status: 'individual',
				    address: 'г. Алматы, ул. Абая, 1', iin_bin: '791028302728',
				    consent: 'yes', csrf } });
			assert.equal(reg.status(), 201, await reg.text());

			const plans = await (await page.request.get(`${BASE}/api/v1/plans`)).json();
			const single = plans.find((p) => p.code === SINGLE);
			assert.ok(single, `${SINGLE} is on sale: ${JSON.stringify(plans)}`);

			await page.goto(BASE + '/', { timeout: WAIT });
			const list = page.locator('#plans');
			// The list the script writes: one item per plan on sale.
			await page.waitForFunction((n) => document.querySelectorAll('#plans li').length === n &&
			    /Оформить/.test(document.getElementById('plans').innerText), plans.length,
			    { timeout: WAIT });
			const text = await list.innerText();
			for (const p of plans)
				assert.ok(text.includes(p.name), `${p.name} in ${text}`);
			assert.ok(text.includes('Все виджеты на 6 месяцев'), text);
			assert.ok(text.includes('Оценка сделок на 6 месяцев'), text);
			const html = await list.evaluate((e) => e.textContent);
			assert.ok(html.includes(`60${NBSP}000${NBSP}₸`), html);
			assert.ok(html.includes(`25${NBSP}000${NBSP}₸`), html);
			assert.ok(html.includes("на 6 месяцев"), html);
			assert.ok(html.includes('все виджеты набора'), html);

			const item = list.getByRole('listitem').filter({ hasText: single.name });
			await item.getByRole('link', { name: 'Оформить' }).click();
			await page.waitForURL(`${BASE}/checkout?plan=${SINGLE}`);
			await page.getByRole('heading', { level: 1, name: 'Оплата подписки' }).waitFor();
			const radio = page.getByRole('radio', { name: new RegExp(single.name) });
			assert.equal(await radio.isChecked(), true, 'the plan is chosen');
			assert.equal(await page.getByRole('group', { name: 'Тариф' })
			    .getByRole('radio', { checked: true }).count(), 1, 'one plan is chosen');
			assert.deepEqual(errors, []);
		} finally {
			await context.close();
		}
	});
});
