// Commitment — a commitment's present state; what observers and other members assessed of it,
// next to the council's own reported progress (agreeing or disputing it); the story of its dates
// and milestones (hidden changes in red); its indicators; its full history: every version,
// amendment, status and milestone update, assessment and consultation in log order, old and new
// values side by side, fields named in the reader's language; a link to subscribe to its feed;
// and "verify", which checks every entry of that history in the browser.

import { getJSON, getAll, seg, slugOf, ApiError } from '../api.js';
import { t, tn, num, date, pick, money, dateTime } from '../i18n.js';
import { h, txt, state, section, badge, progressBar, loading, errorState, clear } from '../dom.js';
import { directory, memberLink } from './common.js';
import { feedLink, fieldLabel, storyTable } from './story.js';
import { observers } from './observer.js';
import { completionBadge, milestoneBadge, milestoneState } from './member.js';
import { verifyPanel, proofLink } from './verifyview.js';

export default async function commitment(ctx) {
	const { main, signal, params } = ctx;
	const [slug, id] = params;
	const body = h('div', null, loading());
	main.append(body);
	let c, dir, obs, inds;
	try {
		[c, dir, obs, inds] = await Promise.all([
			getJSON(`/api/v1/commitments/${seg(slug)}/${seg(id)}`, { signal }),
			directory(signal).catch(() => null),
			// The observers' names and categories (they are not in the compliance directory).
			observers(signal),
			getAll(`/api/v1/indicators?member=${seg(slug)}`, 'indicators', { signal }).catch(() => []),
		]);
	} catch (e) {
		if (e.kind === 'aborted') throw e;
		if (e instanceof ApiError && e.status === 404) {
			ctx.setTitle(id);
			clear(body).append(h('h1', null, id), state('empty', t('state.nocommitment'), e.reason));
			return;
		}
		clear(body).append(errorState(e, () => ctx.rerender()));
		return;
	}
	clear(body);
	ctx.setTitle(pick(c.title).s || id);
	const today = new Date().toISOString().slice(0, 10);
	const latest = (c.entry && c.entry.commitment) || {};
	const row = dir && dir.members.get(slug);

	body.append(h('div', { class: 'page-head' },
		h('p', { class: 'crumbs' }, memberLink(dir, slug), ' / ', h('code', null, c.id)),
		txt(c.title, 'h1'),
		h('div', { class: 'badges' }, completionBadge(c.status)),
		progressBar(c.progress || 0),
		h('p', { class: 'links' }, feedLink(`/feeds/${seg(slug)}/${seg(c.id)}.atom`))));
	if (row && row.forked) body.append(state('error', t('state.forked'), t('state.forked.detail')));
	const notice = h('div', { class: 'notice', hidden: true, role: 'status' });
	body.append(notice);
	ctx.onLive((m) => {
		if (m.resync || m.origin === c.origin) {
			clear(notice).append(t('live.new'), ' ', h('button', { type: 'button', class: 'btn', onclick: () => ctx.rerender() }, t('live.refresh')));
			notice.hidden = false;
		}
	});

	body.append(assessmentsSection(slug, c, dir, obs));

	body.append(section(t('c.description'), h('dl', { class: 'facts' },
		h('dt', null, t('c.programme')), h('dd', null, h('code', null, c.programme || t('none'))),
		h('dt', null, t('c.principles')), h('dd', null, (c.principles || []).map((p) => t(`principle.${p}`)).join(' · ') || t('none')),
		h('dt', null, t('c.status')), h('dd', null, t(`completion.${c.status || 'COMPLETION_UNSPECIFIED'}`), c.statusDate ? ` — ${date(c.statusDate)}` : ''),
		h('dt', null, t('c.dates')), h('dd', null, latest.startDate ? t('m.period', { a: date(latest.startDate), b: date(latest.endDate) }) : t('none')),
		h('dt', null, t('c.lead')), h('dd', null, latest.leadBody || t('none')),
		h('dt', null, t('c.budget')), h('dd', null, latest.budgetMad ? money(latest.budgetMad) : t('none')),
		latest.stakeholders ? [h('dt', null, t('c.stakeholders')), h('dd', null, latest.stakeholders.join(' · '))] : null),
	latest.problem ? [h('h3', null, t('c.problem')), txt(latest.problem, 'p')] : null,
	latest.description ? [h('h3', null, t('c.description')), txt(latest.description, 'p')] : null));

	if ((c.milestones || []).length) {
		body.append(section(t('m.milestones'), h('div', { class: 'table-wrap' }, h('table', { class: 'data cards-narrow' },
			h('thead', null, h('tr', null, [h('span', { class: 'sr-only' }, t('field.id')), t('c.title'), t('c.due'), t('c.status')].map((x) => h('th', { scope: 'col' }, x)))),
			h('tbody', null, c.milestones.map((m) => h('tr', null, h('th', { scope: 'row' }, m.id), h('td', null, txt(m.title)),
				h('td', { 'data-label': t('c.due') }, t('m.due', { d: date(m.dueDate) }), m.date ? h('div', { class: 'muted' }, t('m.done', { d: date(m.date) })) : null),
				h('td', { 'data-label': t('c.status') }, milestoneBadge(milestoneState(m, today))))))))));
	}

	const dates = c.dateHistory || [];
	if (dates.length) {
		body.append(section(t('c.dateHistory'), h('p', { class: 'muted' }, t('c.dateHistory.intro')),
			storyTable(slug, dates, { id: c.id, caption: t('c.dateHistory'), what: t('c.field'),
				name: (r) => fieldLabel(r.field), value: (x) => date(x) })));
	}
	const mine = inds.filter((x) => x.commitmentId === c.id);
	if (mine.length) {
		body.append(section(t('m.indicators'), h('ul', { class: 'plain' }, mine.map((x) => h('li', { 'data-indicator-link': x.id },
			h('a', { href: `#/indicator/${seg(slug)}/${seg(x.id)}` }, txt(x.title)), ' ', h('code', null, x.id))))));
	}

	const history = c.history || [];
	body.append(section(t('v.title'), verifyPanel(ctx, slug, () => history.map((e) => ({ index: e.index, entry: e.entry })), { all: true }),
		h('p', { class: 'proof-download' }, proofLink(slug, c.lastUpdateIndex !== undefined && c.lastUpdateIndex !== null ? c.lastUpdateIndex : c.logIndex), ' ',
			h('span', { class: 'muted' }, t('v.downloadLatest')))));
	body.append(section(t('c.history'), h('p', { class: 'muted' }, t('c.history.intro')),
		h('ol', { class: 'history' }, historyItems(slug, history, c))));
}

// ---- history ----

function historyItems(slug, history, c) {
	let prevCommitment = null;
	let prevStatus = null;
	const milestoneTitles = new Map((c.milestones || []).map((m) => [m.id, m.title]));
	return history.map((e) => {
		const x = e.entry || {};
		let content;
		switch (e.kind) {
		case 'commitment':
			content = prevCommitment ? diffTable(diff(prevCommitment, x.commitment)) : firstVersion(x.commitment);
			prevCommitment = x.commitment;
			break;
		case 'amendment': {
			const a = x.amendment || {};
			content = [diffTable([{ field: a.field, old: a.oldValue, new: a.newValue }]),
				a.reason ? h('p', null, h('strong', null, `${t('c.reason')}${t('colon')}`), txt(a.reason)) : null,
				a.date ? h('p', { class: 'muted' }, date(a.date)) : null];
			break;
		}
		case 'statusUpdate': {
			const s = x.statusUpdate || {};
			const rows = [{ plain: true, field: t('c.status'), old: prevStatus ? t(`completion.${prevStatus.completion || 'COMPLETION_UNSPECIFIED'}`) : t('completion.COMPLETION_UNSPECIFIED'), new: t(`completion.${s.completion || 'COMPLETION_UNSPECIFIED'}`) },
				{ plain: true, field: t('m.progress'), old: prevStatus ? `${num(prevStatus.progressPercent || 0)} %` : t('none'), new: `${num(s.progressPercent || 0)} %` }];
			content = [diffTable(rows), s.date ? h('p', { class: 'muted' }, date(s.date)) : null, s.note ? txt(s.note, 'p') : null];
			prevStatus = s;
			break;
		}
		case 'milestoneUpdate': {
			const m = x.milestoneUpdate || {};
			content = [h('p', null, h('strong', null, t('c.milestone', { id: m.milestoneId })), ' ',
				milestoneTitles.has(m.milestoneId) ? txt(milestoneTitles.get(m.milestoneId)) : null, ' ',
				milestoneBadge(m.status || 'MILESTONE_STATUS_UNSPECIFIED'), m.date ? ` — ${date(m.date)}` : ''),
			m.note ? txt(m.note, 'p') : null];
			break;
		}
		case 'assessment': {
			const a = x.assessment || {};
			content = [h('dl', { class: 'facts' },
				h('dt', null, t('c.assessor')), h('dd', null, a.assessor || t('none')),
				h('dt', null, t('c.status')), h('dd', null, t(`completion.${a.completion || 'COMPLETION_UNSPECIFIED'}`)),
				a.effect ? [h('dt', null, t('c.effect')), h('dd', null, t(`a.effect.${a.effect}`))] : null),
			a.comment ? txt(a.comment, 'p') : null];
			break;
		}
		case 'consultation': {
			const k = x.consultation || {};
			content = [h('p', null, date(k.date), ' — ', txt(k.subject)), k.outcome ? txt(k.outcome, 'p') : null];
			break;
		}
		default:
			content = h('pre', { class: 'json', dir: 'ltr' }, JSON.stringify(x, null, 2));
		}
		const label = t(`kindof.${e.kind}`) === `kindof.${e.kind}` ? e.kind : t(`kindof.${e.kind}`);
		return h('li', { class: `hist hist-${e.kind}`, 'data-index': String(e.index) },
			h('div', { class: 'hist-head' },
				h('span', { class: 'hist-kind' }, label),
				h('a', { href: `#/entry/${seg(slug)}/${e.index}` }, t('c.index', { n: num(e.index) })),
				proofLink(slug, e.index, { small: true }),
				h('span', { class: 'muted' }, t('c.published', { d: dateTime(e.published) }))),
			h('div', { class: 'hist-body' }, content));
	});
}

function firstVersion(cm) {
	if (!cm) return null;
	return h('p', { class: 'muted' }, t('c.firstVersion'), cm.milestones ? ` · ${tn('n.milestones', cm.milestones.length)}` : '');
}

// Dotted paths of a commitment's fields; milestones by id; texts by language.
function flatten(o, prefix = '', out = new Map()) {
	if (o === null || o === undefined) return out;
	if (Array.isArray(o)) {
		if (o.every((x) => x && typeof x === 'object' && 'id' in x)) o.forEach((x) => flatten(x, `${prefix}[${x.id}]`, out));
		else out.set(prefix, o.join(', '));
	} else if (typeof o === 'object') {
		for (const [k, v] of Object.entries(o)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
	} else out.set(prefix, String(o));
	return out;
}

function diff(a, b) {
	const fa = flatten(a), fb = flatten(b);
	const keys = [...new Set([...fa.keys(), ...fb.keys()])];
	return keys.filter((k) => fa.get(k) !== fb.get(k)).map((k) => ({ field: k, old: fa.get(k), new: fb.get(k) }));
}

function diffTable(rows) {
	if (!rows.length) return h('p', { class: 'muted' }, t('c.nochange'));
	return h('div', { class: 'table-wrap' }, h('table', { class: 'data diff cards-narrow' },
		h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('c.field')), h('th', { scope: 'col' }, t('c.old')), h('th', { scope: 'col' }, t('c.new')))),
		h('tbody', null, rows.map((r) => h('tr', null,
			h('th', { scope: 'row', 'data-field': r.plain ? null : r.field }, r.plain ? r.field : fieldLabel(r.field)),
			h('td', { class: 'old', dir: 'auto', 'data-label': t('c.old') }, r.old === undefined || r.old === '' ? t('none') : r.old),
			h('td', { class: 'new', dir: 'auto', 'data-label': t('c.new') }, r.new === undefined || r.new === '' ? t('none') : r.new))))));
}

// ---- assessments ----

// Completion, in order, for telling whether an assessment agrees with the council's status.
const RANK = { COMPLETION_NOT_STARTED: 1, COMPLETION_LIMITED: 2, COMPLETION_SUBSTANTIAL: 3, COMPLETION_COMPLETE: 4 };

// agrees | disputes (finds less done than the council reports) | more | none (no comparison)
export function stance(assessed, reported) {
	const a = RANK[assessed], r = RANK[reported];
	if (!a || !r) return 'none';
	return a === r ? 'agrees' : a < r ? 'disputes' : 'more';
}

function assessmentsSection(slug, c, dir, obs) {
	const list = c.assessments || [];
	const reports = c.consultationReports || [];
	// Who signed: an observer, else a member of the directory.
	const who = new Map([...((dir && dir.list) || []).map((m) => [m.origin, m]), ...obs.map((m) => [m.origin, m])]);
	const council = h('div', { class: 'reported', 'data-reported': c.status || '' },
		h('p', null, h('strong', null, t('a.council')), ' ', completionBadge(c.status), ' ',
			h('span', null, `${num(c.progress || 0)} %`),
			c.statusIndex !== undefined && c.statusIndex !== null
				? [' · ', h('a', { href: `#/entry/${seg(slug)}/${c.statusIndex}` }, t('c.index', { n: num(c.statusIndex) }))] : null,
			c.statusDate ? ` · ${date(c.statusDate)}` : ''));
	const items = list.map((x) => {
		const a = (x.entry && x.entry.assessment) || {};
		const m = who.get(x.origin);
		const signer = m && m.name ? txt(m.name, 'strong') : h('strong', null, a.assessor || x.member);
		const st = x.own ? 'own' : stance(a.completion, c.status);
		const ix = a.assessedIndex !== undefined ? Number(a.assessedIndex) : null;
		return h('li', { class: `assessment stance-${st}`, 'data-assessment': `${x.member}/${x.index}`, 'data-stance': st, 'data-observer': String(!!x.observer) },
			h('div', { class: 'assessment-head' }, signer, ' ',
				x.own ? badge('muted', t('a.own')) : x.observer ? badge('info', t('a.observer')) : badge('muted', t('a.member')),
				m && m.category ? h('span', { class: 'muted' }, t(`a.category.${m.category}`)) : null),
			h('p', null, completionBadge(a.completion), ' ',
				st === 'none' || st === 'own' ? null : badge(st === 'agrees' ? 'ok' : st === 'disputes' ? 'danger' : 'info', t(`a.stance.${st}`), { 'data-stance-badge': st }),
				a.effect ? h('span', { class: 'muted' }, ` · ${t('c.effect')}${t('colon')}${t(`a.effect.${a.effect}`)}`) : null),
			a.comment ? txt(a.comment, 'p') : null,
			h('p', { class: 'muted' },
				ix !== null && !Number.isNaN(ix)
					? [t(ix === c.statusIndex ? 'a.assessedLatest' : 'a.assessedOlder', { n: num(ix) }), ' ']
					: null,
				h('a', { href: `#/entry/${seg(x.member || slugOf(x.origin))}/${x.index}` }, t('a.signed', { n: num(x.index) })),
				a.date ? ` · ${date(a.date)}` : ''));
	});
	const out = [council,
		items.length ? h('ul', { class: 'assessments' }, items) : h('p', { class: 'muted', 'data-assessments': '0' }, t('a.none'))];
	if (reports.length) {
		out.push(h('h3', null, t('a.reports')), h('ul', { class: 'plain' }, reports.map((x) => {
			const k = (x.entry && x.entry.consultation) || {};
			const m = who.get(x.origin);
			return h('li', { 'data-report': `${x.member}/${x.index}` }, m && m.name ? txt(m.name, 'strong') : h('strong', null, x.member), ' — ',
				date(k.date), ' — ', txt(k.subject), k.councilAnswer ? txt(k.councilAnswer, 'p') : null,
				h('a', { href: `#/entry/${seg(x.member || slugOf(x.origin))}/${x.index}` }, t('a.signed', { n: num(x.index) })));
		})));
	}
	return section(t('a.title'), h('p', { class: 'muted' }, t('a.intro')), out);
}
