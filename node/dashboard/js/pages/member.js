// Member — one member's open programme: commitments grouped by principle with their progress,
// milestones on a timeline, indicators with their measurements charted against the baseline
// and the targets.

import { getJSON, getAll, seg } from '../api.js';
import { t, tn, num, date, pick, period, periodEnd } from '../i18n.js';
import { h, cards, txt, state, section, badge, statusBadge, progressBar, loading, errorState, clear, short, printButton } from '../dom.js';
import { directory, regionLabel, kindLabel, replBadge, suspendedBadge, suspensionState, loadInto } from './common.js';
import { feedLink } from './story.js';
import { accessSection } from './access.js';
import { observers, observerPage } from './observer.js';
import * as charts from '../charts.js';

const PRINCIPLES = ['PRINCIPLE_TRANSPARENCY', 'PRINCIPLE_ACCOUNTABILITY', 'PRINCIPLE_ACCESS_TO_INFORMATION',
	'PRINCIPLE_CITIZEN_PARTICIPATION', 'PRINCIPLE_DIGITALISATION'];

export function completionBadge(status) {
	const s = status || 'COMPLETION_UNSPECIFIED';
	const cls = { COMPLETION_COMPLETE: 'ok', COMPLETION_SUBSTANTIAL: 'ok', COMPLETION_LIMITED: 'warn', COMPLETION_NOT_STARTED: 'muted', COMPLETION_WITHDRAWN: 'danger' }[s] || 'muted';
	return badge(cls, t(`completion.${s}`), { 'data-completion': s });
}

export function milestoneState(m, today) {
	const s = m.status || 'MILESTONE_STATUS_SCHEDULED';
	if ((s === 'MILESTONE_STATUS_SCHEDULED' || s === 'MILESTONE_STATUS_UNSPECIFIED') && m.dueDate && m.dueDate < today) return 'overdue';
	return s;
}

export function milestoneBadge(st) {
	const cls = { MILESTONE_STATUS_MET: 'ok', MILESTONE_STATUS_PARTIALLY_MET: 'warn', MILESTONE_STATUS_NOT_MET: 'danger', overdue: 'danger' }[st] || 'muted';
	return badge(cls, st === 'overdue' ? t('milestone.overdue') : t(`milestone.${st}`), { 'data-milestone': st });
}

export default async function member(ctx) {
	const { main, signal, params } = ctx;
	const slug = params[0];
	const body = h('div', null, loading());
	main.append(body);

	let cs = [], inds = [], meas = [], head = null;
	const dir = await loadInto(ctx, body, directory);
	if (!dir) return;
	let row = dir.members.get(slug);
	if (!row) {
		const l = [...dir.logs.values()].find((x) => x.slug === slug);
		if (l) row = { member: slug, origin: l.origin, name: null, log: l, size: l.size, own: l.own, forked: dir.forked.has(l.origin) };
	}
	if (!dir.members.has(slug)) {
		// A civil-society observer: its own page (it is not evaluated).
		const obs = (await observers(signal)).find((m) => m.member === slug);
		if (obs) {
			clear(body);
			await observerPage(ctx, body, dir, obs);
			return;
		}
	}
	if (!row) {
		ctx.setTitle(slug);
		clear(body).append(h('h1', null, slug), state('empty', t('state.nomember'), t('state.nomember.detail', { slug })));
		return;
	}
	const name = pick(row.name).s || slug;
	ctx.setTitle(name);

	if (row.log && row.size > 0) {
		try {
			[cs, inds, meas, head] = await Promise.all([
				getAll(`/api/v1/commitments?member=${seg(slug)}`, 'commitments', { signal }),
				getAll(`/api/v1/indicators?member=${seg(slug)}`, 'indicators', { signal }),
				getAll(`/api/v1/measurements?member=${seg(slug)}`, 'measurements', { signal }),
				getJSON(`/api/v1/logs/${seg(slug)}/entries?start=0&limit=100`, { signal }),
			]);
		} catch (e) {
			if (e.kind === 'aborted') throw e;
			clear(body).append(errorState(e, () => ctx.rerender()));
			return;
		}
	}
	clear(body);

	// ---- header ----
	body.append(h('div', { class: 'page-head' },
		row.name ? txt(row.name, 'h1') : h('h1', null, slug),
		h('p', { class: 'subtitle' }, [row.kind ? kindLabel(row.kind) : null, row.region ? regionLabel(dir, row.region) : null,
			row.population ? `${num(row.population)} ${t('col.population').toLowerCase()}` : null].filter(Boolean).join(' · ')),
		h('div', { class: 'badges' }, row.status ? statusBadge(row.status) : null, replBadge(row), suspendedBadge(row)),
		h('p', { class: 'links' },
			row.status ? h('a', { href: `#/compliance?member=${seg(slug)}` }, t('m.seeCompliance')) : null,
			row.status ? ' · ' : null,
			h('a', { href: `#/benchmark?member=${seg(slug)}` }, t('m.seeBenchmark')),
			row.log ? [' · ', feedLink(`/feeds/${seg(slug)}.atom`)] : null),
		printButton()));
	const notice = h('div', { class: 'notice', hidden: true, role: 'status' });
	body.append(notice);
	if (row.forked) body.append(state('error', t('state.forked'), t('state.forked.detail'), h('a', { href: '#/federation' }, t('nav.federation'))));
	if (row.suspended) body.append(suspensionState(row));

	body.append(section(t('m.identity'), h('dl', { class: 'facts' },
		h('dt', null, t('m.origin')), h('dd', null, h('code', null, row.origin)),
		h('dt', null, t('col.size')), h('dd', { 'data-size': row.origin }, row.size === null ? t('repl.absent') : num(row.size)),
		row.log ? [h('dt', null, t('m.key')), h('dd', null, h('code', { class: 'wrap' }, row.log.verifierKey))] : null,
		row.log ? [h('dt', null, t('col.updated')), h('dd', null, date(row.log.updated))] : null,
		row.status ? [h('dt', null, t('col.status')), h('dd', null, t('m.compliance', { s: t(`status.${row.status}`), n: num(row.score) }))] : null)));

	if (!row.log || !row.size) {
		body.append(state('empty', t('state.nodata'), t('state.nodata.detail')));
		liveNotice(ctx, row, notice);
		return;
	}

	const today = new Date().toISOString().slice(0, 10);
	body.append(programmeSection(head));
	body.append(commitmentsSection(slug, cs));
	body.append(milestonesSection(slug, cs, today));
	body.append(indicatorsSection(slug, inds, meas));
	const acc = await accessSection(slug, row.kind, inds, signal);
	if (acc) body.append(acc);
	liveNotice(ctx, row, notice);
}

function liveNotice(ctx, row, notice) {
	ctx.onLive((m) => {
		if (!m.resync && (m.origin !== row.origin || (row.size !== null && m.size <= row.size))) return;
		clear(notice).append(t('live.new'), ' ', h('button', { type: 'button', class: 'btn', onclick: () => ctx.rerender() }, t('live.refresh')));
		notice.hidden = false;
	});
}

function programmeSection(head) {
	const progs = new Map();
	const consults = [];
	for (const e of (head && head.entries) || []) {
		if (e.entry && e.entry.programme) progs.set(e.entry.programme.id, { ...e.entry.programme, index: e.index });
		if (e.entry && e.entry.consultation) consults.push({ ...e.entry.consultation, index: e.index });
	}
	if (!progs.size) return section(t('m.programme'), h('p', { class: 'muted' }, t('m.noprogramme')));
	return section(t('m.programme'), [...progs.values()].map((p) => h('div', { class: 'programme', 'data-programme': p.id },
		txt(p.title, 'h3'),
		h('p', null, h('code', null, p.id), ' · ', t('m.stage', { s: t(`stage.${p.stage || 'PROGRAMME_STAGE_UNSPECIFIED'}`) }),
			p.startDate ? [' · ', t('m.period', { a: date(p.startDate), b: date(p.endDate) })] : null),
		p.summary ? txt(p.summary, 'p') : null,
		p.session ? h('p', { class: 'muted' }, p.session, p.deliberationRef ? ` — ${p.deliberationRef}` : '') : null)),
	consults.length ? [h('h3', null, t('m.consultations')), h('ul', { class: 'plain' }, consults.map((c) => h('li', null,
		h('strong', null, date(c.date)), ' — ', txt(c.subject), ' ',
		h('span', { class: 'muted' }, t('m.participants', { n: num(c.participants || 0), w: num(c.womenPercent || 0) })))))] : null);
}

function commitmentsSection(slug, cs) {
	if (!cs.length) return section(t('m.commitments'), h('p', { class: 'muted' }, t('m.nocommitments')));
	const groups = new Map(PRINCIPLES.map((p) => [p, []]));
	for (const c of cs) {
		const ps = c.principles && c.principles.length ? c.principles : ['PRINCIPLE_UNSPECIFIED'];
		for (const p of ps) {
			if (!groups.has(p)) groups.set(p, []);
			groups.get(p).push(c);
		}
	}
	const out = [];
	for (const [p, list] of groups) {
		if (!list.length) continue;
		const mean = list.reduce((a, c) => a + (c.progress || 0), 0) / list.length;
		out.push(h('div', { class: 'principle', 'data-principle': p },
			h('h3', null, t(`principle.${p}`), ' ', h('span', { class: 'muted' }, `(${tn('n.commitments', list.length)})`)),
			progressBar(mean, `${t(`principle.${p}`)} — ${t('m.progress')}`),
			h('ul', { class: 'cards' }, list.map((c) => h('li', { class: 'commitment', 'data-commitment': c.id },
				h('a', { href: `#/commitment/${seg(slug)}/${seg(c.id)}`, class: 'card-title' }, txt(c.title)),
				h('p', { class: 'muted' }, h('code', null, c.id), c.programme ? ` · ${c.programme}` : ''),
				h('div', { class: 'badges' }, completionBadge(c.status)),
				progressBar(c.progress || 0, `${pick(c.title).s} — ${t('m.progress')}`))))));
	}
	return section(t('m.commitments'), out);
}

function milestonesSection(slug, cs, today) {
	const ms = [];
	for (const c of cs) for (const m of c.milestones || []) ms.push({ ...m, commitment: c });
	if (!ms.length) return section(t('m.milestones'), h('p', { class: 'muted' }, t('m.nomilestones')));
	ms.sort((a, b) => String(a.dueDate || '').localeCompare(String(b.dueDate || '')));
	return section(t('m.milestones'), h('ol', { class: 'timeline' }, ms.map((m) => {
		const st = milestoneState(m, today);
		return h('li', { class: `tl-item tl-${st}`, 'data-milestone-id': `${m.commitment.id}/${m.id}` },
			h('span', { class: 'tl-date' }, m.dueDate ? t('m.due', { d: date(m.dueDate) }) : t('none')),
			h('div', { class: 'tl-body' },
				txt(m.title, 'strong'), ' ', milestoneBadge(st),
				h('p', { class: 'muted' }, h('a', { href: `#/commitment/${seg(slug)}/${seg(m.commitment.id)}` }, short(pick(m.commitment.title).s, 60)),
					m.date ? ` · ${t('m.done', { d: date(m.date) })}` : '')));
	})));
}

function indicatorsSection(slug, inds, meas) {
	if (!inds.length) return section(t('m.indicators'), h('p', { class: 'muted' }, t('m.noindicators')));
	const out = [];
	for (const ind of inds) {
		const ms = meas.filter((m) => m.indicatorId === ind.id);
		const card = h('div', { class: 'indicator', 'data-indicator': ind.id },
			h('h3', null, h('a', { href: `#/indicator/${seg(slug)}/${seg(ind.id)}`, 'data-indicator-link': ind.id }, txt(ind.title))),
			h('p', { class: 'muted' }, h('code', null, ind.id), ind.catalogCode ? [' · ', h('a', { href: `#/benchmark?code=${seg(ind.catalogCode)}&member=${seg(ind.member)}` }, ind.catalogCode)] : null,
				ind.unit ? ` · ${ind.unit}` : ''));
		out.push(card);
		if (!ms.length && ind.baselineValue === undefined && !(ind.targets || []).length) {
			card.append(h('p', { class: 'muted' }, t('m.nomeasure')));
			continue;
		}
		// Series: the totals (no dimension), and each breakdown by dimensions on its own.
		const series = new Map();
		for (const m of ms) {
			const key = (m.dimensions || []).map((d) => `${d.name}=${d.value}`).join(', ');
			if (!series.has(key)) series.set(key, []);
			series.get(key).push(m);
		}
		const periods = new Set(ms.map((m) => m.period));
		if (ind.baselinePeriod) periods.add(ind.baselinePeriod);
		for (const tg of ind.targets || []) periods.add(tg.period);
		const labels = [...periods].sort((a, b) => periodEnd(a).localeCompare(periodEnd(b)) || a.localeCompare(b));
		const at = (list) => labels.map((p) => {
			const hit = list.filter((x) => x.period === p);
			return hit.length ? hit[hit.length - 1].value : null;
		});
		const datasets = [];
		const palette = [charts.COLORS.main, charts.COLORS.accent, '#6d28d9', '#0e7490'];
		let i = 0;
		for (const [key, list] of series) {
			datasets.push({ label: key ? `${t('m.measured')} (${key})` : t('m.measured'), data: at(list), color: palette[i++ % palette.length] });
		}
		if (ind.baselinePeriod && ind.baselineValue !== undefined) {
			datasets.push({ label: t('m.baseline'), data: labels.map((p) => (p === ind.baselinePeriod ? ind.baselineValue : null)), color: charts.COLORS.baseline, points: true, pointStyle: 'rectRot' });
		}
		if ((ind.targets || []).length) {
			datasets.push({ label: t('m.target'), data: at(ind.targets), color: charts.COLORS.target, points: true, pointStyle: 'triangle' });
		}
		const title = pick(ind.title).s;
		const { fig, canvas } = charts.figure(null, `${title}: ${datasets.map((d) => d.label).join(', ')}`);
		canvas.dataset.indicator = ind.id;
		card.append(fig);
		if (!ms.length) card.append(h('p', { class: 'muted' }, t('m.nomeasure')));
		card.append(h('details', null, h('summary', null, t('m.datatable')),
			h('div', { class: 'table-wrap' }, cards(h('table', { class: 'data compact' },
				h('thead', null, h('tr', null, h('th', { scope: 'col' }, t('col.period')), datasets.map((d) => h('th', { scope: 'col' }, d.label)))),
				h('tbody', null, labels.map((p, k) => h('tr', null, h('th', { scope: 'row' }, period(p)),
					datasets.map((d) => h('td', { class: 'num' }, d.data[k] === null ? '' : num(d.data[k])))))))))));
		queueMicrotask(() => charts.lines(canvas, labels.map(period), datasets, { yTitle: ind.unit }));
	}
	return section(t('m.indicators'), out);
}
