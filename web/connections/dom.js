// Building the page's elements.  Text always goes in as text nodes
// (textContent); no function here takes HTML, so a connection name, a
// piece description or an API error can never become markup.

// h(tag, attrs, ...children): a new element.  attrs: class, text, hidden,
// dataset {...}, on {event: fn}, and any other attribute (set with
// setAttribute; false, null and undefined leave it out).  Children are
// nodes or strings (as text); null and false are skipped.
export function h(tag, attrs, ...children) {
	const el = document.createElement(tag);
	for (const [k, v] of Object.entries(attrs || {})) {
		if (v === undefined || v === null || v === false)
			continue;
		if (k === 'class')
			el.className = v;
		else if (k === 'text')
			el.textContent = v;
		else if (k === 'dataset')
			Object.assign(el.dataset, v);
		else if (k === 'on')
			for (const [ev, fn] of Object.entries(v))
				el.addEventListener(ev, fn);
		else if (k === 'value' || k === 'checked' || k === 'selected')
			el[k] = v;
		else
			el.setAttribute(k, v === true ? '' : String(v));
	}
	append(el, children);
	return el;
}

function append(el, children) {
	for (const c of children.flat()) {
		if (c === null || c === undefined || c === false)
			continue;
		el.append(c instanceof Node ? c : document.createTextNode(String(c)));
	}
}

// Replaces an element's children (text or nodes).
export function fill(el, ...children) {
	el.replaceChildren();
	append(el, children);
	return el;
}

export function show(el, on) {
	el.hidden = !on;
}

// A <time> for an ISO 8601 instant, shown in the reader's locale.
export function time(iso) {
	const d = new Date(iso);
	if (!iso || Number.isNaN(d.getTime()))
		return document.createTextNode('unknown time');
	return h('time', { datetime: d.toISOString(),
	    text: d.toLocaleString(undefined, { dateStyle: 'medium',
	    timeStyle: 'short' }) });
}

// An image URL the page may load: https, or this origin.  Anything else
// (data:, javascript:, http elsewhere) is refused.
export function safeImageUrl(u) {
	if (typeof u !== 'string' || u === '')
		return null;
	try {
		const url = new URL(u, location.href);
		if (url.protocol === 'https:' || url.origin === location.origin)
			return url.href;
	} catch (e) {
		/* not a URL */
	}
	return null;
}

// A piece's logo, or its initial when there is none or it does not load.
export function logo(url, name) {
	const initial = h('span', { class: 'logo logo-initial',
	    'aria-hidden': 'true', text: (name || '?').trim().charAt(0)
	    .toUpperCase() || '?' });
	const src = safeImageUrl(url);
	if (!src)
		return initial;
	const img = h('img', { class: 'logo', alt: '', width: 32, height: 32,
	    loading: 'lazy', referrerpolicy: 'no-referrer', src });
	img.addEventListener('error', () => img.replaceWith(initial));
	return img;
}

let uid = 0;
// A fresh id for label/aria wiring.
export function nextId(prefix) {
	uid += 1;
	return (prefix || 'id') + '-' + uid;
}
