/*
 * report_pdf — draws a compliance report as an A4 PDF with cairo and pango. See report.h.
 *
 * The page is filled top to bottom by a cursor (struct doc): each block measures its pango
 * layout first and starts a new page when it would not fit. In Arabic the whole document runs
 * right to left: paragraphs are laid out with an RTL base direction (pango's bidi keeps
 * numbers, codes and Latin names in their own order inside them), table columns are mirrored,
 * and the chart's time axis runs from the right. Codes, checkpoints and commands are always
 * drawn left to right in a monospaced font.
 */
#include <cairo-pdf.h>
#include <cairo.h>
#include <errno.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "report.h"

#define PAGE_W 595.28 /* A4 in points */
#define PAGE_H 841.89
#define MARGIN 48.0
#define FOOTER_H 28.0
#define TEXT_W (PAGE_W - 2 * MARGIN)
#define FONT "Noto Sans, Noto Sans Arabic, DejaVu Sans"
#define MONO "DejaVu Sans Mono"
#define MAX_COLS 10

struct rgb {
	double r, g, b;
};
static const struct rgb INK = { 0.11, 0.13, 0.16 }, GREY = { 0.42, 0.45, 0.5 },
                        RULE = { 0.82, 0.84, 0.87 }, GREEN = { 0.13, 0.55, 0.29 },
                        AMBER = { 0.8, 0.5, 0.05 }, RED = { 0.75, 0.14, 0.14 },
                        BLUE = { 0.12, 0.35, 0.65 };

struct doc {
	const struct report_input *in;
	enum report_lang lang;
	bool rtl;
	cairo_surface_t *surface;
	cairo_t *cr;
	double y;
	unsigned page;
	char footer[256];
};

static const char *
jstr(json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? s : "";
}

static long long
jint(json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* A multilingual text in the report's language, else French, else English. */
static const char *
text_of(const struct doc *d, json_t *t)
{
	const char *s = jstr(t, report_lang_key(d->lang));
	if (!*s)
		s = jstr(t, "fr");
	if (!*s)
		s = jstr(t, "en");
	return s;
}

static void
color(struct doc *d, struct rgb c)
{
	cairo_set_source_rgb(d->cr, c.r, c.g, c.b);
}

static struct rgb
status_color(const char *s)
{
	return !strcmp(s, "compliant") ? GREEN : !strcmp(s, "at_risk") ? AMBER : RED;
}

/* A layout of text in width, in the document's direction unless ltr. */
static PangoLayout *
layout(struct doc *d, const char *text, const char *font, double size, bool bold, double width,
       bool ltr)
{
	PangoLayout *l = pango_cairo_create_layout(d->cr);
	PangoFontDescription *fd = pango_font_description_from_string(font);
	PangoContext *ctx = pango_layout_get_context(l);

	pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
	if (bold)
		pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
	pango_layout_set_font_description(l, fd);
	pango_font_description_free(fd);
	pango_context_set_language(ctx, pango_language_from_string(report_lang_key(d->lang)));
	/* One direction for every paragraph: an Arabic report stays right to left even where a
	 * line starts with a code or a number. */
	pango_layout_set_auto_dir(l, FALSE);
	pango_context_set_base_dir(ctx, d->rtl && !ltr ? PANGO_DIRECTION_RTL : PANGO_DIRECTION_LTR);
	pango_layout_context_changed(l);
	pango_layout_set_width(l, (int)(width * PANGO_SCALE));
	pango_layout_set_wrap(l, PANGO_WRAP_WORD_CHAR);
	pango_layout_set_alignment(l, d->rtl && !ltr ? PANGO_ALIGN_RIGHT : PANGO_ALIGN_LEFT);
	pango_layout_set_text(l, text, -1);
	return l;
}

static double
layout_h(PangoLayout *l)
{
	int w, h;
	pango_layout_get_pixel_size(l, &w, &h);
	return h;
}

static void
draw_footer(struct doc *d)
{
	char line[320];
	snprintf(line, sizeof(line), "%s — %s %u", d->footer, report_word(d->lang, RW_PAGE),
	         d->page);
	PangoLayout *l = layout(d, line, FONT, 7.5, false, TEXT_W, false);
	color(d, GREY);
	cairo_move_to(d->cr, MARGIN, PAGE_H - MARGIN + 10);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
}

static void
new_page(struct doc *d)
{
	if (d->page > 0) {
		draw_footer(d);
		cairo_show_page(d->cr);
	}
	d->page++;
	d->y = MARGIN;
}

/* Room for h more points on this page, or a new page. */
static void
need(struct doc *d, double h)
{
	if (d->y + h > PAGE_H - MARGIN - FOOTER_H)
		new_page(d);
}

/* x of a box of width w placed at offset x (from the start edge) inside a band starting at
 * left: mirrored in a right-to-left document. */
static double
place(const struct doc *d, double left, double band, double x, double w)
{
	return d->rtl ? left + band - x - w : left + x;
}

/* A paragraph across the text width (indented from the start edge). Returns its height. */
static double
para(struct doc *d, const char *text, double size, bool bold, struct rgb c, double indent,
     bool mono)
{
	double w = TEXT_W - indent;
	PangoLayout *l = layout(d, text, mono ? MONO : FONT, size, bold, w, mono);
	double h = layout_h(l);
	need(d, h);
	color(d, c);
	cairo_move_to(d->cr, place(d, MARGIN, TEXT_W, indent, w), d->y);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	d->y += h;
	return h;
}

static void
gap(struct doc *d, double h)
{
	d->y += h;
}

static void
heading(struct doc *d, const char *text)
{
	need(d, 40);
	gap(d, 10);
	para(d, text, 13, true, BLUE, 0, false);
	color(d, RULE);
	cairo_set_line_width(d->cr, 0.8);
	cairo_move_to(d->cr, MARGIN, d->y + 3);
	cairo_line_to(d->cr, PAGE_W - MARGIN, d->y + 3);
	cairo_stroke(d->cr);
	gap(d, 8);
}

/* One table row: cells of the given widths (fractions of the text width, in reading
 * order), wrapped, the row as tall as its tallest cell. */
static void
row(struct doc *d, size_t n, const double *frac, const char *const *cells, bool bold,
    const struct rgb *colors)
{
	PangoLayout *ls[MAX_COLS];
	double h = 0, x = 0;

	for (size_t i = 0; i < n && i < MAX_COLS; i++) {
		ls[i] = layout(d, cells[i] ? cells[i] : "", FONT, 8.5, bold, frac[i] * TEXT_W - 6,
		               false);
		if (layout_h(ls[i]) > h)
			h = layout_h(ls[i]);
	}
	need(d, h + 6);
	for (size_t i = 0; i < n && i < MAX_COLS; i++) {
		double w = frac[i] * TEXT_W;
		color(d, colors && colors[i].r >= 0 ? colors[i] : INK);
		cairo_move_to(d->cr, place(d, MARGIN, TEXT_W, x, w) + 3, d->y + 3);
		pango_cairo_show_layout(d->cr, ls[i]);
		g_object_unref(ls[i]);
		x += w;
	}
	d->y += h + 6;
	color(d, RULE);
	cairo_set_line_width(d->cr, 0.4);
	cairo_move_to(d->cr, MARGIN, d->y);
	cairo_line_to(d->cr, PAGE_W - MARGIN, d->y);
	cairo_stroke(d->cr);
}

/* The status block: a coloured band with the status and the score. */
static void
status_band(struct doc *d, const char *status, long long score, bool suspended)
{
	char text[256];
	struct rgb c = status_color(status);
	snprintf(text, sizeof(text), "%s : %s    %s : %lld/100%s%s",
	         report_word(d->lang, RW_STATUS), report_status(d->lang, status),
	         report_word(d->lang, RW_SCORE), score, suspended ? "    " : "",
	         suspended ? report_word(d->lang, RW_SUSPENDED) : "");
	if (d->lang != REPORT_FR) /* the space before a colon is French typography */
		for (char *p; (p = strstr(text, " : "));)
			memmove(p, p + 1, strlen(p + 1) + 1);
	PangoLayout *l = layout(d, text, FONT, 14, true, TEXT_W - 20, false);
	double h = layout_h(l) + 16;
	need(d, h);
	cairo_set_source_rgba(d->cr, c.r, c.g, c.b, 0.12);
	cairo_rectangle(d->cr, MARGIN, d->y, TEXT_W, h);
	cairo_fill(d->cr);
	color(d, c);
	cairo_rectangle(d->cr, d->rtl ? PAGE_W - MARGIN - 5 : MARGIN, d->y, 5, h);
	cairo_fill(d->cr);
	cairo_move_to(d->cr, MARGIN + 10, d->y + 8);
	pango_cairo_show_layout(d->cr, l);
	g_object_unref(l);
	d->y += h + 8;
}

/* A line chart of series over the trend's dates, every value on the 0-100 axis, with the
 * policy's two thresholds dashed; the time axis runs in reading order. */
struct series {
	const char *key; /* field of each point */
	struct rgb c;
	bool dashed;
	const char *label;
};

static void
chart(struct doc *d, json_t *points, const struct series *ser, size_t nser, double lo_line,
      double hi_line)
{
	size_t n = json_array_size(points);
	double h = 190, top, left = MARGIN + 28, w = TEXT_W - 36, ph = 150;
	if (n == 0)
		return;
	need(d, h);
	top = d->y + 6;
	/* grid and the policy's thresholds */
	cairo_set_line_width(d->cr, 0.4);
	for (int g = 0; g <= 100; g += 25) {
		double y = top + ph - ph * g / 100.0;
		char lab[16];
		color(d, RULE);
		cairo_move_to(d->cr, left, y);
		cairo_line_to(d->cr, left + w, y);
		cairo_stroke(d->cr);
		snprintf(lab, sizeof(lab), "%d", g);
		PangoLayout *l = layout(d, lab, FONT, 7, false, 24, true);
		color(d, GREY);
		cairo_move_to(d->cr, MARGIN, y - 5);
		pango_cairo_show_layout(d->cr, l);
		g_object_unref(l);
	}
	double dash[] = { 3, 3 };
	cairo_set_dash(d->cr, dash, 2, 0);
	for (int t = 0; t < 2; t++) {
		double v = t ? hi_line : lo_line;
		if (v <= 0)
			continue;
		color(d, t ? AMBER : RED);
		cairo_move_to(d->cr, left, top + ph - ph * v / 100.0);
		cairo_line_to(d->cr, left + w, top + ph - ph * v / 100.0);
		cairo_stroke(d->cr);
	}
	cairo_set_dash(d->cr, NULL, 0, 0);
	for (size_t s = 0; s < nser; s++) {
		color(d, ser[s].c);
		cairo_set_line_width(d->cr, 1.6);
		if (ser[s].dashed)
			cairo_set_dash(d->cr, dash, 2, 0);
		bool started = false;
		for (size_t i = 0; i < n; i++) {
			json_t *v = json_object_get(json_array_get(points, i), ser[s].key);
			double x = n > 1 ? w * (double)i / (double)(n - 1) : w / 2;
			if (!json_is_number(v)) {
				started = false;
				continue;
			}
			double y = top + ph - ph * json_number_value(v) / 100;
			x = d->rtl ? left + w - x : left + x;
			if (started)
				cairo_line_to(d->cr, x, y);
			else
				cairo_move_to(d->cr, x, y);
			started = true;
		}
		cairo_stroke(d->cr);
		cairo_set_dash(d->cr, NULL, 0, 0);
		for (size_t i = 0; !ser[s].dashed && i < n; i++) {
			json_t *v = json_object_get(json_array_get(points, i), ser[s].key);
			double x = n > 1 ? w * (double)i / (double)(n - 1) : w / 2;
			if (!json_is_number(v))
				continue;
			x = d->rtl ? left + w - x : left + x;
			cairo_arc(d->cr, x, top + ph - ph * json_number_value(v) / 100.0, 2.2, 0,
			          2 * M_PI);
			cairo_fill(d->cr);
		}
	}
	/* dates: every other one when crowded */
	for (size_t i = 0; i < n; i++) {
		if (n > 8 && i % 2 && i != n - 1)
			continue;
		const char *date = jstr(json_array_get(points, i), "date");
		char lab[16];
		snprintf(lab, sizeof(lab), "%.7s", date);
		double x = n > 1 ? w * (double)i / (double)(n - 1) : w / 2;
		x = d->rtl ? left + w - x : left + x;
		PangoLayout *l = layout(d, lab, FONT, 6.5, false, 40, true);
		color(d, GREY);
		cairo_move_to(d->cr, x - 14, top + ph + 4);
		pango_cairo_show_layout(d->cr, l);
		g_object_unref(l);
	}
	d->y = top + ph + 18;
	/* legend */
	char legend[512] = "";
	size_t o = 0;
	for (size_t s = 0; s < nser; s++)
		o += (size_t)snprintf(legend + o, sizeof(legend) - o, "%s%s", s ? "    " : "",
		                      ser[s].label);
	para(d, legend, 7.5, false, GREY, 0, false);
	d->y += 6;
}

/* The footer section: which signed log the figures come from, and how to check it. */
static void
verification(struct doc *d)
{
	const struct report_input *in = d->in;
	enum report_lang L = d->lang;
	char line[1024];

	heading(d, report_word(L, RW_VERIFICATION));
	para(d, report_word(L, RW_VERIFY_INTRO), 9, false, INK, 0, false);
	gap(d, 4);
	if (!in->log) {
		para(d, report_word(L, RW_NOT_HELD), 9, false, RED, 0, false);
		return;
	}
	snprintf(line, sizeof(line), "%s: %s", report_word(L, RW_LOG), jstr(in->log, "origin"));
	para(d, line, 9, false, INK, 0, false);
	snprintf(line, sizeof(line), "%s: %lld", report_word(L, RW_SIZE), jint(in->log, "size"));
	para(d, line, 9, false, INK, 0, false);
	snprintf(line, sizeof(line), "%s: %s", report_word(L, RW_ROOT), jstr(in->log, "root"));
	para(d, line, 9, false, INK, 0, false);
	snprintf(line, sizeof(line), "%s: %zu (%s %s)", report_word(L, RW_WITNESSES),
	         in->n_witnesses, report_word(L, RW_LAST_WITNESS),
	         in->last_witness ? in->last_witness : report_word(L, RW_NEVER));
	para(d, line, 9, false, INK, 0, false);
	gap(d, 4);
	para(d, report_word(L, RW_CHECKPOINT), 9, true, INK, 0, false);
	para(d, in->checkpoint ? in->checkpoint : "", 7.5, false, INK, 10, true);
	gap(d, 4);
	para(d, report_word(L, RW_VERIFY_HOW), 9, true, INK, 0, false);
	const char *slug = strrchr(jstr(in->log, "origin"), '/');
	slug = slug ? slug + 1 : jstr(in->log, "origin");
	snprintf(line, sizeof(line),
	         "curl %s/logs/%s/checkpoint\n"
	         "remacto log verify --data DIR --origin %s\n"
	         "%s/ui/#/member/%s",
	         in->node, slug, jstr(in->log, "origin"), in->node, slug);
	para(d, line, 7.5, false, INK, 10, true);
}

static void
title_block(struct doc *d, const char *title, const char *name, const char *sub)
{
	char line[512];
	para(d, report_word(d->lang, RW_NETWORK), 8, false, GREY, 0, false);
	gap(d, 6);
	para(d, title, 20, true, INK, 0, false);
	if (name && *name)
		para(d, name, 14, false, INK, 0, false);
	if (sub && *sub)
		para(d, sub, 9, false, GREY, 0, false);
	snprintf(line, sizeof(line), "%s %s    %s %s", report_word(d->lang, RW_AS_OF),
	         jstr(d->in->data, "asOf"), report_word(d->lang, RW_GENERATED), d->in->generated);
	para(d, line, 9, false, GREY, 0, false);
	gap(d, 10);
}

static void
policy_line(struct doc *d, json_t *p)
{
	char line[512];
	enum report_lang L = d->lang;
	const char *days = report_word(L, RW_DAYS);
	snprintf(line, sizeof(line), "%s: %s %lld %s, %s %lld %s, %s %lld %s; %s < %lld, %s < %lld",
	         report_word(L, RW_POLICY), report_rule(L, "liveness"), jint(p, "livenessDays"),
	         days, report_rule(L, "follow-up"), jint(p, "followUpDays"), days,
	         report_rule(L, "milestones"), jint(p, "milestoneGraceDays"), days,
	         report_word(L, RW_AT_RISK), jint(p, "atRiskScore"),
	         report_word(L, RW_NON_COMPLIANT), jint(p, "nonCompliantScore"));
	para(d, line, 7.5, false, GREY, 0, false);
}

static void
member_report(struct doc *d)
{
	json_t *j = d->in->data, *r, *f;
	enum report_lang L = d->lang;
	char sub[512], line[1024];
	size_t i, k;

	const char *region = text_of(d, json_object_get(j, "regionName"));
	snprintf(sub, sizeof(sub), "%s — %s — %s %s — %s %lld", jstr(j, "origin"),
	         report_kind(L, jstr(j, "kind")), report_word(L, RW_REGION),
	         *region ? region : jstr(j, "region"), report_word(L, RW_POPULATION),
	         jint(j, "population"));
	title_block(d, report_word(L, RW_TITLE_MEMBER), text_of(d, json_object_get(j, "name")),
	            sub);
	status_band(d, jstr(j, "status"), jint(j, "score"),
	            json_is_true(json_object_get(j, "suspended")));
	snprintf(line, sizeof(line), "%s: %s", report_word(L, RW_LAST_WITNESSED),
	         json_is_string(json_object_get(j, "lastWitnessed")) ? jstr(j, "lastWitnessed")
	                                                             : report_word(L, RW_NEVER));
	para(d, line, 9, false, INK, 0, false);
	policy_line(d, json_object_get(j, "policy"));

	heading(d, report_word(L, RW_RULES));
	static const double rf[] = { 0.55, 0.15, 0.30 };
	const char *hdr[] = { report_word(L, RW_RULE), report_word(L, RW_WEIGHT),
		              report_word(L, RW_RESULT) };
	row(d, 3, rf, hdr, true, NULL);
	json_array_foreach(json_object_get(j, "rules"), i, r)
	{
		char w[16], res[64];
		bool app = json_is_true(json_object_get(r, "applicable"));
		double p = json_number_value(json_object_get(r, "pass"));
		snprintf(w, sizeof(w), "%lld", jint(r, "weight"));
		if (app)
			snprintf(res, sizeof(res), "%lld / %lld", jint(r, "passed"),
			         jint(r, "checked"));
		else
			snprintf(res, sizeof(res), "%s", report_word(L, RW_NOT_APPLICABLE));
		const char *cells[] = { report_rule(L, jstr(r, "id")), w, res };
		struct rgb cs[] = { { -1, 0, 0 },
			            { -1, 0, 0 },
			            !app     ? GREY
			            : p >= 1 ? GREEN
			            : p > 0  ? AMBER
			                     : RED };
		row(d, 3, rf, cells, false, cs);
	}

	heading(d, report_word(L, RW_FINDINGS));
	json_t *fs = json_object_get(j, "findings");
	if (json_array_size(fs) == 0)
		para(d, report_word(L, RW_NO_FINDING), 9, false, INK, 0, false);
	json_array_foreach(fs, i, f)
	{
		const char *sev = jstr(f, "severity");
		struct rgb c = !strcmp(sev, "critical") || !strcmp(sev, "major") ? RED
		               : !strcmp(sev, "minor")                           ? AMBER
		                                                                 : GREY;
		need(d, 60);
		snprintf(line, sizeof(line), "%s · %s · %s", report_severity(L, sev),
		         jstr(f, "code"), jstr(f, "subject"));
		para(d, line, 9, true, c, 0, false);
		/* a text missing in the report's language falls back to French, in its own
		 * direction */
		const char *expl = jstr(f, report_lang_key(L));
		para(d, *expl ? expl : jstr(f, "fr"), 9, false, INK, 10, !*expl && d->rtl);
		json_t *act = json_object_get(f, "action");
		if (json_is_object(act) && *jstr(act, "fr")) {
			const char *a = jstr(act, report_lang_key(L));
			snprintf(line, sizeof(line), "%s: %s", report_word(L, RW_ACTION),
			         *a ? a : jstr(act, "fr"));
			para(d, line, 9, true, BLUE, 10, false);
			if (*jstr(act, "command"))
				para(d, jstr(act, "command"), 7, false, INK, 20, true);
		}
		size_t o = (size_t)snprintf(line, sizeof(line), "%s:", report_word(L, RW_ENTRIES));
		json_t *ix;
		json_array_foreach(json_object_get(f, "logIndexes"), k, ix)
		{
			if (o + 24 >= sizeof(line))
				break;
			o += (size_t)snprintf(line + o, sizeof(line) - o, " %lld",
			                      (long long)json_integer_value(ix));
		}
		if (json_array_size(json_object_get(f, "logIndexes")) == 0)
			snprintf(line + o, sizeof(line) - o, " —");
		para(d, line, 8, false, GREY, 10, false);
		gap(d, 6);
	}

	need(d, 260); /* the heading stays with its chart */
	heading(d, report_word(L, RW_TREND));
	para(d, report_word(L, RW_TREND_MEMBER), 8.5, false, GREY, 0, false);
	json_t *p = json_object_get(j, "policy");
	struct series s[] = { { "score", BLUE, false, report_word(L, RW_SCORE) } };
	chart(d, d->in->trend, s, 1, (double)jint(p, "nonCompliantScore"),
	      (double)jint(p, "atRiskScore"));
}

static void
tally_table(struct doc *d, json_t *arr, const char *key, bool kinds)
{
	static const double tf[] = { 0.36, 0.16, 0.16, 0.16, 0.16 };
	enum report_lang L = d->lang;
	const char *hdr[] = { report_word(L, kinds ? RW_KIND : RW_REGION),
		              report_word(L, RW_MEMBERS), report_word(L, RW_COMPLIANT),
		              report_word(L, RW_AT_RISK), report_word(L, RW_NON_COMPLIANT) };
	json_t *t;
	size_t i;

	row(d, 5, tf, hdr, true, NULL);
	json_array_foreach(arr, i, t)
	{
		char c[4][24];
		const char *name = kinds ? report_kind(L, jstr(t, key))
		                         : text_of(d, json_object_get(t, "regionName"));
		if (!*name)
			name = jstr(t, key);
		snprintf(c[0], 24, "%lld", jint(t, "members"));
		snprintf(c[1], 24, "%lld", jint(t, "compliant"));
		snprintf(c[2], 24, "%lld", jint(t, "atRisk"));
		snprintf(c[3], 24, "%lld", jint(t, "nonCompliant"));
		const char *cells[] = { name, c[0], c[1], c[2], c[3] };
		row(d, 5, tf, cells, false, NULL);
	}
}

static void
national_report(struct doc *d)
{
	json_t *j = d->in->data, *c = json_object_get(j, "counts"), *m;
	enum report_lang L = d->lang;
	char line[512];
	size_t i;

	title_block(d, report_word(L, RW_TITLE_NATIONAL), NULL, NULL);
	snprintf(line, sizeof(line), "%s: %lld — %s %lld · %s %lld · %s %lld",
	         report_word(L, RW_MEMBERS), jint(c, "members"), report_word(L, RW_COMPLIANT),
	         jint(c, "compliant"), report_word(L, RW_AT_RISK), jint(c, "atRisk"),
	         report_word(L, RW_NON_COMPLIANT), jint(c, "nonCompliant"));
	para(d, line, 12, true, INK, 0, false);
	policy_line(d, json_object_get(j, "policy"));

	need(d, 260);
	heading(d, report_word(L, RW_TREND));
	para(d, report_word(L, RW_TREND_NATIONAL), 8.5, false, GREY, 0, false);
	json_t *p = json_object_get(j, "policy");
	/* one 0-100 scale: the mean score, and the members at risk or not compliant as a share
	 * of the members at each date */
	json_t *pts = json_array(), *pt;
	json_array_foreach(json_object_get(j, "trend"), i, pt)
	{
		double n = (double)jint(pt, "members");
		json_array_append_new(
		        pts, json_pack("{s:s, s:O, s:f, s:f}", "date", jstr(pt, "date"),
		                       "meanScore", json_object_get(pt, "meanScore"), "atRisk",
		                       n > 0 ? 100.0 * (double)jint(pt, "atRisk") / n : 0.0,
		                       "nonCompliant",
		                       n > 0 ? 100.0 * (double)jint(pt, "nonCompliant") / n : 0.0));
	}
	char lr[96], ln[96];
	snprintf(lr, sizeof(lr), "%s (%% %s)", report_word(L, RW_AT_RISK),
	         report_word(L, RW_MEMBERS));
	snprintf(ln, sizeof(ln), "%s (%% %s)", report_word(L, RW_NON_COMPLIANT),
	         report_word(L, RW_MEMBERS));
	struct series s[] = {
		{ "meanScore", BLUE, false, report_word(L, RW_MEAN_SCORE) },
		{ "atRisk", AMBER, true, lr },
		{ "nonCompliant", RED, true, ln },
	};
	chart(d, pts, s, 3, (double)jint(p, "nonCompliantScore"), (double)jint(p, "atRiskScore"));
	json_decref(pts);

	heading(d, report_word(L, RW_BY_REGION));
	tally_table(d, json_object_get(j, "byRegion"), "region", false);
	heading(d, report_word(L, RW_BY_KIND));
	tally_table(d, json_object_get(j, "byKind"), "kind", true);

	heading(d, report_word(L, RW_MEMBERS));
	static const double mf[] = { 0.25, 0.11, 0.17, 0.13, 0.07, 0.09, 0.09, 0.09 };
	const char *hdr[] = { report_word(L, RW_MEMBER), report_word(L, RW_KIND),
		              report_word(L, RW_REGION), report_word(L, RW_STATUS),
		              report_word(L, RW_SCORE),  report_word(L, RW_CRITICAL),
		              report_word(L, RW_MAJOR),  report_word(L, RW_MINOR) };
	row(d, 8, mf, hdr, true, NULL);
	json_array_foreach(json_object_get(j, "members"), i, m)
	{
		json_t *f = json_object_get(m, "findings");
		char sc[16], n[3][16], who[400];
		const char *name = text_of(d, json_object_get(m, "name"));
		const char *region = text_of(d, json_object_get(m, "regionName"));
		snprintf(who, sizeof(who), "%s\n%s", *name ? name : jstr(m, "member"),
		         jstr(m, "origin"));
		snprintf(sc, sizeof(sc), "%lld", jint(m, "score"));
		snprintf(n[0], 16, "%lld", jint(f, "critical"));
		snprintf(n[1], 16, "%lld", jint(f, "major"));
		snprintf(n[2], 16, "%lld", jint(f, "minor"));
		const char *st = jstr(m, "status");
		char status[64];
		snprintf(status, sizeof(status), "%s%s%s", report_status(L, st),
		         json_is_true(json_object_get(m, "suspended")) ? ", " : "",
		         json_is_true(json_object_get(m, "suspended"))
		                 ? report_word(L, RW_SUSPENDED)
		                 : "");
		const char *cells[] = { who,
			                report_kind(L, jstr(m, "kind")),
			                *region ? region : jstr(m, "region"),
			                status,
			                sc,
			                n[0],
			                n[1],
			                n[2] };
		struct rgb none = { -1, 0, 0 };
		struct rgb cs[] = { none, none, none, status_color(st), none, none, none, none };
		row(d, 8, mf, cells, false, cs);
	}
}

static cairo_status_t
write_fd(void *closure, const unsigned char *data, unsigned int len)
{
	FILE *f = closure;
	return fwrite(data, 1, len, f) == len ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

int
report_pdf_write(const struct report_input *in, const char *path, unsigned *pages, char *err,
                 size_t errcap)
{
	struct doc d = { .in = in, .lang = in->lang, .rtl = in->lang == REPORT_AR };
	char tmp[4096];
	FILE *f;
	int rc = -1;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		err_set(err, errcap, "%s: path too long", path);
		return -1;
	}
	if (!(f = fopen(tmp, "wb"))) {
		err_set(err, errcap, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	d.surface = cairo_pdf_surface_create_for_stream(write_fd, f, PAGE_W, PAGE_H);
	cairo_pdf_surface_set_metadata(
	        d.surface, CAIRO_PDF_METADATA_TITLE,
	        report_word(d.lang, in->national ? RW_TITLE_NATIONAL : RW_TITLE_MEMBER));
	cairo_pdf_surface_set_metadata(d.surface, CAIRO_PDF_METADATA_CREATOR, "remacto report");
	d.cr = cairo_create(d.surface);
	snprintf(d.footer, sizeof(d.footer), "REMACTO — %s — %s %s",
	         in->national ? report_word(d.lang, RW_TITLE_NATIONAL) : jstr(in->data, "origin"),
	         report_word(d.lang, RW_AS_OF), jstr(in->data, "asOf"));
	new_page(&d);
	if (in->national)
		national_report(&d);
	else
		member_report(&d);
	verification(&d);
	draw_footer(&d);
	cairo_show_page(d.cr);
	cairo_destroy(d.cr);
	cairo_surface_finish(d.surface);
	cairo_status_t st = cairo_surface_status(d.surface);
	cairo_surface_destroy(d.surface);
	if (fclose(f) != 0 || st != CAIRO_STATUS_SUCCESS) {
		err_set(err, errcap, "cannot write %s: %s", tmp,
		        st != CAIRO_STATUS_SUCCESS ? cairo_status_to_string(st) : strerror(errno));
		goto done;
	}
	if (rename(tmp, path) != 0) {
		err_set(err, errcap, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto done;
	}
	*pages = d.page;
	rc = 0;
done:
	if (rc != 0)
		unlink(tmp);
	return rc;
}
