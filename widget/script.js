/*
 * amobill example widget.
 *
 * Asks the vendor's license server whether this amoCRM (or Kommo) account
 * may use the widget, checks the Ed25519 signature of the answer, its nonce
 * and its time, keeps the verified answer for at most 24 hours, and shows
 * the outcome in the widget's area.  docs/widget.md explains it all.
 *
 * Plain ES2017, no eval, no inline handlers, no jQuery features: amoCRM
 * hands the module jQuery, but nothing here needs it.
 */
define(['jquery'], function ($) {
	'use strict';

	// ---- Set by the vendor when packaging (docs/widget.md) -------------
	// The license server, without a trailing slash.
	var AMOBILL_BASE_URL = 'https://amobill.example.kz';
	// Its Ed25519 public key, PEM (SPKI), as GET {base}/api/v1/license/key serves it.
	var AMOBILL_PUBLIC_KEY = '-----BEGIN PUBLIC KEY-----\nSET-WHEN-PACKAGING\n-----END PUBLIC KEY-----\n';
	// This widget's code in the vendor's catalogue (GET {base}/api/v1/widgets);
	// empty: amoCRM's widget_code is used.
	var AMOBILL_WIDGET_CODE = 'leadscore';
	// ---------------------------------------------------------------------

	var MINUTE = 60 * 1000;
	var DAY = 24 * 60 * MINUTE;
	var CLOCK_SKEW = 5 * MINUTE;	// a fresh answer's ts may differ this much
	var CACHE_MAX_AGE = DAY;	// a stored answer is used this long after its ts
	var EXPIRING_DAYS = 7;
	var REQUEST_TIMEOUT = 15000;
	var REUSE_FOR = MINUTE;		// one page asks again after this long
	var CACHE_PREFIX = 'amobill.license.';
	var CARD_AREAS = ['lcard', 'ccard', 'comcard', 'cucard'];
	var CODE_RE = /^[a-z0-9_-]{1,32}$/;

	// Texts when the i18n files did not load.
	var FALLBACK = {
		loading: 'Checking the license…',
		title_valid: 'License active',
		text_valid: 'Paid until {date}.',
		title_trial: 'Trial',
		text_trial: '{days} left, until {date}.',
		title_expiring: 'Warning: the license ends soon',
		text_expiring: 'The subscription ends on {date}, {days} left. Renew it to keep the widget working.',
		text_expiring_trial: 'The trial ends on {date}, {days} left. Buy a subscription to keep the widget working.',
		title_expired: 'License expired',
		text_expired: 'The license ended on {date}. The widget does not work until it is renewed.',
		text_expired_nodate: 'The license has ended. The widget does not work until it is renewed.',
		title_suspended: 'License suspended',
		text_suspended: 'The seller has suspended this account\'s license. The widget does not work; please contact support.',
		title_not_entitled: 'Not in your plan',
		text_not_entitled: 'The plan this account paid for does not include this widget. Choose a plan with it to use the widget.',
		title_error: 'The license could not be checked',
		error_UNKNOWN_WIDGET: 'The seller does not sell a widget with the code “{widget}”.',
		error_TOKEN_INVALID: 'amoCRM did not confirm this account. Reload the page.',
		error_TOKEN_EXPIRED: 'amoCRM\'s confirmation of this account has expired. Reload the page.',
		error_NETWORK: 'The license server cannot be reached. Try again later.',
		error_BAD_SIGNATURE: 'The license server\'s answer failed the signature check.',
		error_REPLAY: 'The license server\'s answer is not an answer to this request.',
		error_CLOCK: 'The computer\'s clock is wrong, so the answer cannot be trusted. Set the clock and reload the page.',
		error_MALFORMED: 'The license server\'s answer is not understood.',
		error_CONFIG: 'The widget is packaged without its license settings.',
		error_UNSUPPORTED: 'This browser cannot check signatures (Ed25519). Update the browser.',
		error_INTERNAL: 'Unexpected error while checking the license.',
		cached: 'No connection to the license server: showing the check of {when}.',
		buy: 'Buy a subscription',
		renew: 'Renew the subscription',
		retry: 'Check again',
		days_one: '{n} day',
		days_other: '{n} days'
	};

	// ---- Small helpers ----------------------------------------------------

	function amo() {
		return window.APP || window.AMOCRM || null;
	}

	function amoConstant(name) {
		var a = amo();
		try {
			return a && typeof a.constant === 'function' ? a.constant(name) : null;
		} catch (e) {
			return null;
		}
	}

	function pad(n) {
		return (n < 10 ? '0' : '') + n;
	}

	// dd.MM.yyyy in the browser's time zone.
	function formatDate(ms) {
		var d = new Date(ms);
		return pad(d.getDate()) + '.' + pad(d.getMonth() + 1) + '.' + d.getFullYear();
	}

	function formatDateTime(ms) {
		var d = new Date(ms);
		return formatDate(ms) + ' ' + pad(d.getHours()) + ':' + pad(d.getMinutes());
	}

	function b64decode(s) {
		var bin = atob(s), out = new Uint8Array(bin.length), i;
		for (i = 0; i < bin.length; i++)
			out[i] = bin.charCodeAt(i);
		return out;
	}

	// 24 random bytes as base64url: 32 characters of [A-Za-z0-9_-].
	function newNonce() {
		var b = new Uint8Array(24), s = '', i;
		window.crypto.getRandomValues(b);
		for (i = 0; i < b.length; i++)
			s += String.fromCharCode(b[i]);
		return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
	}

	function failure(code) {
		var e = new Error(code);
		e.amobillCode = code;
		return e;
	}

	// ---- Signature ----------------------------------------------------------

	var keyPromise = null;

	// The pinned public key, imported once per page.
	function publicKey() {
		if (keyPromise)
			return keyPromise;
		keyPromise = new Promise(function (resolve, reject) {
			var m = /-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----/
			    .exec(AMOBILL_PUBLIC_KEY), der;
			if (!window.crypto || !window.crypto.subtle || typeof TextEncoder !== 'function') {
				reject(failure('UNSUPPORTED'));
				return;
			}
			if (!m) {
				reject(failure('CONFIG'));
				return;
			}
			try {
				der = b64decode(m[1].replace(/\s+/g, ''));
			} catch (e) {
				reject(failure('CONFIG'));
				return;
			}
			window.crypto.subtle.importKey('spki', der, { name: 'Ed25519' }, false, ['verify'])
			    .then(resolve, function (e) {
				reject(failure(e && e.name === 'NotSupportedError' ? 'UNSUPPORTED' : 'CONFIG'));
			});
		});
		return keyPromise;
	}

	// Resolves true only if header is "ed25519=<base64>" and the signature
	// is good for the exact bytes of body (the UTF-8 of the text received).
	function signatureOk(body, header) {
		var m = /^\s*ed25519=([A-Za-z0-9+/]+={0,2})\s*$/i.exec(header || ''), sig;
		if (!m || typeof body !== 'string')
			return Promise.resolve(false);
		try {
			sig = b64decode(m[1]);
		} catch (e) {
			return Promise.resolve(false);
		}
		if (sig.length !== 64)
			return Promise.resolve(false);
		return publicKey().then(function (key) {
			return window.crypto.subtle.verify({ name: 'Ed25519' }, key, sig,
			    new TextEncoder().encode(body));
		});
	}

	// ---- The answer -------------------------------------------------------

	/*
	 * Checks a signed answer for this widget and account: with a nonce, the
	 * answer to the request just made with it; with null, one read back
	 * from storage.  Resolves the parsed answer, or rejects with a failure
	 * code.
	 */
	function verifiedAnswer(ctx, body, header, nonce) {
		return signatureOk(body, header).then(function (ok) {
			var a, ts, now = Date.now();
			if (!ok)
				throw failure('BAD_SIGNATURE');
			try {
				a = JSON.parse(body);
			} catch (e) {
				throw failure('MALFORMED');
			}
			if (!a || typeof a !== 'object' || typeof a.code !== 'string' ||
			    typeof a.valid !== 'boolean' ||
			    a.valid !== (a.code === 'VALID' || a.code === 'TRIAL') ||
			    typeof a.ts !== 'string' || isNaN(ts = Date.parse(a.ts)))
				throw failure('MALFORMED');
			// Signed, but for another request, widget or account: refused.
			if (a.widget !== ctx.code)
				throw failure('REPLAY');
			if (ctx.accountId != null && String(a.account_id) !== String(ctx.accountId))
				throw failure('REPLAY');
			if (ctx.subdomain && String(a.subdomain).toLowerCase() !==
			    String(ctx.subdomain).toLowerCase())
				throw failure('REPLAY');
			if (nonce !== null) {
				if (a.nonce !== nonce)
					throw failure('REPLAY');
				if (Math.abs(now - ts) > CLOCK_SKEW)
					throw failure('CLOCK');
			} else if (ts > now + CLOCK_SKEW || now - ts > CACHE_MAX_AGE) {
				throw failure('STALE');
			}
			if (a.valid && isNaN(Date.parse(a.expires_at)))
				throw failure('MALFORMED');
			return a;
		});
	}

	function cacheKey(ctx) {
		return CACHE_PREFIX + ctx.code + '.' + (ctx.accountId != null ? ctx.accountId :
		    ctx.subdomain || 'unknown');
	}

	function store(ctx, body, signature) {
		try {
			window.localStorage.setItem(cacheKey(ctx), JSON.stringify({
				body: body,
				signature: signature
			}));
		} catch (e) {
			// Storage full or disabled: the widget just asks every time.
		}
	}

	function forget(ctx) {
		try {
			window.localStorage.removeItem(cacheKey(ctx));
		} catch (e) {
			// nothing stored
		}
	}

	// The stored answer, verified again; null if there is none fit to use.
	function fromCache(ctx) {
		var raw = null, saved;
		try {
			raw = window.localStorage.getItem(cacheKey(ctx));
		} catch (e) {
			return Promise.resolve(null);
		}
		if (!raw)
			return Promise.resolve(null);
		try {
			saved = JSON.parse(raw);
		} catch (e) {
			saved = null;
		}
		if (!saved || typeof saved.body !== 'string' || typeof saved.signature !== 'string') {
			forget(ctx);
			return Promise.resolve(null);
		}
		return verifiedAnswer(ctx, saved.body, saved.signature, null).then(function (a) {
			return a;
		}, function (e) {
			if (e && e.amobillCode !== 'UNSUPPORTED' && e.amobillCode !== 'CONFIG')
				forget(ctx);
			return null;
		});
	}

	// The codes of an answer about the license (the others are errors).
	function licenseCode(code) {
		return code === 'VALID' || code === 'TRIAL' || code === 'EXPIRED' ||
		    code === 'SUSPENDED' || code === 'NOT_ENTITLED';
	}

	// What the page shows for a verified answer.
	function outcome(a, cached) {
		var now = Date.now(), exp = Date.parse(a.expires_at), state;
		if (a.code === 'VALID' || a.code === 'TRIAL') {
			if (!(exp > now))
				state = 'expired';	// a stored answer that has run out
			else if (a.status === 'expiring' || exp - now <= EXPIRING_DAYS * DAY)
				state = 'expiring';
			else
				state = a.code === 'TRIAL' ? 'trial' : 'valid';
		} else if (a.code === 'EXPIRED') {
			state = 'expired';
		} else if (a.code === 'SUSPENDED') {
			state = 'suspended';
		} else if (a.code === 'NOT_ENTITLED') {
			state = 'not_entitled';
		} else {
			state = 'error';
		}
		return {
			state: state,
			code: state === 'expired' ? 'EXPIRED' : a.code,
			licensed: state === 'valid' || state === 'trial' || state === 'expiring',
			trial: a.trial === true || a.code === 'TRIAL',
			expiresAt: isNaN(exp) ? null : exp,
			checkedAt: Date.parse(a.ts),
			cached: cached,
			answer: a
		};
	}

	function errorOutcome(code) {
		return {
			state: 'error', code: code, licensed: false, trial: false,
			expiresAt: null, checkedAt: null, cached: false, answer: null
		};
	}

	// ---- The request --------------------------------------------------------

	/*
	 * One $authorizedAjax call, as jQuery's contract has it: done(data,
	 * textStatus, jqXHR), fail(jqXHR, textStatus, error).  Resolves
	 * {status, body, signature}; status 0 when nothing came back.
	 */
	function request(self, options) {
		return new Promise(function (resolve) {
			var settled = false, timer, req;

			function finish(r) {
				if (!settled) {
					settled = true;
					clearTimeout(timer);
					resolve(r);
				}
			}
			function header(xhr, name) {
				try {
					return xhr && typeof xhr.getResponseHeader === 'function' ?
					    xhr.getResponseHeader(name) : null;
				} catch (e) {
					return null;
				}
			}
			function text(data, xhr) {
				if (typeof data === 'string')
					return data;
				return xhr && typeof xhr.responseText === 'string' ? xhr.responseText : null;
			}
			function done(data, textStatus, xhr) {
				finish({
					status: xhr && xhr.status ? xhr.status : 200,
					body: text(data, xhr),
					signature: header(xhr, 'X-Signature')
				});
			}
			function fail(xhr) {
				finish({
					status: xhr && xhr.status ? xhr.status : 0,
					body: text(null, xhr),
					signature: header(xhr, 'X-Signature')
				});
			}

			timer = setTimeout(function () { fail(null); }, REQUEST_TIMEOUT + 2000);
			try {
				if (typeof self.$authorizedAjax !== 'function')
					throw new Error('$authorizedAjax is missing');
				req = self.$authorizedAjax(options);
			} catch (e) {
				fail(null);
				return;
			}
			if (req && typeof req.done === 'function' && typeof req.fail === 'function') {
				req.done(done);
				req.fail(fail);
			} else if (req && typeof req.then === 'function') {
				req.then(done, fail);
			} else {
				fail(null);
			}
		});
	}

	function tokenCode(body) {
		try {
			var c = JSON.parse(body).code;
			return c === 'TOKEN_EXPIRED' ? c : 'TOKEN_INVALID';
		} catch (e) {
			return 'TOKEN_INVALID';
		}
	}

	/*
	 * The whole check: ask, verify, store; on a failure, a still fresh
	 * stored answer; otherwise the error.  Always resolves.
	 */
	function runCheck(self, ctx) {
		var nonce;
		if (!ctx.code)
			return Promise.resolve(errorOutcome('CONFIG'));
		nonce = newNonce();
		return publicKey().then(function () {
			return request(self, {
				url: AMOBILL_BASE_URL + '/api/v1/license',
				method: 'GET',
				dataType: 'text',
				timeout: REQUEST_TIMEOUT,
				data: { widget: ctx.code, nonce: nonce }
			});
		}).then(function (res) {
			if (res.status === 401)
				return errorOutcome(tokenCode(res.body));
			if (res.status !== 200)
				return useCache(ctx, 'NETWORK');
			return verifiedAnswer(ctx, res.body, res.signature, nonce).then(function (a) {
				store(ctx, res.body, res.signature);
				return licenseCode(a.code) ? outcome(a, false) : errorOutcome(a.code);
			}, function (e) {
				var code = e && e.amobillCode ? e.amobillCode : 'INTERNAL';
				if (window.console)
					window.console.warn('[amobill] license answer refused: ' + code);
				return useCache(ctx, code);
			});
		}).catch(function (e) {
			return errorOutcome(e && e.amobillCode ? e.amobillCode : 'INTERNAL');
		});
	}

	function useCache(ctx, code) {
		return fromCache(ctx).then(function (a) {
			if (a && licenseCode(a.code))
				return outcome(a, true);
			return errorOutcome(code);
		});
	}

	// ---- The widget -----------------------------------------------------

	var CustomWidget = function () {
		var self = this;
		var memo = { pending: null, last: null, at: 0 };
		var destroyed = false;

		function lang() {
			var a = amo(), l = a && a.lang_id;
			if (!l)
				l = amoConstant('lang');
			if (!l && document.documentElement)
				l = document.documentElement.lang;
			return typeof l === 'string' && l ? l.slice(0, 2).toLowerCase() : 'ru';
		}

		function texts() {
			var t = null;
			try {
				t = typeof self.i18n === 'function' ? self.i18n('license') : null;
			} catch (e) {
				t = null;
			}
			if ((!t || typeof t !== 'object') && self.langs && typeof self.langs === 'object')
				t = self.langs.license;
			return t && typeof t === 'object' ? t : {};
		}

		function say(key, vars) {
			var t = texts(), s = typeof t[key] === 'string' ? t[key] : FALLBACK[key];
			if (typeof s !== 'string')
				s = key;
			return s.replace(/\{(\w+)\}/g, function (m, name) {
				return vars && vars[name] != null ? String(vars[name]) : m;
			});
		}

		function days(n) {
			var cat = 'other';
			try {
				cat = new Intl.PluralRules(lang()).select(n);
			} catch (e) {
				cat = n === 1 ? 'one' : 'other';
			}
			var t = texts(), key = typeof t['days_' + cat] === 'string' ? 'days_' + cat : 'days_other';
			return say(key, { n: n });
		}

		function widgetCode() {
			var s = null, c;
			try {
				s = typeof self.get_settings === 'function' ? self.get_settings() : null;
			} catch (e) {
				s = null;
			}
			c = AMOBILL_WIDGET_CODE || (s && s.widget_code) ||
			    (self.params && self.params.widget_code) || '';
			c = String(c);
			return CODE_RE.test(c) ? c : '';
		}

		function context() {
			var acc = amoConstant('account') || {};
			return {
				code: widgetCode(),
				accountId: acc.id != null ? acc.id : null,
				subdomain: acc.subdomain || null
			};
		}

		function area() {
			try {
				var s = typeof self.system === 'function' ? self.system() : null;
				return s && s.area ? s.area : '';
			} catch (e) {
				return '';
			}
		}

		function containerHtml(id, code) {
			return '<div class="amobill-license" id="' + id + '" data-widget="' + code +
			    '" data-state="loading" role="status" aria-live="polite"></div>';
		}

		function containers() {
			var code = widgetCode() || 'unknown';
			return Array.prototype.slice.call(document.querySelectorAll(
			    '.amobill-license[data-widget="' + code + '"]'));
		}

		function el(tag, className, text) {
			var e = document.createElement(tag);
			if (className)
				e.className = className;
			if (text != null)
				e.textContent = text;
			return e;
		}

		var COLORS = {
			loading: '#8591a5', valid: '#2c9a37', trial: '#2f7bd8', expiring: '#e8a200',
			expired: '#d0342c', suspended: '#d0342c', error: '#d0342c'
		};

		function paintOne(box, r) {
			var title, text, buy, now = Date.now(), left, note, retry;
			while (box.firstChild)
				box.removeChild(box.firstChild);
			box.setAttribute('data-state', r ? r.state : 'loading');
			box.style.borderLeft = '4px solid ' + COLORS[r ? r.state : 'loading'];
			box.style.padding = '8px 10px';
			box.style.margin = '4px 0 8px';
			box.style.background = '#f7f8fa';
			box.style.lineHeight = '1.4';
			if (!r) {
				box.removeAttribute('data-code');
				box.appendChild(el('div', 'amobill-license__text', say('loading')));
				return;
			}
			box.setAttribute('data-code', r.code);
			box.setAttribute('data-cached', r.cached ? '1' : '0');
			box.setAttribute('data-licensed', r.licensed ? '1' : '0');
			if (r.expiresAt !== null) {
				box.setAttribute('data-expires', new Date(r.expiresAt).toISOString());
				// Whole days, begun ones counted; a minute's slack absorbs
				// the server's rounding to the second.
				left = Math.max(0, Math.ceil((r.expiresAt - now - MINUTE) / DAY));
				box.setAttribute('data-days-left', String(left));
			} else {
				box.removeAttribute('data-expires');
				box.removeAttribute('data-days-left');
			}
			box.setAttribute('role', r.state === 'valid' || r.state === 'trial' ? 'status' : 'alert');
			var vars = {
				date: r.expiresAt !== null ? formatDate(r.expiresAt) : '',
				days: left != null ? days(left) : '',
				widget: widgetCode()
			};
			switch (r.state) {
			case 'valid':
				title = say('title_valid');
				text = say('text_valid', vars);
				break;
			case 'trial':
				title = say('title_trial');
				text = say('text_trial', vars);
				break;
			case 'expiring':
				title = say('title_expiring');
				text = say(r.trial ? 'text_expiring_trial' : 'text_expiring', vars);
				break;
			case 'expired':
				title = say('title_expired');
				text = say(vars.date ? 'text_expired' : 'text_expired_nodate', vars);
				break;
			case 'suspended':
				title = say('title_suspended');
				text = say('text_suspended', vars);
				break;
			case 'not_entitled':
				title = say('title_not_entitled');
				text = say('text_not_entitled', vars);
				break;
			default:
				title = say('title_error');
				text = say('error_' + r.code, vars);
				if (text === 'error_' + r.code)
					text = say('error_INTERNAL');
			}
			var t = el('div', 'amobill-license__title', title);
			t.style.fontWeight = 'bold';
			box.appendChild(t);
			box.appendChild(el('div', 'amobill-license__text', text));
			if (r.cached) {
				note = el('div', 'amobill-license__cached', say('cached', {
					when: formatDateTime(r.checkedAt)
				}));
				note.style.color = '#8591a5';
				box.appendChild(note);
			}
			buy = el('a', 'amobill-license__buy amobill-buy',
			    say(r.state === 'valid' || r.state === 'expiring' ? 'renew' : 'buy'));
			buy.href = AMOBILL_BASE_URL + '/checkout';
			buy.target = '_blank';
			buy.rel = 'noopener noreferrer';
			buy.style.display = 'inline-block';
			buy.style.marginTop = '4px';
			box.appendChild(buy);
			if (r.state === 'error') {
				retry = el('button', 'amobill-license__retry', say('retry'));
				retry.type = 'button';
				retry.style.marginLeft = '12px';
				retry.addEventListener('click', function () {
					refresh(true);
				});
				box.appendChild(retry);
			}
		}

		function paint(r) {
			if (!destroyed)
				containers().forEach(function (box) { paintOne(box, r); });
		}

		/*
		 * The license of this account for this widget: a Promise of
		 * {state, code, licensed, trial, expiresAt, checkedAt, cached,
		 * answer}; state is valid, trial, expiring, expired, suspended or
		 * error.  Concurrent callers share one request; a page asks again
		 * after a minute, or at once with force.
		 */
		function check(force) {
			if (memo.pending)
				return memo.pending;
			if (!force && memo.last && Date.now() - memo.at < REUSE_FOR)
				return Promise.resolve(memo.last);
			memo.pending = runCheck(self, context()).then(function (r) {
				memo.pending = null;
				memo.last = r;
				memo.at = Date.now();
				return r;
			});
			return memo.pending;
		}

		function refresh(force) {
			var shown = memo.last && !force;
			if (!shown)
				paint(null);
			return check(force).then(function (r) {
				paint(r);
				return r;
			});
		}

		// For the widget's own features: gate them on license().licensed.
		this.amobillLicense = function () {
			return check(false);
		};

		this.callbacks = {
			render: function () {
				var code = widgetCode() || 'unknown';
				if (CARD_AREAS.indexOf(area()) !== -1 && typeof self.render_template === 'function') {
					self.render_template({
						caption: { class_name: 'amobill-widget-caption' },
						body: '',
						render: containerHtml('amobill-license-' + code, code)
					});
				}
				refresh(false);
				return true;
			},
			init: function () {
				check(false);
				return true;
			},
			bind_actions: function () {
				return true;
			},
			settings: function ($modal_body) {
				var code = widgetCode() || 'unknown', root = null, holder, id;
				if ($modal_body && $modal_body.nodeType === 1)
					root = $modal_body;
				else if ($modal_body && $modal_body[0] && $modal_body[0].nodeType === 1)
					root = $modal_body[0];
				if (!root)
					root = document.querySelector('.widget-settings__desc-space') ||
					    document.querySelector('.widget_settings_block');
				id = 'amobill-license-settings-' + code;
				if (root && !document.getElementById(id)) {
					holder = document.createElement('div');
					holder.innerHTML = containerHtml(id, code);
					root.insertBefore(holder.firstChild, root.firstChild);
				}
				refresh(false);
				return true;
			},
			onSave: function () {
				// Installing the widget is its first check, which starts the trial.
				refresh(true);
				return true;
			},
			destroy: function () {
				containers().forEach(function (box) {
					if (box.parentNode)
						box.parentNode.removeChild(box);
				});
				destroyed = true;
			}
		};
		return this;
	};

	return CustomWidget;
});
