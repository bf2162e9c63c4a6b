/*
 * What the browser tests measure of a page's layout (not a test file: the
 * runner takes only *.test.mjs; journey.test.mjs and invoice.test.mjs
 * import it).
 */

/*
 * The numbers, dates and amounts of the page (by default its tables'
 * td.num; selector names others) that break across lines at its present
 * width: the lines an element's text is laid out on, counted by the tops
 * of its text's boxes.  Each as its text, JSON-quoted.
 */
export function wrappedCells(page, selector = 'td.num') {
	return page.evaluate((sel) => [...document.querySelectorAll(sel)].filter((td) => {
		const r = document.createRange();
		r.selectNodeContents(td);
		return new Set([...r.getClientRects()].filter((x) => x.width > 0)
		    .map((x) => Math.round(x.top))).size > 1;
	}).map((td) => JSON.stringify(td.innerText.replace(/\s+/g, ' '))), selector);
}

/*
 * The table cells that hold only a number, a date or an amount ("100001",
 * "01.12.2026", "60 000 ₸", "01.12.2026 – 01.06.2027") but are not marked
 * td.num, so that wrappedCells would not see them.
 */
export function unmarkedNumberCells(page) {
	return page.evaluate(() => [...document.querySelectorAll('td:not(.num)')]
	    .filter((td) => /^[\d\s\u00a0\u202f.,:–—₸-]*\d[\d\s\u00a0\u202f.,:–—₸-]*$/
		.test(td.innerText.trim()))
	    .map((td) => JSON.stringify(td.innerText.replace(/\s+/g, ' '))));
}
