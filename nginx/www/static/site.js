// Static pages: the catalogue and the seller's details come from the site,
// so they are never out of date.  Without JavaScript the page still reads
// well (the list above is the catalogue at release; the footer links to the
// offer, which carries the seller's details).
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

	var list = document.getElementById('widgets');
	if (list) {
		get('/api/v1/widgets', function (widgets) {
			if (!widgets.length) return;
			list.textContent = '';
			widgets.forEach(function (w) {
				var li = el('li');
				li.appendChild(el('strong', w.name));
				li.appendChild(document.createTextNode(' — ' + w.description));
				list.appendChild(li);
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
