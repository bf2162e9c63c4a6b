/*
 * What the browser tests share: the running site's environment and
 * configuration, the packaging of widget/script.js, amoCRM's disposable
 * token, the amoCRM stand-in page and its route handler, the browser's
 * launch and context options, and the reading of the widget's notice.
 *
 * Not a test file (the runner takes only *.test.mjs): widget.test.mjs and
 * journey.test.mjs import it.
 *
 * The stand-in: a page at https://<sub>.amocrm.ru/..., served by
 * page.route() together with the REAL widget/script.js and i18n files; the
 * only change to script.js is the one a vendor makes when packaging (the
 * base URL, public key and widget code constants).  It gives the widget
 * what amoCRM gives it (APP/AMOCRM, an AMD loader, get_settings,
 * render_template, i18n, and $authorizedAjax doing a real cross-origin
 * fetch with an X-Auth-Token minted here as amoCRM mints it).
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WIDGET_DIR = path.join(ROOT, 'widget');
export const PORT = process.env.AMOBILL_PORT;
export const VAR = process.env.AMOBILL_VAR && path.resolve(process.env.AMOBILL_VAR);
export const CONFIG = process.env.AMOBILL_CONFIG || (VAR && path.join(VAR, 'amobill.conf'));
export const BASE = `http://127.0.0.1:${PORT}`;
export const SHOTS = process.env.AMOBILL_TEST_OUTPUT || (VAR && path.join(VAR, 'screenshots'));
export const WIDGET = 'leadscore';	// the catalogue's code the widget is packaged with
export const WAIT = 20000;		// every wait in the browser is bounded by this
export const WIDGET_PATH = '/upl/amobill/widget';

// ---- The site's configuration and keys -------------------------------------

export function readConfig(file) {
	const conf = {};
	for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
		const line = raw.trim();
		if (!line || line.startsWith('#'))
			continue;
		const eq = line.indexOf('=');
		if (eq > 0)
			conf[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
	}
	return conf;
}

/*
 * The development amoCRM integrations, one per catalogue widget, as
 * scripts/run and scripts/test list them (contract §1):
 * { widget_code: { client_uuid, secret, audience } }.
 */
export function readIntegrations(file) {
	const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');
	assert.equal(lines[0], 'widget_code\tclient_uuid\tsecret\taudience', `${file}: header`);
	const found = {};
	for (const line of lines.slice(1)) {
		const [code, client_uuid, secret, audience] = line.split('\t');
		found[code] = { client_uuid, secret, audience };
	}
	return found;
}

/*
 * The running site as the tests need it: checks the environment, reads
 * the configuration, the development integrations (cfg.integrations: the
 * stand-in mints each widget's tokens with its own) and the public half
 * of the signing key, and makes the screenshot folder.
 */
export function loadSite() {
	assert.ok(PORT && VAR, 'set AMOBILL_PORT and AMOBILL_VAR (the running site)');
	const cfg = readConfig(CONFIG);
	cfg.integrations = readIntegrations(path.join(VAR, 'dev-integrations.tsv'));
	assert.ok(cfg.integrations[WIDGET], `no development integration of ${WIDGET}`);
	const publicPem = signingKeyPublicPem(cfg);
	fs.mkdirSync(SHOTS, { recursive: true });
	return { cfg, publicPem };
}

export function signingKeyPublicPem(cfg) {
	const file = cfg.license_signing_key || path.join(VAR, 'license-key.pem');
	return crypto.createPublicKey(fs.readFileSync(file))
	    .export({ type: 'spki', format: 'pem' }).toString();
}

export function normalisePem(pem) {
	return pem.replace(/\r/g, '').trim();
}

// ---- Packaging: what a vendor does to widget/script.js -------------------------

const packaged = new Map();

/*
 * widget/script.js with its three packaging constants set, exactly as
 * docs/widget.md tells a vendor to set them (pem null: the key line is
 * left as shipped).  Fails if a constant is not found once.
 */
export function packagedScript({ base, code, pem }) {
	const key = JSON.stringify([base, code, pem]);
	if (!packaged.has(key)) {
		let src = fs.readFileSync(path.join(WIDGET_DIR, 'script.js'), 'utf8');
		for (const [name, value] of [['AMOBILL_BASE_URL', base],
		    ['AMOBILL_PUBLIC_KEY', pem], ['AMOBILL_WIDGET_CODE', code]]) {
			const re = new RegExp(`^(\\s*var ${name} = )'[^'\\n]*';$`, 'm');
			assert.equal(src.split('\n').filter((l) => re.test(l)).length, 1,
			    `widget/script.js must set ${name} once, on one line`);
			if (value !== null)
				src = src.replace(re, (m, lead) => lead + JSON.stringify(value) + ';');
		}
		packaged.set(key, src);
	}
	return packaged.get(key);
}

// ---- amoCRM's disposable token, as amoCRM mints it ---------------------------

function b64url(data) {
	return Buffer.from(data).toString('base64url');
}

/*
 * A token for account {id, sub}, as the amoCRM integration of widget (the
 * one the widget is packaged with, unless given) makes it: its client_uuid
 * and audience, signed with its secret unless secret is given; claims
 * override the body.
 */
export function mintToken(cfg, account, { widget = WIDGET, secret, ...claims } = {}) {
	const integration = cfg.integrations[widget];
	assert.ok(integration, `no development integration of ${widget}`);
	const now = Math.floor(Date.now() / 1000);
	const body = {
		iss: `https://${account.sub}.amocrm.ru`,
		aud: integration.audience,
		jti: crypto.randomUUID(),
		iat: now,
		nbf: now,
		exp: now + 1800,
		account_id: account.id,
		subdomain: account.sub,
		user_id: 1,
		client_uuid: integration.client_uuid,
		is_admin: true,
		...claims,
	};
	const signed = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' })) + '.' +
	    b64url(JSON.stringify(body));
	const mac = crypto.createHmac('sha256', Buffer.from(secret ?? integration.secret, 'utf8')).update(signed).digest();
	return signed + '.' + b64url(mac);
}

// ---- The amoCRM stand-in -----------------------------------------------------

/*
 * What amoCRM is to a widget, reduced to what the widget uses: the global
 * (AMOCRM; Kommo calls it APP), an AMD loader, the base widget's methods
 * and $authorizedAjax with jQuery's done/fail contract.  T.mode:
 *   live     a real cross-origin fetch to the site (the default)
 *   offline  the request fails as with no network
 *   replay   answers T.replay {body, signature} instead of asking
 *   tamper   a real fetch, with one byte of the body changed on the way
 * On a narrow screen the widgets' column goes under the card, as amoCRM's
 * mobile layout puts it.
 */
export function standInPage(setup) {
	const json = JSON.stringify(setup).replace(/</g, '\\u003c');
	return `<!doctype html>
<html lang="${setup.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>amoCRM stand-in</title>
<style>
body { font: 14px/1.4 sans-serif; margin: 0; background: #eef0f3; }
#card { display: flex; min-height: 100vh; }
#card-main { flex: 1; padding: 20px; }
#widgets_column { width: 320px; background: #fff; border-left: 1px solid #d4d5d8; padding: 12px; }
.card-widgets__widget__caption { font-weight: bold; margin-bottom: 6px; }
#widget_settings_modal { background: #fff; margin: 20px; padding: 16px; border: 1px solid #d4d5d8; }
@media (max-width: 600px) {
  #card { flex-direction: column; }
  #widgets_column { width: auto; border-left: 0; border-top: 1px solid #d4d5d8; }
}
</style>
</head>
<body>
<div id="card">
  <div id="card-main"><h1>Сделка #1</h1><p>amoCRM stand-in for the browser test.</p>
    <div id="widget_settings_modal" hidden><div class="modal-body"><p class="widget-settings__desc">Настройки виджета</p></div></div>
  </div>
  <div id="widgets_column"></div>
</div>
<script>
(function () {
  'use strict';
  var T = ${json};
  var state = window.__amobill = { started: false, error: null, seen: [] };

  window.AMOCRM = {
    lang_id: T.lang,
    constant: function (name) {
      if (name === 'account') return { id: T.account.id, subdomain: T.account.sub };
      if (name === 'user') return { id: 1, login: 'user@example.kz' };
      if (name === 'lang') return T.lang;
      return null;
    }
  };

  // The jQuery handed to the module: script.js uses none of it, so an
  // array-like wrapper is enough (settings() is given one).
  function $(x) {
    var list = x == null ? [] : x.nodeType ? [x] :
        Array.prototype.slice.call(document.querySelectorAll(x));
    var o = { length: list.length, get: function (i) { return list[i]; } };
    list.forEach(function (e, i) { o[i] = e; });
    return o;
  }

  // A small AMD loader: anonymous define() taken at the script's onload.
  var registry = { jquery: $ }, queue = [];
  window.define = function (name, deps, factory) {
    if (typeof name !== 'string') { factory = deps; deps = name; }
    if (typeof deps === 'function') { factory = deps; deps = []; }
    queue.push({ deps: deps, factory: factory });
  };
  window.define.amd = { jQuery: true };
  function load(id) {
    if (registry[id]) return Promise.resolve(registry[id]);
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = T.paths[id] || id;
      s.onload = function () {
        var d = queue.shift();
        if (!d) { reject(new Error('no define() in ' + id)); return; }
        Promise.all(d.deps.map(load)).then(function (deps) {
          registry[id] = d.factory.apply(null, deps);
          resolve(registry[id]);
        }, reject);
      };
      s.onerror = function () { reject(new Error('cannot load ' + id)); };
      document.head.appendChild(s);
    });
  }
  window.require = function (ids, ok, bad) {
    Promise.all(ids.map(load)).then(function (m) { ok.apply(null, m); }, bad);
  };

  // jQuery's Deferred, as far as done/fail/always/then go.
  function deferred() {
    var st = 'pending', args = null, cbs = { resolved: [], rejected: [] };
    function settle(to) {
      return function () {
        if (st !== 'pending') return;
        st = to; args = arguments;
        cbs[to].forEach(function (f) { f.apply(null, args); });
      };
    }
    var p = {
      done: function (f) { if (st === 'resolved') f.apply(null, args); else cbs.resolved.push(f); return p; },
      fail: function (f) { if (st === 'rejected') f.apply(null, args); else cbs.rejected.push(f); return p; },
      always: function (f) { return p.done(f).fail(f); },
      then: function (a, b) { if (a) p.done(a); if (b) p.fail(b); return p; },
      state: function () { return st; }
    };
    return { promise: p, resolve: settle('resolved'), reject: settle('rejected') };
  }

  function jqXHR(status, text, headers) {
    return {
      status: status, responseText: text, readyState: 4,
      getResponseHeader: function (n) { return headers ? headers.get(n) : null; },
      getAllResponseHeaders: function () { return ''; }
    };
  }

  // amoCRM's $authorizedAjax: $.ajax with amoCRM's disposable token.
  function authorizedAjax(o) {
    var d = deferred();
    var query = new URLSearchParams(o.data || {}).toString();
    var url = o.url + (query ? (o.url.indexOf('?') < 0 ? '?' : '&') + query : '');
    function answer(status, text, headers, statusText) {
      var x = jqXHR(status, text, headers);
      state.seen.push({ status: status, body: text,
          signature: headers ? headers.get('X-Signature') : null });
      if (status >= 200 && status < 300) d.resolve(text, 'success', x);
      else d.reject(x, 'error', statusText || '');
    }
    if (T.mode === 'offline') {
      setTimeout(function () { d.reject(jqXHR(0, '', null), 'error', ''); }, 10);
      return d.promise;
    }
    if (T.mode === 'replay') {
      setTimeout(function () {
        answer(200, T.replay.body, new Headers({ 'X-Signature': T.replay.signature }), 'OK');
      }, 10);
      return d.promise;
    }
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, o.timeout || 15000);
    fetch(url, { method: o.method || 'GET', mode: 'cors', credentials: 'omit',
        headers: { 'X-Auth-Token': T.token }, signal: ctl.signal })
      .then(function (res) {
        return res.text().then(function (text) {
          if (T.mode === 'tamper')
            text = text.replace(/"expires_at":"(\\d{4})/, function (m, y) {
              return '"expires_at":"' + (Number(y) + 1);
            });
          answer(res.status, text, res.headers, res.statusText);
        });
      })
      .catch(function () { d.reject(jqXHR(0, '', null), 'error', ''); })
      .then(function () { clearTimeout(timer); });
    return d.promise;
  }

  require(['amobill/script'], function (CustomWidget) {
    fetch(T.widgetPath + '/i18n/' + T.lang + '.json').then(function (r) {
      if (!r.ok) throw new Error('i18n: ' + r.status);
      return r.json();
    }).then(function (langs) {
      var w = new CustomWidget();
      var settings = { widget_code: T.settingsCode, active: 'Y', path: T.widgetPath };
      // The base widget's methods, which amoCRM gives every widget.
      w.params = settings;
      w.langs = langs;
      w.get_settings = function () { return settings; };
      w.get_version = function () { return '1.0.0'; };
      w.system = function () {
        return { area: T.area, amouser_id: 1, amouser: 'user@example.kz',
            subdomain: T.account.sub, domain: T.account.sub + '.amocrm.ru' };
      };
      w.i18n = function (key) { return langs[key]; };
      w.render_template = function (o) {
        var col = document.getElementById('widgets_column');
        var block = document.createElement('div');
        block.className = 'card-widgets__widget ' + ((o.caption && o.caption.class_name) || '');
        var cap = document.createElement('div');
        cap.className = 'card-widgets__widget__caption';
        cap.textContent = langs.widget.name;
        var body = document.createElement('div');
        body.className = 'card-widgets__widget__body';
        body.innerHTML = (o.body || '') + (o.render || '');
        block.appendChild(cap);
        block.appendChild(body);
        col.textContent = '';
        col.appendChild(block);
      };
      w.$authorizedAjax = authorizedAjax;
      window.__amobill.widget = w;
      var cb = w.callbacks;
      var ok = cb.render() === true && cb.init() === true && cb.bind_actions() === true;
      if (T.area === 'settings') {
        var modal = document.getElementById('widget_settings_modal');
        modal.hidden = false;
        ok = cb.settings($(modal.querySelector('.modal-body'))) === true && ok;
      }
      state.started = ok;
    }).catch(function (e) { state.error = String(e); });
  }, function (e) { state.error = String(e); });
})();
</script>
</body>
</html>
`;
}

/*
 * Serves the stand-in for account acc ({id, sub}) in page: the card (or
 * the settings), the packaged script and the i18n files; anything else on
 * that origin is a 404.  token is a string, or a function called for each
 * load of the page (a reload then carries a fresh token, as amoCRM's
 * would).  Returns the URL to open.
 */
export async function routeStandIn(page, acc, {
	token, base, code, pem, area = 'lcard', mode = 'live', lang = 'ru',
	settingsCode = code, replay = null,
}) {
	const origin = `https://${acc.sub}.amocrm.ru`;
	await page.route(`${origin}/**`, (route) => {
		const url = new URL(route.request().url());
		if (url.pathname === WIDGET_PATH + '/script.js')
			return route.fulfill({ contentType: 'application/javascript; charset=utf-8',
			    body: packagedScript({ base, code, pem }) });
		const i18n = /^\/upl\/amobill\/widget\/i18n\/(ru|en)\.json$/.exec(url.pathname);
		if (i18n)
			return route.fulfill({ contentType: 'application/json; charset=utf-8',
			    body: fs.readFileSync(path.join(WIDGET_DIR, 'i18n', `${i18n[1]}.json`)) });
		if (url.pathname.startsWith('/leads/detail/') || url.pathname.startsWith('/settings/')) {
			const setup = {
				account: { id: acc.id, sub: acc.sub },
				token: typeof token === 'function' ? token() : token,
				mode, area, lang, settingsCode, replay, widgetPath: origin + WIDGET_PATH,
				paths: { 'amobill/script': origin + WIDGET_PATH + '/script.js' },
			};
			return route.fulfill({ contentType: 'text/html; charset=utf-8', body: standInPage(setup) });
		}
		return route.fulfill({ status: 404, contentType: 'text/plain', body: 'not in the stand-in' });
	});
	return origin + (area === 'settings' ? '/settings/widgets/' : '/leads/detail/1');
}

/*
 * Waits (bounded) until the widget's notice in page has left its loading
 * state, checks that the stand-in started the widget, and reads the notice.
 */
export async function readNotice(page, selector = `#amobill-license-${WIDGET}`) {
	await page.waitForFunction((sel) => {
		const e = document.querySelector(sel);
		return (e && e.dataset.state && e.dataset.state !== 'loading') ||
		    (window.__amobill && window.__amobill.error !== null);
	}, selector, { timeout: WAIT });
	const st = await page.evaluate(() => ({ started: window.__amobill.started,
	    error: window.__amobill.error }));
	assert.equal(st.error, null, 'the stand-in could not load the widget');
	assert.equal(st.started, true, 'every callback must return true');
	return page.$eval(selector, (e) => {
		const buy = e.querySelector('a.amobill-buy');
		return {
			state: e.dataset.state, code: e.dataset.code, cached: e.dataset.cached,
			licensed: e.dataset.licensed, expires: e.dataset.expires || null,
			daysLeft: e.dataset.daysLeft ? Number(e.dataset.daysLeft) : null,
			role: e.getAttribute('role'), text: e.innerText,
			buy: buy ? { href: buy.href, target: buy.target, rel: buy.rel, text: buy.textContent } : null,
		};
	});
}

// dd.MM.yyyy of an instant in Almaty, the browser's time zone here.
export function almatyDate(ms) {
	const p = Object.fromEntries(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Almaty',
	    day: '2-digit', month: '2-digit', year: 'numeric' }).formatToParts(new Date(ms))
	    .map((x) => [x.type, x.value]));
	return `${p.day}.${p.month}.${p.year}`;
}

// ---- The browser ---------------------------------------------------------------

// Debian's Chromium; loopback requests from the https stand-in allowed.
export const LAUNCH_OPTIONS = {
	executablePath: '/usr/bin/chromium',
	timeout: 60000,
	args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
	    '--disable-background-networking', '--disable-component-update', '--disable-sync',
	    '--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights'],
};

export function launchBrowser() {
	return chromium.launch(LAUNCH_OPTIONS);
}

// A context as a customer in Almaty has it.
export function newContext(browser, { viewport = { width: 1100, height: 700 } } = {}) {
	return browser.newContext({ timezoneId: 'Asia/Almaty', locale: 'ru-RU',
	    viewport, serviceWorkers: 'block' });
}
