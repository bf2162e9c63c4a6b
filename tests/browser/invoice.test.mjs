/*
 * Paying by invoice in a real browser (issue 15), with clicks and typing:
 * a legal entity registers, opens the checkout, chooses "По счёту",
 * submits, lands in the cabinet and finds the invoice under "Документы"
 * with its link; the administrator records the bank payment in psql
 * (docs/admin.md, admin.record_bank_payment) and the act joins it.  At
 * 1280 and 360 px no number, date or amount of the cabinet breaks across
 * lines, every cell holding only one is marked to be measured, and the
 * page does not scroll sideways at 360 px.
 *
 *   AMOBILL_PORT=8080 AMOBILL_VAR=var AMOBILL_CONFIG=var/amobill.conf \
 *       node --test tests/browser/
 *
 * Each link gives its PDF, with the browser's own session (what the PDF
 * holds is tests/http/test_documents.py's).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import path from 'node:path';

import { BASE, SHOTS, VAR, WAIT, launchBrowser, loadSite, newContext } from './standin.mjs';
import { unmarkedNumberCells, wrappedCells } from './layout.mjs';

const WIDE = { width: 1280, height: 800 };
const NARROW = { width: 360, height: 740 };
const BIN = '940140000385';

let browser;

// The administrator, in psql as docs/admin.md says.
function adminPsql(sql) {
	return execFileSync('psql', ['-X', '-q', '-tA', '-h', path.join(VAR, 'pg'),
	    '-U', 'amobill_admin', '-d', 'amobill', '-v', 'ON_ERROR_STOP=1', '-c', sql],
	    { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// What is wrong with the page's layout at 1280 and at 360 px.
async function layoutProblems(page, name) {
	const found = [];
	for (const [size, label] of [[WIDE, '1280'], [NARROW, '360']]) {
		await page.setViewportSize(size);
		for (const c of await wrappedCells(page, 'td.num, span.num'))
			found.push(`${name} at ${label} px: ${c} breaks across lines`);
		for (const c of await unmarkedNumberCells(page))
			found.push(`${name}: the cell ${c} is not marked td.num`);
		const width = await page.evaluate(() => document.documentElement.scrollWidth);
		if (size === NARROW && width > NARROW.width + 1)
			found.push(`${name} at 360 px is ${width} px wide (scrolls sideways)`);
		await page.screenshot({ path: path.join(SHOTS, `invoice-${name}-${label}.png`),
		    fullPage: true, timeout: WAIT });
	}
	await page.setViewportSize(WIDE);
	return found;
}

// The links of the cabinet's "Документы", as {text, href}.
async function documentLinks(page) {
	const list = page.getByRole('list', { name: 'Документы' });
	await list.waitFor({ timeout: WAIT });
	return list.getByRole('link').evaluateAll((as) => as.map((a) => ({
		text: a.innerText.replace(/\s+/g, ' ').trim(), href: a.getAttribute('href') })));
}

describe('paying by invoice in a real browser', { timeout: 5 * 60 * 1000 }, () => {
	before(async () => {
		loadSite();
		browser = await launchBrowser();
	});

	after(async () => {
		if (browser)
			await browser.close();
	});

	test('checkout by invoice to the cabinet\'s documents, then the act', async () => {
		const context = await newContext(browser, { viewport: WIDE });
		context.setDefaultTimeout(WAIT);
		context.setDefaultNavigationTimeout(WAIT);
		const page = await context.newPage();
		const errors = [];
		page.on('pageerror', (e) => errors.push(String(e)));
		const login = `i${crypto.randomInt(1e9, 1e10)}`;
		const sub = `invoice${crypto.randomInt(1e9, 1e10)}`;
		try {
			await page.goto(BASE + '/register', { timeout: WAIT });
			await page.getByLabel('Логин', { exact: true }).fill(login);
			await page.getByLabel('Электронная почта').fill(`${login}@example.kz`);
			await page.getByLabel('Пароль', { exact: true }).fill('correct horse 1');
			await page.getByRole('radio', { name: 'Юридическое лицо' }).check();
			await page.getByLabel('ФИО или наименование организации')
			    .fill('ТОО «Браузер-Клиент»');
			await page.getByLabel('Адрес', { exact: true }).fill('г. Астана, пр. Образцовый, 11');
			await page.getByLabel(/ИИН/).fill(BIN);
			await page.getByRole('checkbox', { name: /согласие на сбор и обработку/ }).check();
			await page.getByRole('button', { name: 'Зарегистрироваться' }).click();
			await page.waitForURL(`${BASE}/account`);

			await page.getByRole('link', { name: 'Оплатить подписку' }).click();
			await page.waitForURL(`${BASE}/checkout`);
			const card = page.getByRole('radio', { name: 'Картой' });
			const invoice = page.getByRole('radio', { name: 'По счёту (банковский перевод)' });
			assert.ok(await card.isChecked(), 'card is the default');
			assert.ok(!(await invoice.isChecked()));
			assert.match(await page.getByRole('main').innerText(), /в течение \d+ (дня|дней)/);
			await invoice.check();
			await page.getByLabel('Адрес аккаунта amoCRM').fill(sub);
			await page.getByRole('checkbox', { name: /Я принимаю условия/ }).check();
			await page.getByRole('button', { name: 'Перейти к оплате' }).click();
			await page.waitForURL(`${BASE}/account`);
			await page.getByRole('heading', { level: 1, name: 'Личный кабинет' }).waitFor();

			let links = await documentLinks(page);
			assert.equal(links.length, 1, JSON.stringify(links));
			const m = /^Счёт на оплату № (\d{4}-\d{6}) от (\d\d\.\d\d\.\d{4})$/
			    .exec(links[0].text);
			assert.ok(m, `the invoice's link: ${JSON.stringify(links[0])}`);
			const number = m[1];
			const h = /^\/documents\/invoice\/(\d+)\.pdf$/.exec(links[0].href);
			assert.ok(h, `the invoice's address: ${links[0].href}`);
			const invId = h[1];
			assert.match(await page.getByRole('list', { name: 'Документы' }).innerText(),
			    new RegExp(`заказ № ${invId}`));
			const order = page.getByRole('row').filter({
			    has: page.getByRole('cell', { name: invId, exact: true }) });
			assert.match(await order.innerText(), /по счёту/);
			assert.match(await order.innerText(), /не оплачен/);
			const problems = await layoutProblems(page, 'cabinet-invoice');

			// The bank payment, as the administrator records it.
			assert.match(number, /^\d{4}-\d{6}$/);
			assert.equal(adminPsql('SELECT admin.record_bank_payment(number, amount, ' +
			    `current_date, 'PP-BROWSER', 'browser test') FROM admin.invoices ` +
			    `WHERE number = '${number}'`), 'paid');
			await page.reload({ timeout: WAIT });
			links = await documentLinks(page);
			assert.equal(links.length, 2, JSON.stringify(links));
			assert.match(links[0].text, /^Акт № \d{4}-\d{6} от \d\d\.\d\d\.\d{4}$/);
			assert.equal(links[0].href, `/documents/act/${invId}.pdf`);
			assert.equal(links[1].href, `/documents/invoice/${invId}.pdf`);
			for (const l of links) {
				const r = await page.request.get(BASE + l.href);
				assert.equal(r.status(), 200, l.href);
				assert.equal(r.headers()['content-type'], 'application/pdf');
				assert.equal((await r.body()).subarray(0, 5).toString(), '%PDF-');
			}
			assert.doesNotMatch(await order.innerText(), /не оплачен/);
			assert.match(await order.innerText(), /оплачен/);
			problems.push(...await layoutProblems(page, 'cabinet-act'));
			assert.deepEqual(problems, [], problems.join('\n'));
			assert.deepEqual(errors, []);
		} finally {
			await context.close();
		}
	});
});
