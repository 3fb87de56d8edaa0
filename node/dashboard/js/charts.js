// charts — Chart.js (Debian's libjs-chart.js, mounted by the node at /ui/vendor/chart.js/)
// with the dashboard's colours, the page's language and direction. Every chart is a canvas with
// a text alternative; data-points on the canvas records how many points each dataset has, for
// people reading the page source and for the browser tests. Without Chart.js, a note says so.

import { t, locale, dir, num } from './i18n.js';
import { h, state } from './dom.js';

export const COLORS = {
	main: '#0b6e4f',
	mainSoft: 'rgba(11, 110, 79, 0.18)',
	accent: '#b45309',
	other: '#5b6b7a',
	median: '#7c2d12',
	target: '#1d4ed8',
	baseline: '#6b7280',
	missing: '#9ca3af',
};

export function available() {
	return typeof window.Chart === 'function';
}

// A canvas in a figure with a caption; returns {fig, canvas}.
export function figure(caption, label) {
	const canvas = h('canvas', { role: 'img', 'aria-label': label || caption });
	const fig = h('figure', { class: 'chart' }, h('div', { class: 'chart-box' }, canvas), caption ? h('figcaption', null, caption) : null);
	return { fig, canvas };
}

function base(extra) {
	const rtl = dir() === 'rtl';
	return {
		responsive: true,
		maintainAspectRatio: false,
		animation: false,
		locale: locale(),
		plugins: {
			legend: { rtl, textDirection: dir(), labels: { boxWidth: 14, font: { size: 13 } } },
			tooltip: { rtl, textDirection: dir() },
		},
		...extra,
	};
}

function mark(canvas, datasets) {
	canvas.dataset.points = datasets.map((d) => d.data.filter((v) => v !== null && v !== undefined && !(typeof v === 'object' && v && v.y === null)).length).join(',');
}

function make(canvas, config) {
	if (!available()) {
		canvas.closest('figure').replaceWith(state('warning', t('state.nocharts')));
		return null;
	}
	mark(canvas, config.data.datasets);
	return new window.Chart(canvas, config);
}

// Lines over category labels. datasets: [{label, data, color, dashed, points}]
export function lines(canvas, labels, datasets, { yTitle, min } = {}) {
	const rtl = dir() === 'rtl';
	return make(canvas, {
		type: 'line',
		data: {
			labels,
			datasets: datasets.map((d) => ({
				label: d.label,
				data: d.data,
				borderColor: d.color,
				backgroundColor: d.color,
				borderDash: d.dashed ? [6, 4] : undefined,
				showLine: d.points ? false : true,
				pointRadius: d.points ? 6 : 3,
				pointStyle: d.pointStyle || 'circle',
				spanGaps: true,
				tension: 0,
			})),
		},
		options: base({
			scales: {
				x: { reverse: rtl, ticks: { autoSkip: true, maxRotation: 0 } },
				y: { position: rtl ? 'right' : 'left', min, beginAtZero: true, title: yTitle ? { display: true, text: yTitle } : undefined, ticks: { callback: (v) => num(v) } },
			},
		}),
	});
}

// Horizontal ranked bars with the group median as a line across them; `own` highlighted.
export function rankedBars(canvas, rows, { own, median, valueLabel, medianLabel }) {
	const rtl = dir() === 'rtl';
	const labels = rows.map((r) => r.label);
	const data = rows.map((r) => r.value);
	const colors = rows.map((r) => (r.key === own ? COLORS.accent : COLORS.main));
	const datasets = [{
		type: 'bar', label: valueLabel, data, backgroundColor: colors, borderColor: colors, borderWidth: 1, order: 2,
	}];
	if (median !== null && median !== undefined) {
		datasets.push({
			type: 'line', label: medianLabel, data: rows.map(() => median), borderColor: COLORS.median, backgroundColor: COLORS.median,
			borderDash: [6, 4], pointRadius: 0, order: 1,
		});
	}
	canvas.parentElement.style.blockSize = `${Math.max(160, rows.length * 28 + 70)}px`;
	const chart = make(canvas, {
		type: 'bar',
		data: { labels, datasets },
		options: base({
			indexAxis: 'y',
			scales: {
				x: { reverse: rtl, beginAtZero: true, ticks: { callback: (v) => num(v) } },
				y: { position: rtl ? 'right' : 'left', ticks: { autoSkip: false } },
			},
		}),
	});
	if (chart) canvas.dataset.points = String(data.filter((v) => v !== null).length);
	return chart;
}

// Simple vertical bars (counts by region or kind), stacked by status.
export function stackedBars(canvas, labels, series) {
	const rtl = dir() === 'rtl';
	return make(canvas, {
		type: 'bar',
		data: { labels, datasets: series.map((s) => ({ label: s.label, data: s.data, backgroundColor: s.color, stack: 'a' })) },
		options: base({
			scales: {
				x: { reverse: rtl, stacked: true, ticks: { autoSkip: false, maxRotation: 45 } },
				y: { position: rtl ? 'right' : 'left', stacked: true, beginAtZero: true, ticks: { precision: 0 } },
			},
		}),
	});
}
