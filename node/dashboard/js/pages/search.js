// Search — #/search?q=…[&member=…&principle=…&kind=…]: what GET /api/v1/search finds in the
// programmes, commitments, milestones and indicators of every log the node holds, in French,
// Arabic and English (the node folds accents, Arabic diacritics, hamza and alef forms, so the
// page sends the words as typed). Filters change the address, so a search is a link to share.

import { getJSON, ApiError } from '../api.js';
import { t, num } from '../i18n.js';
import { h, txt, state, section, badge, field, select, loading, errorState, clear } from '../dom.js';
import { directory, memberNameEl } from './common.js';

const KINDS = ['programme', 'commitment', 'milestone', 'indicator'];
const PRINCIPLES = ['transparency', 'accountability', 'access_to_information', 'citizen_participation', 'digitalisation'];

export default async function search(ctx) {
	const { main, signal, query } = ctx;
	const q = (query.get('q') || '').trim();
	const want = { member: query.get('member') || '', principle: query.get('principle') || '', kind: query.get('kind') || '' };
	ctx.setTitle(q ? t('s.titleFor', { q }) : t('s.title'));
	main.append(h('h1', null, t('s.title')), h('p', { class: 'lead' }, t('s.intro')));
	const dir = await directory(signal).catch((e) => {
		if (e.kind === 'aborted') throw e;
		return null;
	});

	// The page's own form: the words and the filters, each change a new address.
	const qIn = h('input', { type: 'search', name: 'q', value: q, dir: 'auto', maxlength: '200', 'data-search-page': 'q' });
	const go = (over) => {
		const p = new URLSearchParams();
		const v = { q: qIn.value.trim(), ...want, ...over };
		for (const k of ['q', 'member', 'principle', 'kind']) if (v[k]) p.set(k, v[k]);
		ctx.go(`#/search?${p}`);
	};
	const members = dir ? dir.list.map((m) => [m.member, (m.name && (m.name.fr || m.name.ar)) || m.member]) : [];
	const form = h('form', { class: 'filters', role: 'search', 'aria-label': t('s.filters'), onsubmit: (e) => { e.preventDefault(); go({}); } },
		field(t('s.words'), qIn),
		field(t('s.member'), select([['', t('f.all')], ...members], want.member, (v) => go({ member: v }))),
		field(t('s.principle'), select([['', t('f.all')], ...PRINCIPLES.map((p) => [p, t(`principle.PRINCIPLE_${p.toUpperCase()}`)])], want.principle, (v) => go({ principle: v }))),
		field(t('s.kind'), select([['', t('f.all')], ...KINDS.map((k) => [k, t(`kindof.${k}`)])], want.kind, (v) => go({ kind: v }))),
		h('div', { class: 'field field-button' }, h('button', { type: 'submit', class: 'btn btn-primary' }, t('s.go'))));
	main.append(form);
	const body = h('div', { 'aria-live': 'polite' });
	main.append(body);
	if (!q) {
		body.append(state('empty', t('s.none'), t('s.hint')));
		return;
	}
	body.append(loading());
	const p = new URLSearchParams({ q, limit: '50' });
	for (const k of ['member', 'principle', 'kind']) if (want[k]) p.set(k, want[k]);
	let r;
	try {
		r = await getJSON(`/api/v1/search?${p}`, { signal });
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		// A query the node refuses (nothing left to search for, an unknown filter) is the
		// reader's to change, not a failure of the node.
		if (e instanceof ApiError && e.status === 400) {
			clear(body).append(state('empty', t('s.refused'), e.reason));
			return;
		}
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	const results = r.results || [];
	body.dataset.results = String(results.length);
	if (!results.length) {
		body.append(state('empty', t('s.noresult', { q }), t('s.hint')));
		return;
	}
	body.append(section(t('s.results', { n: num(results.length) }),
		h('p', { class: 'muted' }, t('s.words.used'), (r.words || []).map((w) => [' ', h('code', { dir: 'auto' }, w)])),
		h('ol', { class: 'results' }, results.map((x) => h('li', { class: 'result', 'data-result': `${x.kind}:${x.member}:${x.id}` },
			h('div', { class: 'badges' }, badge(x.kind === 'commitment' ? 'info' : 'muted', t(`kindof.${x.kind}`))),
			h('a', { href: x.href, class: 'card-title' }, txt(x.title)),
			h('p', { class: 'muted' }, memberNameEl(dir, x.member), ' · ', h('code', null, x.id),
				x.commitment ? [' · ', h('code', null, x.commitment)] : null)))),
		r.more ? h('p', { class: 'muted' }, t('s.more')) : null,
		r.truncated ? state('warning', t('s.truncated')) : null));
}
