/*
 * The example widget (widget/) in a real browser, against the running site.
 *
 *   AMOBILL_PORT=8080 AMOBILL_VAR=var AMOBILL_CONFIG=var/amobill.conf \
 *       node --test tests/browser/
 *
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core) opens an
 * amoCRM stand-in page at https://test<N>.amocrm.ru/... (standin.mjs),
 * served by page.route() together with the REAL widget/script.js and i18n
 * files; the only change to script.js is the one a vendor makes when
 * packaging (the base URL, public key and widget code constants).  The
 * stand-in gives the widget what amoCRM gives it (APP/AMOCRM, an AMD
 * loader, get_settings, render_template, i18n, and $authorizedAjax doing a
 * real cross-origin fetch with an X-Auth-Token that this test mints as
 * amoCRM would).  Each scenario uses a fresh amoCRM account id.
 * Screenshots go to $AMOBILL_TEST_OUTPUT (default $AMOBILL_VAR/screenshots/).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import path from 'node:path';

import {
	BASE, PORT, SHOTS, VAR, WAIT, WIDGET, almatyDate, launchBrowser, loadSite,
	mintToken as mintAmoToken, newContext as newAlmatyContext, normalisePem,
	packagedScript as packageScript, readNotice, routeStandIn,
} from './standin.mjs';

let cfg;			// the site's configuration
let publicPem;			// the public half of the site's signing key
let browser;

// The packaged widget/script.js (standin.mjs), by default as this test
// packages it: the site's base URL, the catalogue's code, the site's key.
function packagedScript(over = {}) {
	return packageScript({ base: BASE, code: WIDGET, pem: publicPem, ...over });
}

// amoCRM's disposable token for the account (standin.mjs).
function mintToken(account, opts) {
	return mintAmoToken(cfg, account, opts);
}


// ---- The database: EVERY statement this test runs is here ----------------------

/*
 * ALL OF THIS TEST'S SQL.  The schema belongs to the server side; if it
 * changes, this function is the only place to follow it.  Runs psql as the
 * cluster's superuser over the data folder's socket.  Arguments are
 * integers, checked before they reach the SQL.
 *
 *   unused   {accountId, host}  'true' if neither the amoCRM account id nor
 *                               the host is known yet
 *   expire   {invId}            the order's paid period ended yesterday
 *   expiring {invId}            the order's paid period ends in 3 days
 *   block    {userId}           the administrator blocks the buyer, which
 *                               suspends the licenses of their accounts
 *   others   {}                 a plan on sale, browser-others, of every
 *                               catalogue widget but this test's
 */
function database(action, args) {
	for (const [k, v] of Object.entries(args))
		if (k !== 'host')
			assert.ok(Number.isSafeInteger(Number(v)) && Number(v) > 0, `${k} = ${v}`);
	let sql;
	switch (action) {
	case 'unused':
		assert.match(args.host, /^test[0-9]+\.amocrm\.ru$/);
		sql = `SELECT NOT EXISTS (SELECT FROM amobill.amo_accounts
		        WHERE amo_account_id = ${Number(args.accountId)}
		           OR host = '${args.host}')`;
		break;
	case 'expire':
		sql = `UPDATE amobill.license_periods
		          SET starts_at = now() - interval '200 days',
		              ends_at = now() - interval '1 day'
		        WHERE inv_id = ${Number(args.invId)}`;
		break;
	case 'expiring':
		sql = `UPDATE amobill.license_periods
		          SET ends_at = now() + interval '3 days'
		        WHERE inv_id = ${Number(args.invId)}`;
		break;
	case 'block':
		sql = `SELECT admin.block_account(${Number(args.userId)},
		        'terms_violation', 'browser test')`;
		break;
	case 'others':
		assert.match(WIDGET, /^[a-z0-9_-]+$/);
		sql = `INSERT INTO amobill.plans (code, name, price_tiyn, term_months, bundle)
		       VALUES ('browser-others', 'Без ${WIDGET}', 1000000, 6, false)
		       ON CONFLICT DO NOTHING;
		       INSERT INTO amobill.plan_widgets (plan_code, widget_code)
		       SELECT 'browser-others', code FROM amobill.widgets
		        WHERE code <> '${WIDGET}' ON CONFLICT DO NOTHING`;
		break;
	default:
		throw new Error(`unknown database action ${action}`);
	}
	return execFileSync('psql', ['-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1',
	    '-h', path.join(VAR, 'pg'), '-U', 'postgres', '-d', 'amobill', '-c', sql],
	    { encoding: 'utf8', timeout: 30000, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

// ---- Accounts ----------------------------------------------------------------

function randomInt(lo, hi) {
	return lo + crypto.randomInt(hi - lo + 1);
}

// A never-seen amoCRM account: a random 8-digit id, host test<id>.amocrm.ru.
function freshAccount() {
	for (let i = 0; i < 10; i++) {
		const id = randomInt(10000000, 99999999);
		const acc = { id, sub: `test${id}`, host: `test${id}.amocrm.ru` };
		if (database('unused', { accountId: id, host: acc.host }) === 't')
			return acc;
	}
	throw new Error('no unused account id found');
}

// ---- The site's own purchase flow over HTTP ----------------------------------

/*
 * One HTTP client: a cookie jar and a loopback address of its own, so
 * that nginx's per-address limits count it alone.
 */
function siteClient({ json = true } = {}) {
	const address = `127.${randomInt(1, 254)}.${randomInt(0, 254)}.${randomInt(1, 254)}`;
	const cookies = new Map();
	async function request(method, pathname, fields) {
		const body = fields ? new URLSearchParams(fields).toString() : null;
		const headers = { Host: `127.0.0.1:${PORT}` };
		if (json)
			headers.Accept = 'application/json';
		if (cookies.size)
			headers.Cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
		if (body !== null) {
			headers['Content-Type'] = 'application/x-www-form-urlencoded';
			headers['Content-Length'] = Buffer.byteLength(body);
		}
		const res = await new Promise((resolve, reject) => {
			const req = http.request({ host: '127.0.0.1', port: PORT, method,
			    path: pathname, headers, localAddress: address, timeout: 15000 }, (r) => {
				const chunks = [];
				r.on('data', (c) => chunks.push(c));
				r.on('end', () => resolve({ status: r.statusCode, headers: r.headers,
				    text: Buffer.concat(chunks).toString('utf8') }));
				r.on('error', reject);
			});
			req.on('timeout', () => req.destroy(new Error(`${method} ${pathname}: timed out`)));
			req.on('error', reject);
			if (body !== null)
				req.write(body);
			req.end();
		});
		for (const c of res.headers['set-cookie'] || []) {
			const pair = c.split(';')[0], eq = pair.indexOf('=');
			if (/max-age=0/i.test(c))
				cookies.delete(pair.slice(0, eq));
			else
				cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
		}
		return res;
	}
	return { request, cookies };
}

/*
 * A customer registers, orders the subscription for the account's host and
 * pays: Robokassa's ResultURL call, signed with password #2 as Robokassa
 * signs it.  The first license check then links the amoCRM account id to
 * the host through the token's iss.
 */
async function buyLicense(acc, plan = 'all-widgets-6m') {
	const c = siteClient();
	let r = await c.request('GET', '/api/v1/session');
	assert.equal(r.status, 200, `GET /api/v1/session: ${r.text}`);
	const login = `wt${acc.id}${randomInt(100, 999)}`;
	r = await c.request('POST', '/register', {
		login, email: `${login}@example.kz`, password: 'correct horse 1',
		full_name: 'Иван Петров', status: 'individual',
		address: 'г. Алматы, ул. Абая, 1', iin_bin: '791028302728',
		consent: 'yes', csrf: c.cookies.get('csrf'),
	});
	assert.equal(r.status, 201, `POST /register: ${r.status} ${r.text}`);
	const userId = JSON.parse(r.text).user_id;
	r = await c.request('POST', '/checkout', {
		plan, amo_domain: acc.host, accept_offer: 'yes', csrf: c.cookies.get('csrf'),
	});
	assert.equal(r.status, 201, `POST /checkout: ${r.status} ${r.text}`);
	const order = JSON.parse(r.text);
	const invId = String(order.inv_id);
	const outSum = Number(order.params.OutSum).toFixed(6);
	const shp = Object.keys(order.params).filter((k) => /^shp_/i.test(k)).sort();
	const signed = [outSum, invId, cfg.robokassa_password2,
	    ...shp.map((k) => `${k}=${order.params[k]}`)].join(':');
	const fields = {
		OutSum: outSum, InvId: invId,
		SignatureValue: crypto.createHash(cfg.robokassa_hash || 'md5').update(signed).digest('hex'),
		Fee: '2100.000000', EMail: `${login}@example.kz`, PaymentMethod: 'BankCard',
		IncCurrLabel: 'BankCardKZT', IsTest: '1',
	};
	for (const k of shp)
		fields[k] = order.params[k];
	r = await siteClient({ json: false }).request('POST', '/robokassa/result', fields);
	assert.equal(r.status, 200, `POST /robokassa/result: ${r.status} ${r.text}`);
	assert.equal(r.text.trim(), `OK${invId}`);
	return { userId, invId };
}

// ---- The amoCRM stand-in (standin.mjs) ---------------------------------------

/*
 * Opens the widget for an account in a page of context.  Returns the page
 * and what it reported; page errors always fail the test, console errors
 * unless they match allowConsole.
 */
async function openWidget(context, acc, {
	area = 'lcard', mode = 'live', token = mintToken(acc), base = BASE,
	code = WIDGET, settingsCode = WIDGET, lang = 'ru', replay = null,
	allowConsole = null, pem = publicPem,
} = {}) {
	const page = await context.newPage();
	page.setDefaultTimeout(WAIT);
	const pageErrors = [], consoleErrors = [];
	page.on('pageerror', (e) => pageErrors.push(String(e)));
	page.on('console', (m) => {
		if (m.type() === 'error' && !(allowConsole && allowConsole.test(m.text())))
			consoleErrors.push(m.text());
	});
	const url = await routeStandIn(page, acc, { token, base, code, pem, area, mode, lang,
	    settingsCode, replay });
	await page.goto(url, { timeout: WAIT });
	return { page, pageErrors, consoleErrors };
}

/*
 * Waits (bounded) until the widget's notice has left its loading state,
 * then reads it.
 */
function notice(w, selector = `#amobill-license-${WIDGET}`) {
	return readNotice(w.page, selector);
}

async function screenshot(w, name) {
	await w.page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true, timeout: WAIT });
}

function assertClean(w) {
	assert.deepEqual(w.pageErrors, [], 'errors in the page');
	assert.deepEqual(w.consoleErrors, [], 'errors in the console');
}

function assertBuyLink(n) {
	assert.ok(n.buy, 'the notice links to the purchase page');
	assert.equal(n.buy.href, `${BASE}/checkout`);
	assert.equal(n.buy.target, '_blank');
	assert.match(n.buy.rel, /noopener/);
}

async function newContext() {
	return newAlmatyContext(browser);
}

function getText(pathname) {
	return new Promise((resolve, reject) => {
		const req = http.get({ host: '127.0.0.1', port: PORT, path: pathname, timeout: 15000 }, (r) => {
			const chunks = [];
			r.on('data', (c) => chunks.push(c));
			r.on('end', () => resolve({ status: r.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
		});
		req.on('timeout', () => req.destroy(new Error(`GET ${pathname}: timed out`)));
		req.on('error', reject);
	});
}

// ---- The scenarios ---------------------------------------------------------

describe('the example widget in a real browser', { timeout: 15 * 60 * 1000 }, () => {
	before(async () => {
		({ cfg, publicPem } = loadSite());
		assert.doesNotThrow(() => new Function(packagedScript()), 'the packaged script parses');
		browser = await launchBrowser();
	});

	after(async () => {
		if (browser)
			await browser.close();
	});

	test('the site publishes the key the widget is packaged with', { timeout: 30000 }, async () => {
		const r = await getText('/api/v1/license/key');
		assert.equal(r.status, 200, 'GET /api/v1/license/key');
		assert.equal(normalisePem(r.text), normalisePem(publicPem));
	});

	test('trial: the first check of a never-seen account starts its trial', { timeout: 120000 }, async (t) => {
		const acc = freshAccount();
		const context = await newContext();
		try {
			await t.test('the card shows the trial with the days left', async () => {
				const w = await openWidget(context, acc);
				const n = await notice(w);
				await screenshot(w, 'trial');
				assert.equal(n.state, 'trial', n.text);
				assert.equal(n.code, 'TRIAL');
				assert.equal(n.licensed, '1');
				assert.equal(n.cached, '0');
				const days = Number(cfg.trial_days || 14);
				assert.equal(n.daysLeft, days);
				const exp = Date.parse(n.expires);
				assert.ok(Math.abs(exp - (Date.now() + days * 86400000)) < 10 * 60000,
				    `the trial ends in ${days} days: ${n.expires}`);
				assert.match(n.text, /Пробный период/);
				assert.ok(n.text.includes(`${days} дней`), n.text);
				assert.ok(n.text.includes(almatyDate(exp)), n.text);
				assertBuyLink(n);
				// The answer the widget accepted: signed, with its nonce.
				const seen = await w.page.evaluate(() => window.__amobill.seen);
				assert.equal(seen.length, 1, 'one request for render and init together');
				const body = JSON.parse(seen[0].body);
				assert.equal(body.account_id, acc.id);
				assert.equal(body.widget, WIDGET);
				assert.match(body.nonce, /^[A-Za-z0-9_-]{32}$/);
				assert.match(seen[0].signature, /^ed25519=[A-Za-z0-9+/]+={0,2}$/);
				assert.ok(crypto.verify(null, Buffer.from(seen[0].body),
				    crypto.createPublicKey(publicPem),
				    Buffer.from(seen[0].signature.slice(8), 'base64')));
				const stored = await w.page.evaluate((k) => localStorage.getItem(k),
				    `amobill.license.${WIDGET}.${acc.id}`);
				assert.equal(JSON.parse(stored).body, seen[0].body, 'the verified answer is kept');
				assertClean(w);
				await w.page.close();
			});

			await t.test('the settings show the same, in English', async () => {
				const w = await openWidget(context, acc, { area: 'settings', lang: 'en' });
				const n = await notice(w, `#amobill-license-settings-${WIDGET}`);
				await screenshot(w, 'trial-settings-en');
				assert.equal(n.state, 'trial', n.text);
				assert.match(n.text, /^Trial\n/);
				assert.ok(n.text.includes(`${Number(cfg.trial_days || 14)} days left`), n.text);
				assert.equal(n.buy.text, 'Buy a subscription');
				assertClean(w);
				await w.page.close();
			});

			await t.test('offline, the stored answer is used', async () => {
				const w = await openWidget(context, acc, { mode: 'offline' });
				const n = await notice(w);
				await screenshot(w, 'trial-offline');
				assert.equal(n.state, 'trial', n.text);
				assert.equal(n.cached, '1');
				assert.match(n.text, /Нет связи с сервером лицензий/);
				assertClean(w);

				// A stored answer changed by hand fails its signature:
				// dropped, and the widget says it cannot check.
				const key = `amobill.license.${WIDGET}.${acc.id}`;
				await w.page.evaluate((k) => {
					const s = JSON.parse(localStorage.getItem(k));
					s.body = s.body.replace(/"expires_at":"(\d{4})/,
					    (m, y) => `"expires_at":"${Number(y) + 5}`);
					localStorage.setItem(k, JSON.stringify(s));
				}, key);
				await w.page.close();
				const w2 = await openWidget(context, acc, { mode: 'offline' });
				const n2 = await notice(w2);
				await screenshot(w2, 'trial-offline-tampered');
				assert.equal(n2.state, 'error', n2.text);
				assert.equal(n2.code, 'NETWORK');
				assertBuyLink(n2);
				assert.equal(await w2.page.evaluate((k) => localStorage.getItem(k), key), null);
				assertClean(w2);
				await w2.page.close();
			});
		} finally {
			await context.close();
		}
	});

	test('paid: a bought subscription is licensed until its end', { timeout: 120000 }, async () => {
		const acc = freshAccount();
		await buyLicense(acc);
		const context = await newContext();
		try {
			const w = await openWidget(context, acc);
			const n = await notice(w);
			await screenshot(w, 'paid');
			assert.equal(n.state, 'valid', n.text);
			assert.equal(n.code, 'VALID');
			assert.equal(n.licensed, '1');
			assert.ok(n.daysLeft >= 180 && n.daysLeft <= 185, `six months: ${n.daysLeft} days`);
			assert.match(n.text, /Лицензия активна/);
			assert.ok(n.text.includes(`Оплачено до ${almatyDate(Date.parse(n.expires))}`), n.text);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('expiring: a subscription ending within 7 days shows a warning', { timeout: 120000 }, async () => {
		const acc = freshAccount();
		const { invId } = await buyLicense(acc);
		database('expiring', { invId });
		const context = await newContext();
		try {
			const w = await openWidget(context, acc);
			const n = await notice(w);
			await screenshot(w, 'expiring');
			assert.equal(n.state, 'expiring', n.text);
			assert.equal(n.code, 'VALID');
			assert.equal(n.licensed, '1');
			assert.equal(n.role, 'alert');
			assert.equal(n.daysLeft, 3);
			assert.match(n.text, /Внимание/);
			assert.ok(n.text.includes(almatyDate(Date.parse(n.expires))), n.text);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('expired: a subscription that has ended shows the notice', { timeout: 120000 }, async () => {
		const acc = freshAccount();
		const { invId } = await buyLicense(acc);
		database('expire', { invId });
		const context = await newContext();
		try {
			const w = await openWidget(context, acc);
			const n = await notice(w);
			await screenshot(w, 'expired');
			assert.equal(n.state, 'expired', n.text);
			assert.equal(n.code, 'EXPIRED');
			assert.equal(n.licensed, '0');
			assert.equal(n.role, 'alert');
			const ended = Date.parse(n.expires);
			assert.ok(Math.abs(ended - (Date.now() - 86400000)) < 10 * 60000, n.expires);
			assert.match(n.text, /Лицензия закончилась/);
			assert.ok(n.text.includes(almatyDate(ended)), n.text);
			assert.match(n.buy.text, /Купить/);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('not entitled: a plan without this widget shows the notice', { timeout: 120000 }, async () => {
		const acc = freshAccount();
		database('others', {});
		await buyLicense(acc, 'browser-others');
		const context = await newContext();
		try {
			const w = await openWidget(context, acc);
			const n = await notice(w);
			await screenshot(w, 'not-entitled');
			assert.equal(n.state, 'not_entitled', n.text);
			assert.equal(n.code, 'NOT_ENTITLED');
			assert.equal(n.licensed, '0');
			assert.equal(n.role, 'alert');
			assert.match(n.text, /Виджет не входит в ваш тариф/);
			assert.match(n.buy.text, /Купить/);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('suspended: a blocked customer\'s license shows the notice', { timeout: 120000 }, async () => {
		const acc = freshAccount();
		const { userId } = await buyLicense(acc);
		database('block', { userId });
		const context = await newContext();
		try {
			const w = await openWidget(context, acc);
			const n = await notice(w);
			await screenshot(w, 'suspended');
			assert.equal(n.state, 'suspended', n.text);
			assert.equal(n.code, 'SUSPENDED');
			assert.equal(n.licensed, '0');
			assert.equal(n.role, 'alert');
			assert.match(n.text, /Лицензия приостановлена/);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('a widget the catalogue does not know', { timeout: 60000 }, async () => {
		// Packaged without a code: amoCRM's widget_code is used.
		const acc = freshAccount();
		const context = await newContext();
		try {
			const w = await openWidget(context, acc, { code: '', settingsCode: 'nosuchwidget' });
			const n = await notice(w, '#amobill-license-nosuchwidget');
			await screenshot(w, 'unknown-widget');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'UNKNOWN_WIDGET');
			assert.ok(n.text.includes('nosuchwidget'), n.text);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('tokens amoCRM did not sign, that have expired, or of another widget, are refused', { timeout: 60000 }, async () => {
		const acc = freshAccount();
		const context = await newContext();
		const allowConsole = /status of 401/;
		try {
			let w = await openWidget(context, acc, { allowConsole,
			    token: mintToken(acc, { secret: 'not the integration secret' }) });
			let n = await notice(w);
			await screenshot(w, 'token-invalid');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'TOKEN_INVALID');
			assertBuyLink(n);
			assertClean(w);
			const now = Math.floor(Date.now() / 1000);
			w = await openWidget(context, acc, { allowConsole,
			    token: mintToken(acc, { iat: now - 3600, nbf: now - 3600, exp: now - 600 }) });
			n = await notice(w);
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'TOKEN_EXPIRED');
			assertClean(w);
			// Each widget is its own amoCRM integration: a token that
			// another widget's integration made is not this one's.
			w = await openWidget(context, acc, { allowConsole,
			    token: mintToken(acc, { widget: 'callplan' }) });
			n = await notice(w);
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'TOKEN_INVALID');
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('answers not signed by the site, or not for this request, are refused', { timeout: 60000 }, async () => {
		const acc = freshAccount();
		let context = await newContext();
		let recorded;
		try {
			const w = await openWidget(context, acc);
			assert.equal((await notice(w)).state, 'trial');
			recorded = (await w.page.evaluate(() => window.__amobill.seen))[0];
		} finally {
			await context.close();
		}
		// Fresh contexts: nothing stored to fall back on.
		context = await newContext();
		try {
			const w = await openWidget(context, acc, { mode: 'replay', replay: recorded });
			const n = await notice(w);
			await screenshot(w, 'replayed');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'REPLAY');
			assert.deepEqual(w.pageErrors, []);
		} finally {
			await context.close();
		}
		context = await newContext();
		try {
			const w = await openWidget(context, acc, { mode: 'tamper' });
			const n = await notice(w);
			await screenshot(w, 'tampered');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'BAD_SIGNATURE');
			assert.deepEqual(w.pageErrors, []);
		} finally {
			await context.close();
		}
	});

	test('an unreachable server with nothing stored is an error, with the link to buy', { timeout: 60000 }, async () => {
		const acc = freshAccount();
		const context = await newContext();
		try {
			const w = await openWidget(context, acc, { base: `${BASE}/no-such-place`,
			    allowConsole: /status of 404|CORS|Failed to (load|fetch)/ });
			const n = await notice(w);
			await screenshot(w, 'unreachable');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'NETWORK');
			assert.equal(n.licensed, '0');
			assert.match(n.text, /Сервер лицензий недоступен/);
			assert.equal(n.buy.href, `${BASE}/no-such-place/checkout`);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('a widget packaged without the key says so, and trusts nothing', { timeout: 60000 }, async () => {
		const acc = freshAccount();
		const context = await newContext();
		try {
			const w = await openWidget(context, acc, { pem: null });
			const n = await notice(w);
			await screenshot(w, 'unpackaged');
			assert.equal(n.state, 'error', n.text);
			assert.equal(n.code, 'CONFIG');
			assert.match(n.text, /без настроек лицензии/);
			assertBuyLink(n);
			assertClean(w);
		} finally {
			await context.close();
		}
	});

	test('a page of another origin cannot read an answer', { timeout: 60000 }, async () => {
		const acc = freshAccount();
		const context = await newContext();
		try {
			const page = await context.newPage();
			page.setDefaultTimeout(WAIT);
			await page.route('https://evil.example.com/**', (r) => r.fulfill({
			    contentType: 'text/html', body: '<!doctype html><title>elsewhere</title>' }));
			await page.goto('https://evil.example.com/', { timeout: WAIT });
			const url = `${BASE}/api/v1/license?widget=${WIDGET}&nonce=abc`;
			const results = await page.evaluate(async ({ url, token }) => {
				async function attempt(init) {
					try {
						const r = await fetch(url, init);
						return `read ${r.status}: ${(await r.text()).slice(0, 60)}`;
					} catch (e) {
						return 'blocked';
					}
				}
				return [await attempt({ headers: { 'X-Auth-Token': token } }), await attempt({})];
			}, { url, token: mintToken(acc) });
			assert.deepEqual(results, ['blocked', 'blocked']);
			await page.close();
		} finally {
			await context.close();
		}
	});
});
