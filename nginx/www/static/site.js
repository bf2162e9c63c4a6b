// Static pages: the plans, the catalogue and the seller's details come from
// the site, so they are never out of date.  Without JavaScript the page
// still reads well (the lists are the plans and catalogue at release; the
// footer links to the offer, which carries the seller's details).  Text
// from the site is set with textContent only.
(function () {
	'use strict';

	function get(url, done) {
		var x = new XMLHttpRequest();
		x.open('GET', url);
		x.setRequestHeader('Accept', 'application/json');
		x.onload = function () {
			if (x.status === 200) {
				try { done(JSON.parse(x.responseText)); } catch (e) { /* keep the page as it is */ }
			}
		};
		x.send();
	}

	function el(tag, text) {
		var e = document.createElement(tag);
		if (text !== undefined) e.textContent = text;
		return e;
	}

	// "60000.00" → "60 000 ₸" (no-break spaces), as the checkout writes it
	// (lib/base/money.c money_display).
	function money(s) {
		var m = /^(\d+)\.(\d\d)$/.exec(String(s));
		if (!m) return null;
		var t = m[1].replace(/\B(?=(\d{3})+$)/g, '\u00a0');
		return t + (m[2] === '00' ? '' : ',' + m[2]) + '\u00a0₸';
	}

	// 6 → "на 6 месяцев": the Russian plural rule of lib/base/plural.c.
	function term(n) {
		var r10 = n % 10, r100 = n % 100;
		var w = r10 === 1 && r100 !== 11 ? 'месяц' :
		    r10 >= 2 && r10 <= 4 && (r100 < 12 || r100 > 14) ? 'месяца' : 'месяцев';
		return 'на ' + n + ' ' + w;
	}

	var widgetsDone = [], widgetNames = null;
	function withWidgets(fn) {
		if (widgetNames) fn(widgetNames);
		else widgetsDone.push(fn);
	}

	var list = document.getElementById('widgets');
	get('/api/v1/widgets', function (widgets) {
		if (!widgets.length) return;
		widgetNames = {};
		widgets.forEach(function (w) { widgetNames[w.code] = w.name; });
		widgetsDone.splice(0).forEach(function (fn) { fn(widgetNames); });
		if (!list) return;
		list.textContent = '';
		widgets.forEach(function (w) {
			var li = el('li');
			li.appendChild(el('strong', w.name));
			li.appendChild(document.createTextNode(' — ' + w.description));
			list.appendChild(li);
		});
	});

	var plans = document.getElementById('plans');
	if (plans) {
		get('/api/v1/plans', function (all) {
			if (!all.length) return;
			withWidgets(function (names) {
				plans.textContent = '';
				all.forEach(function (p) {
					var li = el('li'), price = money(p.price);
					li.appendChild(el('strong', p.name));
					li.firstChild.className = 'plan-name';
					if (price) {
						li.appendChild(document.createTextNode(' — '));
						li.appendChild(el('span', price)).className = 'plan-price';
					}
					li.appendChild(document.createTextNode(' '));
					li.appendChild(el('span', term(p.term_months))).className = 'plan-term';
					var ws = (p.widgets || []).map(function (c) { return names[c] || c; });
					var bundle = p.bundle !== undefined ? p.bundle === true :
					    ws.length > 1 && ws.length === Object.keys(names).length;
					li.appendChild(el('span', (bundle ? 'все виджеты набора: ' :
					    'виджеты: ') + ws.join(', ')))
					    .className = 'hint plan-widgets';
					var a = el('a', 'Оформить');
					a.className = 'button';
					a.href = '/checkout?plan=' + encodeURIComponent(p.code);
					li.appendChild(a);
					plans.appendChild(li);
				});
			});
		});
	}

	var merchant = document.getElementById('merchant');
	if (merchant) {
		get('/api/v1/site', function (s) {
			merchant.textContent = s.merchant_name + ', БИН/ИИН ' + s.merchant_bin + ', ' +
			    s.merchant_address + '. Поддержка: ';
			var a = el('a', s.support_email);
			a.href = 'mailto:' + s.support_email;
			merchant.appendChild(a);
			merchant.appendChild(document.createTextNode('.'));
		});
	}
})();
