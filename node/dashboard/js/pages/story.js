// story — what the commitment and indicator pages share about how things changed: field names
// in the reader's language (never `endDate` or `problem.fr`), the table of every value a target
// or a date ever had (the node's targetHistory and dateHistory: who set it, declared by an
// amendment or hidden, hidden ones in red linking to the integrity finding), and the link to
// subscribe to a feed.

import { t, num, date, period, lang, has } from '../i18n.js';
import { h, txt, state, badge } from '../dom.js';
import { seg } from '../api.js';

// "Date de fin", "Jalon M1 — Intitulé (arabe)", "Cible 2025"; an unknown field keeps its name.
export function fieldLabel(path) {
	const p = String(path || '');
	let m = /^milestones\[([^\]]+)\]\.(.+)$/.exec(p);
	if (m) return `${t('c.milestone', { id: m[1] })} — ${fieldLabel(m[2])}`;
	m = /^milestones\[([^\]]+)\]$/.exec(p);
	if (m) return t('c.milestone', { id: m[1] });
	m = /^targets\[([^\]]+)\]$/.exec(p);
	if (m) return t('field.target', { p: period(m[1]) });
	m = /^(.+)\.(fr|ar|en)$/.exec(p);
	if (m) return `${fieldLabel(m[1])} (${t(`field.lang.${m[2]}`)})`;
	return has(`field.${p}`) ? t(`field.${p}`) : p;
}

// A link to an Atom feed in the reader's language (the node serves ?lang=fr|ar|en).
export function feedLink(path) {
	return h('a', { class: 'feed', href: `${path}?lang=${lang()}`, type: 'application/atom+xml', 'data-feed': path },
		h('span', { class: 'feed-icon', 'aria-hidden': 'true' }), t('feed.subscribe'));
}

// What a row of a story says happened.
function howBadge(r) {
	if (r.hidden) return badge('danger', t('i.how.hidden'), { 'data-how': 'hidden' });
	if (r.how === 'amendment' || (r.how === 'version' && r.declared)) return badge('warn', t('i.how.declared'), { 'data-how': 'declared' });
	return badge(r.how === 'initial' ? 'muted' : 'info', t(`i.how.${r.how}`), { 'data-how': r.how });
}

function reason(slug, r) {
	if (r.hidden) {
		const subject = (r.finding && r.finding.subject) || '';
		return h('p', { class: 'err' }, t('i.hiddenWhy'), ' ',
			h('a', { href: `#/compliance?member=${seg(slug)}&finding=${encodeURIComponent(subject)}`, 'data-finding-link': subject }, t('i.seeFinding')));
	}
	if (r.declared) {
		return [r.declared.reason ? txt(r.declared.reason, 'p') : null,
			r.declared.index !== r.index ? h('a', { href: `#/entry/${seg(slug)}/${r.declared.index}` }, t('i.amendment', { n: num(r.declared.index) })) : null];
	}
	return null;
}

// The table of a story. rows: targetHistory or dateHistory; opts: {caption, id, what: the
// first column's label, name: row → its first cell, value: a value → text}.
export function storyTable(slug, rows, opts) {
	if (!rows.length) return state('empty', opts.empty || t('state.empty'));
	const show = (x) => (x === null || x === undefined ? t('none') : opts.value(x));
	const L = [opts.what, t('i.value'), t('c.old'), t('i.change'), t('comp.entries'), t('c.reason')];
	return h('div', { class: 'table-wrap' }, h('table', { class: 'data cards-narrow story', 'data-story': opts.id },
		h('caption', { class: 'sr-only' }, opts.caption),
		h('thead', null, h('tr', null, L.map((x) => h('th', { scope: 'col' }, x)))),
		h('tbody', null, rows.map((r) => h('tr', {
			class: r.hidden ? 'hidden-change' : r.previous !== null && r.previous !== undefined ? 'changed' : null,
			'data-field': r.field, 'data-how': r.hidden ? 'hidden' : r.how, 'data-index': String(r.index),
		},
		h('th', { scope: 'row', 'data-label': L[0] }, opts.name(r)),
		h('td', { 'data-label': L[1] }, show(r.value)),
		h('td', { 'data-label': L[2] }, r.previous === null || r.previous === undefined ? '' : show(r.previous)),
		h('td', { 'data-label': L[3] }, howBadge(r)),
		h('td', { 'data-label': L[4] }, h('a', { href: `#/entry/${seg(slug)}/${r.index}` }, t('c.index', { n: num(r.index) })),
			h('div', { class: 'muted' }, date(r.date || r.published))),
		h('td', { 'data-label': L[5] }, reason(slug, r)))))));
}
