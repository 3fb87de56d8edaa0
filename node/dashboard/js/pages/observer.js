// Observer — a civil-society observer's page (#/member/<slug> when the registry admitted it as
// an observer, /api/v1/members): who it is (names, category, region, contact, status, key), a
// link to its feed, and what it signed in its own log: assessments of members' commitments
// (each linking to the commitment page, where it sits beside the council's progress) and
// consultation reports. Observers are not evaluated: no compliance, no benchmark. The network
// page lists them (observersSection).

import { getJSON, seg, slugOf } from '../api.js';
import { t, num, date, pick } from '../i18n.js';
import { h, txt, state, section, badge, loading } from '../dom.js';
import { regionLabel } from './common.js';
import { completionBadge } from './member.js';
import { feedLink } from './story.js';

// The registry's observers, or [] (a node without a registry, an older node).
export async function observers(signal) {
	try {
		const r = await getJSON('/api/v1/members?kind=observer', { signal });
		return (r && r.members) || [];
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		return [];
	}
}

function statusBadge(m) {
	return m.status === 'suspended'
		? badge('danger', t('badge.suspended'), { 'data-suspended': String(m.suspendedAtSize) })
		: badge('ok', t('o.active'));
}

export function observersSection(dir, list) {
	if (!list.length) return null;
	return section(t('o.list'), h('p', { class: 'muted' }, t('o.list.intro')),
		h('ul', { class: 'cards', 'data-observers': String(list.length) }, list.map((m) => h('li', { 'data-observer-card': m.member },
			h('a', { class: 'card-title', href: `#/member/${seg(m.member)}` }, txt(m.name)),
			h('p', { class: 'muted' }, [m.category ? t(`a.category.${m.category}`) : t('a.observer'), m.region ? regionLabel(dir, m.region, m.regionName) : null].filter(Boolean).join(' · ')),
			h('div', { class: 'badges' }, statusBadge(m), h('span', { class: 'muted' }, t('o.signed', { n: num(m.logSize || 0) })))))));
}

export async function observerPage(ctx, body, dir, m) {
	const { signal } = ctx;
	ctx.setTitle(pick(m.name).s || m.member);
	body.append(h('div', { class: 'page-head' },
		txt(m.name, 'h1'),
		h('p', { class: 'subtitle' }, [t('a.observer'), m.category ? t(`a.category.${m.category}`) : null, m.region ? regionLabel(dir, m.region, m.regionName) : null].filter(Boolean).join(' · ')),
		h('div', { class: 'badges' }, statusBadge(m)),
		h('p', { class: 'links' },
			m.contactUrl && /^https?:\/\//.test(m.contactUrl) ? h('a', { href: m.contactUrl, rel: 'noopener noreferrer external' }, t('o.contact')) : null,
			m.logSize ? [' · ', feedLink(`/feeds/${seg(m.member)}.atom`)] : null)));
	body.append(h('p', { class: 'lead' }, t('o.intro')));
	body.append(section(t('m.identity'), h('dl', { class: 'facts' },
		h('dt', null, t('m.origin')), h('dd', null, h('code', null, m.origin)),
		h('dt', null, t('col.size')), h('dd', { 'data-size': m.origin }, m.logSize === null || m.logSize === undefined ? t('repl.absent') : num(m.logSize)),
		m.key ? [h('dt', null, t('m.key')), h('dd', null, h('code', { class: 'wrap' }, m.key))] : null,
		m.admitted ? [h('dt', null, t('o.admitted')), h('dd', null, date(m.admitted))] : null)));
	if (!m.logSize) {
		body.append(state('empty', t('state.nodata'), t('state.nodata.detail')));
		return;
	}
	const out = h('div', null, loading());
	body.append(section(t('o.published'), out));
	const page = await getJSON(`/api/v1/logs/${seg(m.member)}/entries?start=0&limit=1000`, { signal });
	const items = [];
	for (const e of (page && page.entries) || []) {
		const x = e.entry || {};
		if (x.assessment) {
			const a = x.assessment;
			const ms = slugOf(a.memberOrigin || '');
			items.push(h('li', { class: 'assessment', 'data-signed': `assessment/${e.index}` },
				h('div', { class: 'assessment-head' }, h('strong', null, t('kindof.assessment')), ' ',
					ms ? h('a', { href: `#/commitment/${seg(ms)}/${seg(a.commitmentId)}` }, a.commitmentId, ' — ', dir.members.has(ms) ? txt(dir.members.get(ms).name) : ms) : a.commitmentId,
					' ', completionBadge(a.completion)),
				a.comment ? txt(a.comment, 'p') : null,
				h('p', { class: 'muted' }, h('a', { href: `#/entry/${seg(m.member)}/${e.index}` }, t('c.index', { n: num(e.index) })), a.date ? ` · ${date(a.date)}` : '')));
		} else if (x.consultation) {
			const k = x.consultation;
			items.push(h('li', { class: 'assessment', 'data-signed': `consultation/${e.index}` },
				h('div', { class: 'assessment-head' }, h('strong', null, t('kindof.consultation')), ' ', txt(k.subject)),
				k.outcome ? txt(k.outcome, 'p') : null,
				h('p', { class: 'muted' }, h('a', { href: `#/entry/${seg(m.member)}/${e.index}` }, t('c.index', { n: num(e.index) })), k.date ? ` · ${date(k.date)}` : '')));
		}
	}
	out.replaceChildren(items.length ? h('ul', { class: 'assessments' }, items) : h('p', { class: 'muted' }, t('a.none')));
}
