/*
 * report_text — the words of the PDF reports in French, Arabic and English. See report.h.
 */
#include <string.h>

#include "report.h"

/* [word] = { fr, ar, en } */
static const char *const words[RW_COUNT][3] = {
	[RW_TITLE_MEMBER] = { "Rapport de conformité", "تقرير الامتثال", "Compliance report" },
	[RW_TITLE_NATIONAL] = { "Conformité nationale du réseau", "الامتثال الوطني للشبكة",
	                        "National compliance of the network" },
	[RW_NETWORK] = { "REMACTO — Réseau marocain des collectivités pour un gouvernement ouvert",
	                 "REMACTO — الشبكة المغربية للجماعات الترابية من أجل حكومة منفتحة",
	                 "REMACTO — Moroccan network of open local governments" },
	[RW_AS_OF] = { "Au", "بتاريخ", "As of" },
	[RW_STATUS] = { "Statut", "الوضعية", "Status" },
	[RW_SCORE] = { "Score", "النقطة", "Score" },
	[RW_RULES] = { "Règles", "القواعد", "Rules" },
	[RW_RULE] = { "Règle", "القاعدة", "Rule" },
	[RW_WEIGHT] = { "Poids", "الوزن", "Weight" },
	[RW_RESULT] = { "Résultat", "النتيجة", "Result" },
	[RW_NOT_APPLICABLE] = { "sans objet", "غير منطبقة", "not applicable" },
	[RW_FINDINGS] = { "Constats et actions à mener", "الملاحظات والإجراءات المطلوبة",
	                  "Findings and actions to take" },
	[RW_NO_FINDING] = { "Aucun constat.", "لا توجد ملاحظات.", "No finding." },
	[RW_ACTION] = { "Action", "الإجراء", "Action" },
	[RW_ENTRIES] = { "Entrées du journal", "مدخلات السجل", "Log entries" },
	[RW_TREND] = { "Évolution", "التطور", "Trend" },
	[RW_TREND_MEMBER] = { "Score à la fin de chaque mois", "النقطة في نهاية كل شهر",
	                      "Score at each month end" },
	[RW_TREND_NATIONAL] = { "Score moyen et membres à risque ou non conformes, fin de mois",
	                        "متوسط النقطة والأعضاء المعرضون للخطر أو غير الممتثلين، نهاية كل شهر",
	                        "Mean score and members at risk or non-compliant, month ends" },
	[RW_MEAN_SCORE] = { "score moyen", "متوسط النقطة", "mean score" },
	[RW_VERIFICATION] = { "Vérification", "التحقق", "Verification" },
	[RW_VERIFY_INTRO] = { "Ce rapport est calculé à partir du journal signé ci-dessous, tel que le "
	                      "nœud le détient. Toute personne détenant le même journal obtient le "
	                      "même résultat.",
	                      "هذا التقرير محسوب انطلاقا من السجل الموقع أدناه كما تحتفظ به العقدة. "
	                      "كل من يحتفظ بنفس السجل يحصل على نفس النتيجة.",
	                      "This report is computed from the signed log below, as the node holds "
	                      "it. Anyone holding the same log gets the same result." },
	[RW_VERIFY_HOW] = { "Pour vérifier :", "للتحقق:", "To verify:" },
	[RW_LOG] = { "Journal", "السجل", "Log" },
	[RW_SIZE] = { "Taille", "الحجم", "Size" },
	[RW_ROOT] = { "Racine", "الجذر", "Root" },
	[RW_CHECKPOINT] = { "Point de contrôle signé", "نقطة التحقق الموقعة", "Signed checkpoint" },
	[RW_WITNESSES] = { "Cosignatures de témoins détenues", "توقيعات الشهود المحفوظة",
	                   "Witness cosignatures held" },
	[RW_LAST_WITNESS] = { "dernière", "آخرها", "latest" },
	[RW_NEVER] = { "jamais", "أبدا", "never" },
	[RW_NOT_HELD] = { "Ce nœud ne détient pas ce journal.", "هذه العقدة لا تحتفظ بهذا السجل.",
	                  "This node does not hold this log." },
	[RW_MEMBERS] = { "Membres", "الأعضاء", "Members" },
	[RW_BY_REGION] = { "Par région", "حسب الجهة", "By region" },
	[RW_BY_KIND] = { "Par type de collectivité", "حسب نوع الجماعة", "By kind" },
	[RW_REGION] = { "Région", "الجهة", "Region" },
	[RW_KIND] = { "Type", "النوع", "Kind" },
	[RW_POPULATION] = { "Population", "السكان", "Population" },
	[RW_MEMBER] = { "Membre", "العضو", "Member" },
	[RW_CRITICAL] = { "critique", "حرجة", "critical" },
	[RW_MAJOR] = { "majeur", "كبرى", "major" },
	[RW_MINOR] = { "mineur", "صغرى", "minor" },
	[RW_INFO] = { "info", "معلومة", "info" },
	[RW_COMPLIANT] = { "conforme", "ممتثل", "compliant" },
	[RW_AT_RISK] = { "à risque", "معرض للخطر", "at risk" },
	[RW_NON_COMPLIANT] = { "non conforme", "غير ممتثل", "non-compliant" },
	[RW_SUSPENDED] = { "suspendu", "موقوف", "suspended" },
	[RW_PAGE] = { "page", "صفحة", "page" },
	[RW_GENERATED] = { "Établi le", "أعد في", "Made on" },
	[RW_POLICY] = { "Seuils", "العتبات", "Thresholds" },
	[RW_LAST_WITNESSED] = { "Dernière cosignature d'un témoin", "آخر توقيع مشترك لشاهد",
	                        "Last witness cosignature" },
	[RW_DAYS] = { "j", "يوما", "days" },
};

const char *
report_word(enum report_lang l, enum report_word w)
{
	return (unsigned)w < RW_COUNT && words[w][l] ? words[w][l] : "";
}

const char *
report_lang_key(enum report_lang l)
{
	return l == REPORT_AR ? "ar" : l == REPORT_EN ? "en" : "fr";
}

const char *
report_status(enum report_lang l, const char *s)
{
	if (!strcmp(s, "compliant"))
		return report_word(l, RW_COMPLIANT);
	if (!strcmp(s, "at_risk"))
		return report_word(l, RW_AT_RISK);
	if (!strcmp(s, "non_compliant"))
		return report_word(l, RW_NON_COMPLIANT);
	return s;
}

const char *
report_severity(enum report_lang l, const char *s)
{
	if (!strcmp(s, "critical"))
		return report_word(l, RW_CRITICAL);
	if (!strcmp(s, "major"))
		return report_word(l, RW_MAJOR);
	if (!strcmp(s, "minor"))
		return report_word(l, RW_MINOR);
	if (!strcmp(s, "info"))
		return report_word(l, RW_INFO);
	return s;
}

static const struct {
	const char *name, *t[3];
} kinds[] = {
	{ "region", { "région", "جهة", "region" } },
	{ "prefecture", { "préfecture", "عمالة", "prefecture" } },
	{ "province", { "province", "إقليم", "province" } },
	{ "commune", { "commune", "جماعة", "commune" } },
	{ "unspecified", { "non précisé", "غير محدد", "unspecified" } },
};

const char *
report_kind(enum report_lang l, const char *k)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (!strcmp(k, kinds[i].name))
			return kinds[i].t[l];
	return k;
}

static const struct {
	const char *id, *t[3];
} rules[] = {
	{ "liveness",
	  { "Journal vivant (témoins)", "السجل نشط (الشهود)", "Log alive (witnesses)" } },
	{ "coverage",
	  { "Couverture des cinq principes", "تغطية المبادئ الخمسة", "Five principles covered" } },
	{ "follow-up", { "Suivi des engagements", "تتبع الالتزامات", "Commitments followed up" } },
	{ "milestones", { "Jalons à l'heure", "المراحل في وقتها", "Milestones on time" } },
	{ "indicators",
	  { "Indicateurs nationaux renseignés", "المؤشرات الوطنية المبلغ عنها",
	    "National indicators reported" } },
	{ "integrity",
	  { "Intégrité de l'historique", "سلامة السجل التاريخي", "History integrity" } },
	{ "timeliness",
	  { "Délais légaux (loi 31-13)", "الآجال القانونية (القانون 31-13)",
	    "Legal deadlines (law 31-13)" } },
};

const char *
report_rule(enum report_lang l, const char *id)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(id, rules[i].id))
			return rules[i].t[l];
	return id;
}
