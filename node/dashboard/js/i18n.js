// i18n — the dashboard's words in French (default), Arabic and English, the chosen language
// (remembered in localStorage) and number/date formatting through Intl for that language.

const KEY = 'remacto.lang';
export const LANGS = ['fr', 'ar', 'en'];
const LOCALES = { fr: 'fr-MA', ar: 'ar-MA', en: 'en-GB' };

const S = {
	'app.name': ['Registre REMACTO', 'سجل ريمكتو', 'REMACTO Ledger'],
	'app.tagline': ['Transparence des collectivités territoriales', 'شفافية الجماعات الترابية', 'Transparency of local governments'],
	'app.skip': ['Aller au contenu', 'انتقل إلى المحتوى', 'Skip to content'],
	'app.footer': ['Chaque donnée affichée provient d\'un journal signé et vérifiable.', 'كل معطى معروض مصدره سجل موقع وقابل للتحقق.', 'Every figure shown comes from a signed, verifiable log.'],
	'app.error': ['Cette page n\'a pas pu s\'afficher', 'تعذر عرض هذه الصفحة', 'This page could not be shown'],
	'app.notfound': ['Page introuvable', 'الصفحة غير موجودة', 'Page not found'],
	'app.notfound.detail': ['Cette adresse ne correspond à aucune page du tableau de bord.', 'هذا العنوان لا يطابق أي صفحة في لوحة القيادة.', 'This address matches no page of the dashboard.'],
	'app.home': ['Retour au réseau', 'العودة إلى الشبكة', 'Back to the network'],
	'lang.label': ['Langue', 'اللغة', 'Language'],

	'nav.label': ['Navigation principale', 'التنقل الرئيسي', 'Main navigation'],
	'nav.network': ['Réseau', 'الشبكة', 'Network'],
	'nav.compliance': ['Conformité', 'المطابقة', 'Compliance'],
	'nav.benchmark': ['Comparaison', 'المقارنة', 'Benchmark'],
	'nav.federation': ['Fédération', 'الفدرالية', 'Federation'],

	'live.on': ['En direct', 'مباشر', 'Live'],
	'live.off': ['Hors ligne', 'غير متصل', 'Offline'],
	'live.connecting': ['Connexion…', 'جارٍ الاتصال…', 'Connecting…'],
	'live.title': ['Mises à jour en direct des journaux', 'تحديثات مباشرة للسجلات', 'Live log updates'],
	'live.new': ['Nouvelles entrées publiées', 'نُشرت مدخلات جديدة', 'New entries published'],
	'live.size': ['{name} : {n} entrées', '{name}: {n} مدخلات', '{name}: {n} entries'],
	'live.refresh': ['Actualiser', 'تحديث', 'Refresh'],

	'state.loading': ['Chargement…', 'جارٍ التحميل…', 'Loading…'],
	'state.unreachable': ['Le nœud ne répond pas', 'العقدة لا تستجيب', 'The node does not answer'],
	'state.unreachable.detail': ['L\'API de lecture est injoignable. Vérifiez que remactod fonctionne, puis réessayez.', 'واجهة القراءة غير متاحة. تحقق من أن remactod يعمل ثم أعد المحاولة.', 'The read API cannot be reached. Check that remactod is running, then try again.'],
	'state.http': ['Le nœud a répondu par une erreur', 'ردت العقدة بخطأ', 'The node answered with an error'],
	'state.badjson': ['Réponse illisible du nœud', 'رد غير مقروء من العقدة', 'Unreadable answer from the node'],
	'state.retry': ['Réessayer', 'إعادة المحاولة', 'Try again'],
	'state.empty': ['Rien à afficher', 'لا شيء للعرض', 'Nothing to show'],
	'state.nomembers': ['Aucun membre pour l\'instant', 'لا يوجد أعضاء حتى الآن', 'No members yet'],
	'state.nomembers.detail': ['Le registre n\'a encore admis aucune collectivité, ou ce nœud ne le détient pas encore.', 'لم يقبل السجل أي جماعة بعد، أو أن هذه العقدة لا تتوفر عليه بعد.', 'The registry has admitted no local government yet, or this node does not hold it yet.'],
	'state.nomatch': ['Aucun résultat pour ces filtres', 'لا توجد نتائج لهذه المرشحات', 'No result for these filters'],
	'state.nodata': ['Ce membre n\'a encore rien publié', 'لم ينشر هذا العضو أي شيء بعد', 'This member has published nothing yet'],
	'state.nodata.detail': ['Son journal est vide ou ce nœud ne le réplique pas encore.', 'سجله فارغ أو أن هذه العقدة لا تنسخه بعد.', 'Its log is empty or this node does not replicate it yet.'],
	'state.nomember': ['Membre inconnu', 'عضو غير معروف', 'Unknown member'],
	'state.nomember.detail': ['Ce nœud ne connaît aucun membre « {slug} ».', 'هذه العقدة لا تعرف أي عضو «{slug}».', 'This node knows no member "{slug}".'],
	'state.nocommitment': ['Engagement introuvable', 'الالتزام غير موجود', 'Commitment not found'],
	'state.noentry': ['Entrée introuvable', 'المدخل غير موجود', 'Entry not found'],
	'state.forked': ['Journal bifurqué : deux historiques signés contradictoires', 'سجل متفرع: تاريخان موقعان متناقضان', 'Forked log: two conflicting signed histories'],
	'state.forked.detail': ['Ce membre a signé deux versions incompatibles de son journal. La réplication est arrêtée ; les données vérifiées avant la bifurcation restent affichées. Les preuves sont sur la page Fédération.', 'وقع هذا العضو نسختين متعارضتين من سجله. توقف النسخ؛ وتبقى المعطيات التي تم التحقق منها قبل التفرع معروضة. الأدلة في صفحة الفدرالية.', 'This member signed two incompatible versions of its log. Replication has stopped; data verified before the fork stays shown. The evidence is on the Federation page.'],
	'state.nocharts': ['Graphiques indisponibles : Chart.js n\'est pas installé sur ce nœud (paquet libjs-chart.js).', 'الرسوم البيانية غير متاحة: مكتبة Chart.js غير مثبتة على هذه العقدة (حزمة libjs-chart.js).', 'Charts unavailable: Chart.js is not installed on this node (package libjs-chart.js).'],
	'state.suspended': ['Membre suspendu par l\'autorité du réseau', 'عضو موقوف من طرف سلطة الشبكة', 'Member suspended by the network authority'],
	'state.suspended.detail': ['Aucun nœud n\'accepte son journal au-delà de {n} entrées tant que l\'autorité ne l\'a pas réintégré.', 'لا تقبل أي عقدة سجله بعد {n} مدخلات ما لم تُعِد السلطة إدماجه.', 'No node accepts its log past {n} entries until the authority reinstates it.'],
	'state.suspended.own': ['Ce nœud est celui d\'un membre suspendu : il refuse de publier', 'هذه العقدة تابعة لعضو موقوف: ترفض النشر', 'This node belongs to a suspended member: it refuses to publish'],
	'state.suspended.own.detail': ['L\'autorité du réseau a suspendu {name} au-delà de {n} entrées. La publication reprend quand elle le réintègre ; la lecture et la réplication continuent.', 'أوقفت سلطة الشبكة {name} بعد {n} مدخلات. يُستأنف النشر عندما تعيد إدماجه؛ وتستمر القراءة والنسخ.', 'The network authority suspended {name} past {n} entries. Publishing resumes when it reinstates it; reading and replication go on.'],
	'state.suspended.entry': ['Voir l\'entrée du registre (date et motif)', 'عرض مدخل السجل (التاريخ والسبب)', 'See the registry entry (date and reason)'],
	'badge.suspended': ['Suspendu', 'موقوف', 'Suspended'],

	'region.unknown': ['Région non renseignée', 'جهة غير محددة', 'Region not given'],
	'kind.region': ['Région', 'جهة', 'Region'],
	'kind.prefecture': ['Préfecture', 'عمالة', 'Prefecture'],
	'kind.province': ['Province', 'إقليم', 'Province'],
	'kind.commune': ['Commune', 'جماعة', 'Commune'],
	'kind.unspecified': ['Non précisé', 'غير محدد', 'Unspecified'],

	'status.compliant': ['Conforme', 'مطابق', 'Compliant'],
	'status.at_risk': ['À risque', 'في خطر', 'At risk'],
	'status.non_compliant': ['Non conforme', 'غير مطابق', 'Non-compliant'],
	'status.unknown': ['Inconnu', 'غير معروف', 'Unknown'],

	'repl.own': ['Journal de ce nœud', 'سجل هذه العقدة', 'This node\'s log'],
	'repl.replica': ['Répliqué', 'منسوخ', 'Replicated'],
	'repl.absent': ['Non détenu', 'غير متوفر', 'Not held'],
	'repl.forked': ['Bifurqué', 'متفرع', 'Forked'],

	'completion.COMPLETION_UNSPECIFIED': ['Pas encore de statut', 'لا حالة بعد', 'No status yet'],
	'completion.COMPLETION_NOT_STARTED': ['Non commencé', 'لم يبدأ', 'Not started'],
	'completion.COMPLETION_LIMITED': ['Limité', 'محدود', 'Limited'],
	'completion.COMPLETION_SUBSTANTIAL': ['Substantiel', 'جوهري', 'Substantial'],
	'completion.COMPLETION_COMPLETE': ['Achevé', 'مكتمل', 'Complete'],
	'completion.COMPLETION_WITHDRAWN': ['Retiré', 'مسحوب', 'Withdrawn'],

	'principle.PRINCIPLE_TRANSPARENCY': ['Transparence', 'الشفافية', 'Transparency'],
	'principle.PRINCIPLE_ACCOUNTABILITY': ['Redevabilité', 'المساءلة', 'Accountability'],
	'principle.PRINCIPLE_ACCESS_TO_INFORMATION': ['Accès à l\'information', 'الحصول على المعلومات', 'Access to information'],
	'principle.PRINCIPLE_CITIZEN_PARTICIPATION': ['Participation citoyenne', 'المشاركة المواطنة', 'Citizen participation'],
	'principle.PRINCIPLE_DIGITALISATION': ['Numérique', 'الرقمنة', 'Digitalisation'],
	'principle.PRINCIPLE_UNSPECIFIED': ['Sans principe', 'بدون مبدأ', 'No principle'],

	'milestone.MILESTONE_STATUS_UNSPECIFIED': ['Prévu', 'مبرمج', 'Scheduled'],
	'milestone.MILESTONE_STATUS_SCHEDULED': ['Prévu', 'مبرمج', 'Scheduled'],
	'milestone.MILESTONE_STATUS_MET': ['Atteint', 'محقق', 'Met'],
	'milestone.MILESTONE_STATUS_PARTIALLY_MET': ['Partiellement atteint', 'محقق جزئيا', 'Partially met'],
	'milestone.MILESTONE_STATUS_NOT_MET': ['Non atteint', 'غير محقق', 'Not met'],
	'milestone.overdue': ['En retard', 'متأخر', 'Overdue'],

	'stage.PROGRAMME_STAGE_UNSPECIFIED': ['Étape non précisée', 'مرحلة غير محددة', 'Stage not given'],
	'stage.PROGRAMME_STAGE_CO_CREATION': ['Co-création', 'الإنتاج المشترك', 'Co-creation'],
	'stage.PROGRAMME_STAGE_DRAFTING': ['Rédaction', 'الصياغة', 'Drafting'],
	'stage.PROGRAMME_STAGE_PUBLIC_CONSULTATION': ['Consultation publique', 'الاستشارة العمومية', 'Public consultation'],
	'stage.PROGRAMME_STAGE_ADOPTED': ['Adopté', 'مصادق عليه', 'Adopted'],
	'stage.PROGRAMME_STAGE_IMPLEMENTATION': ['Mise en œuvre', 'التنفيذ', 'Implementation'],
	'stage.PROGRAMME_STAGE_EVALUATION': ['Évaluation', 'التقييم', 'Evaluation'],
	'stage.PROGRAMME_STAGE_CLOSED': ['Clos', 'مختتم', 'Closed'],

	'kindof.commitment': ['Engagement', 'التزام', 'Commitment'],
	'kindof.amendment': ['Amendement', 'تعديل', 'Amendment'],
	'kindof.statusUpdate': ['Mise à jour du statut', 'تحيين الحالة', 'Status update'],
	'kindof.milestoneUpdate': ['Jalon', 'مرحلة', 'Milestone'],
	'kindof.assessment': ['Évaluation', 'تقييم', 'Assessment'],
	'kindof.consultation': ['Consultation', 'استشارة', 'Consultation'],
	'kindof.programme': ['Programme', 'برنامج', 'Programme'],
	'kindof.indicator': ['Indicateur', 'مؤشر', 'Indicator'],
	'kindof.measurement': ['Mesure', 'قياس', 'Measurement'],
	'kindof.evidence': ['Justificatif', 'وثيقة إثبات', 'Evidence'],
	'kindof.memberAdmission': ['Admission d\'un membre', 'قبول عضو', 'Member admission'],
	'kindof.keyRotation': ['Changement de clé', 'تغيير المفتاح', 'Key rotation'],
	'kindof.memberSuspension': ['Suspension', 'توقيف', 'Suspension'],
	'kindof.catalogIndicator': ['Indicateur du catalogue', 'مؤشر الفهرس', 'Catalog indicator'],
	'kindof.compliancePolicy': ['Règles de conformité', 'قواعد المطابقة', 'Compliance policy'],
	'kindof.peerAnnouncement': ['Adresse d\'un nœud', 'عنوان عقدة', 'Peer announcement'],
	'kindof.unknown': ['Entrée', 'مدخل', 'Entry'],

	'group.all': ['Tous les membres', 'جميع الأعضاء', 'All members'],
	'group.kind': ['Même type', 'نفس النوع', 'Same kind'],
	'group.population': ['Même tranche de population', 'نفس شريحة السكان', 'Same population band'],
	'group.region': ['Même région', 'نفس الجهة', 'Same region'],

	'f.search': ['Rechercher', 'بحث', 'Search'],
	'f.search.ph': ['Nom ou identifiant', 'الاسم أو المعرف', 'Name or identifier'],
	'f.region': ['Région', 'الجهة', 'Region'],
	'f.kind': ['Type', 'النوع', 'Kind'],
	'f.status': ['Conformité', 'المطابقة', 'Compliance'],
	'f.repl': ['Réplication', 'النسخ', 'Replication'],
	'f.all': ['Tous', 'الكل', 'All'],
	'f.shown': ['{n} sur {total} affichés', 'معروض {n} من {total}', '{n} of {total} shown'],
	'f.more': ['Afficher les {n} suivants', 'عرض {n} التالية', 'Show the next {n}'],
	'f.csv': ['Télécharger en CSV (cette vue)', 'تنزيل CSV (هذا العرض)', 'Download CSV (this view)'],
	'f.print': ['Imprimer', 'طباعة', 'Print'],
	'f.csv.full': ['CSV complet du nœud', 'ملف CSV الكامل من العقدة', 'Full CSV from the node'],
	'f.sort': ['Trier par {col}', 'ترتيب حسب {col}', 'Sort by {col}'],

	'net.title': ['Le réseau', 'الشبكة', 'The network'],
	'net.intro': ['Les collectivités membres de REMACTO, leurs journaux et leur conformité, vus depuis ce nœud.', 'الجماعات الأعضاء في ريمكتو وسجلاتها ومدى مطابقتها، كما تراها هذه العقدة.', 'REMACTO member governments, their logs and compliance, as this node sees them.'],
	'net.members': ['Membres', 'الأعضاء', 'Members'],
	'net.logs': ['Journaux détenus', 'السجلات المتوفرة', 'Logs held'],
	'net.entries': ['Entrées publiées', 'المدخلات المنشورة', 'Entries published'],
	'net.forked': ['Journaux bifurqués', 'سجلات متفرعة', 'Forked logs'],
	'net.suspended': ['Membres suspendus', 'أعضاء موقوفون', 'Suspended members'],
	'net.trend': ['Évolution nationale de la conformité', 'تطور المطابقة على الصعيد الوطني', 'National compliance trend'],
	'net.meanScore': ['Score moyen', 'متوسط النقطة', 'Mean score'],
	'net.byRegion': ['Par région', 'حسب الجهة', 'By region'],
	'net.byKind': ['Par type', 'حسب النوع', 'By kind'],
	'net.list': ['Membres du réseau', 'أعضاء الشبكة', 'Network members'],
	'net.asOf': ['Situation au {date}', 'الوضعية بتاريخ {date}', 'As of {date}'],

	'col.name': ['Membre', 'العضو', 'Member'],
	'col.slug': ['Identifiant', 'المعرف', 'Identifier'],
	'col.kind': ['Type', 'النوع', 'Kind'],
	'col.region': ['Région', 'الجهة', 'Region'],
	'col.population': ['Population', 'السكان', 'Population'],
	'col.size': ['Taille du journal', 'حجم السجل', 'Log size'],
	'col.witnessed': ['Dernier témoin', 'آخر شهادة', 'Last witnessed'],
	'col.status': ['Conformité', 'المطابقة', 'Compliance'],
	'col.score': ['Score', 'النقطة', 'Score'],
	'col.repl': ['Réplication sur ce nœud', 'النسخ على هذه العقدة', 'Replication on this node'],
	'col.findings': ['Constats', 'الملاحظات', 'Findings'],
	'col.critical': ['Critiques', 'حرجة', 'Critical'],
	'col.major': ['Majeurs', 'كبرى', 'Major'],
	'col.minor': ['Mineurs', 'صغرى', 'Minor'],
	'col.info': ['Info', 'للعلم', 'Info'],
	'col.rank': ['Rang', 'الرتبة', 'Rank'],
	'col.value': ['Valeur', 'القيمة', 'Value'],
	'col.raw': ['Valeur publiée', 'القيمة المنشورة', 'Value as published'],
	'col.percentile': ['Centile', 'المئين', 'Percentile'],
	'col.entry': ['Entrée', 'المدخل', 'Entry'],
	'col.members': ['Membres', 'الأعضاء', 'Members'],
	'col.updated': ['Mis à jour', 'آخر تحديث', 'Updated'],
	'col.root': ['Racine', 'الجذر', 'Root'],
	'col.origin': ['Origine', 'المصدر', 'Origin'],
	'col.period': ['Période', 'الفترة', 'Period'],
	'col.median': ['Médiane du groupe', 'وسيط المجموعة', 'Group median'],

	'm.programme': ['Programme de gouvernement ouvert', 'برنامج الحكومة المنفتحة', 'Open government programme'],
	'm.noprogramme': ['Aucun programme publié dans les premières entrées du journal.', 'لم يُنشر أي برنامج في المدخلات الأولى للسجل.', 'No programme published in the first entries of the log.'],
	'm.period': ['Du {a} au {b}', 'من {a} إلى {b}', 'From {a} to {b}'],
	'm.stage': ['Étape : {s}', 'المرحلة: {s}', 'Stage: {s}'],
	'm.commitments': ['Engagements par principe', 'الالتزامات حسب المبدأ', 'Commitments by principle'],
	'm.nocommitments': ['Aucun engagement publié.', 'لا توجد التزامات منشورة.', 'No commitment published.'],
	'm.progress': ['Avancement', 'التقدم', 'Progress'],
	'm.milestones': ['Jalons', 'المراحل', 'Milestones'],
	'm.nomilestones': ['Aucun jalon.', 'لا توجد مراحل.', 'No milestone.'],
	'm.indicators': ['Indicateurs', 'المؤشرات', 'Indicators'],
	'm.noindicators': ['Aucun indicateur publié.', 'لا توجد مؤشرات منشورة.', 'No indicator published.'],
	'm.baseline': ['Référence', 'القيمة المرجعية', 'Baseline'],
	'm.target': ['Cible', 'الهدف', 'Target'],
	'm.measured': ['Mesuré', 'المقاس', 'Measured'],
	'm.nomeasure': ['Aucune mesure publiée pour cet indicateur.', 'لا توجد قياسات منشورة لهذا المؤشر.', 'No measurement published for this indicator.'],
	'm.datatable': ['Données du graphique', 'معطيات الرسم البياني', 'Chart data'],
	'm.identity': ['Identité', 'الهوية', 'Identity'],
	'm.origin': ['Origine du journal', 'مصدر السجل', 'Log origin'],
	'm.key': ['Clé de vérification', 'مفتاح التحقق', 'Verifier key'],
	'm.compliance': ['Conformité : {s} ({n}/100)', 'المطابقة: {s} ({n}/100)', 'Compliance: {s} ({n}/100)'],
	'm.seeCompliance': ['Voir le rapport de conformité', 'عرض تقرير المطابقة', 'See the compliance report'],
	'm.seeBenchmark': ['Comparer avec les pairs', 'المقارنة مع النظراء', 'Compare with peers'],
	'm.due': ['Échéance {d}', 'الأجل {d}', 'Due {d}'],
	'm.done': ['Réalisé le {d}', 'أنجز في {d}', 'Done on {d}'],
	'm.consultations': ['Consultations', 'الاستشارات', 'Consultations'],
	'm.participants': ['{n} participants, dont {w} % de femmes', '{n} مشاركا، منهم {w}% نساء', '{n} participants, {w}% women'],

	'c.history': ['Historique complet', 'التاريخ الكامل', 'Full history'],
	'c.history.intro': ['Chaque version, amendement et changement de statut, dans l\'ordre du journal. Rien n\'est réécrit : une modification est une nouvelle entrée visible.', 'كل نسخة وتعديل وتغيير في الحالة، حسب ترتيب السجل. لا شيء يُعاد كتابته: كل تغيير مدخل جديد ظاهر.', 'Every version, amendment and status change, in log order. Nothing is rewritten: a change is a new, visible entry.'],
	'c.field': ['Champ', 'الحقل', 'Field'],
	'c.title': ['Intitulé', 'العنوان', 'Title'],
	'c.due': ['Échéance', 'الأجل', 'Due'],
	'c.old': ['Ancienne valeur', 'القيمة السابقة', 'Old value'],
	'c.new': ['Nouvelle valeur', 'القيمة الجديدة', 'New value'],
	'c.reason': ['Motif', 'السبب', 'Reason'],
	'c.firstVersion': ['Première version publiée', 'أول نسخة منشورة', 'First published version'],
	'c.nochange': ['Aucun champ modifié', 'لم يتغير أي حقل', 'No field changed'],
	'c.index': ['Entrée n° {n}', 'المدخل رقم {n}', 'Entry #{n}'],
	'c.published': ['Publiée le {d}', 'نشر في {d}', 'Published {d}'],
	'c.lead': ['Service responsable', 'المصلحة المسؤولة', 'Lead body'],
	'c.budget': ['Budget prévu', 'الميزانية المتوقعة', 'Planned budget'],
	'c.dates': ['Période', 'الفترة', 'Period'],
	'c.problem': ['Problème public', 'الإشكالية العمومية', 'Public problem'],
	'c.description': ['Description', 'الوصف', 'Description'],
	'c.stakeholders': ['Parties prenantes', 'الأطراف المعنية', 'Stakeholders'],
	'c.principles': ['Principes', 'المبادئ', 'Principles'],
	'c.programme': ['Programme', 'البرنامج', 'Programme'],
	'c.status': ['Statut', 'الحالة', 'Status'],
	'c.note': ['Note', 'ملاحظة', 'Note'],
	'c.assessor': ['Évaluateur', 'المقيِّم', 'Assessor'],
	'c.effect': ['Effet', 'الأثر', 'Effect'],
	'c.milestone': ['Jalon {id}', 'المرحلة {id}', 'Milestone {id}'],
	'c.viewEntry': ['Voir l\'entrée', 'عرض المدخل', 'View entry'],

	'v.title': ['Vérification dans votre navigateur', 'التحقق داخل متصفحك', 'Verification in your browser'],
	'v.intro': ['Le navigateur vérifie lui-même, sans faire confiance au serveur qui affiche ces pages : le registre du réseau signé par l\'autorité, la clé du membre que ce registre a admise, la signature Ed25519 du point de contrôle, le hachage des entrées, leur preuve d\'inclusion et le quorum des témoins.', 'يتحقق المتصفح بنفسه، دون الثقة في الخادم الذي يعرض هذه الصفحات، من: سجل الشبكة الموقع من السلطة، ومفتاح العضو الذي قبله هذا السجل، وتوقيع Ed25519 لنقطة المراقبة، وبصمة المدخلات، وإثبات إدراجها، ونصاب الشهود.', 'Your browser checks by itself, without trusting the server that shows these pages: the network\'s registry signed by the authority, the member key that registry admitted, the checkpoint\'s Ed25519 signature, the entries\' hashes, their inclusion proof and the witness quorum.'],
	'v.anchor': ['Clé de l\'autorité du réseau (servie avec cette page, la seule à laquelle la vérification fait confiance) :', 'مفتاح سلطة الشبكة (يقدم مع هذه الصفحة، وهو الوحيد الذي يثق به التحقق):', 'The network authority\'s key (served with this page, the one key the verification trusts):'],
	'v.noanchor': ['Ce nœud n\'a pas d\'autorité de réseau : les clés ne peuvent pas être vérifiées auprès d\'un registre.', 'ليس لهذه العقدة سلطة شبكة: لا يمكن التحقق من المفاتيح لدى سجل.', 'This node has no network authority: keys cannot be checked against a registry.'],
	'v.button': ['Vérifier', 'تحقق', 'Verify'],
	'v.buttonAll': ['Vérifier tout l\'historique', 'التحقق من كامل التاريخ', 'Verify the whole history'],
	'v.running': ['Vérification en cours…', 'جارٍ التحقق…', 'Verifying…'],
	'v.ok': ['Vérifié : {n} entrée(s) incluse(s) dans le journal signé de taille {size}', 'تم التحقق: {n} مدخل(ات) مدرجة في السجل الموقع بحجم {size}', 'Verified: {n} entr(y/ies) included in the signed log of size {size}'],
	'v.fail': ['Échec de la vérification', 'فشل التحقق', 'Verification failed'],
	'v.unsupported': ['Ce navigateur ne sait pas vérifier les signatures Ed25519 (WebCrypto). Essayez un navigateur récent.', 'هذا المتصفح لا يستطيع التحقق من توقيعات Ed25519 (WebCrypto). جرب متصفحا حديثا.', 'This browser cannot check Ed25519 signatures (WebCrypto). Try a recent browser.'],
	'v.insecure': ['La vérification a besoin d\'une page servie en HTTPS (ou depuis localhost).', 'يتطلب التحقق صفحة مقدمة عبر HTTPS (أو من localhost).', 'Verification needs a page served over HTTPS (or from localhost).'],
	'v.step.key': ['Clé du membre lue et bien formée ({id})', 'مفتاح العضو مقروء وسليم ({id})', 'Member key read and well formed ({id})'],
	'v.step.anchor': ['Clé de l\'autorité du réseau lue et bien formée ({key})', 'مفتاح سلطة الشبكة مقروء وسليم ({key})', 'Network authority\'s key read and well formed ({key})'],
	'v.step.registry': ['Registre signé par l\'autorité ; ses {size} entrées recalculées jusqu\'à la racine signée', 'السجل موقع من السلطة؛ أعيد حساب مدخلاته الـ{size} حتى الجذر الموقع', 'Registry signed by the authority; its {size} entries rehashed to the signed root'],
	'v.step.keyAdmitted': ['Clé du membre {id} donnée par l\'entrée n° {i} du registre ({kind} {d}), dont l\'inclusion dans le registre signé est prouvée', 'مفتاح العضو {id} منحه المدخل رقم {i} من السجل ({kind} {d})، وإدراجه في السجل الموقع مثبت', 'Member key {id} given by registry entry #{i} ({kind} {d}), whose inclusion in the signed registry is proven'],
	'v.step.keyAuthority': ['Journal du registre : sa clé est celle de l\'autorité ({id})', 'سجل السجل: مفتاحه هو مفتاح السلطة ({id})', 'The registry\'s own log: its key is the authority\'s ({id})'],
	'v.step.quorum': ['Quorum des témoins atteint : {n} cosignature(s) comptée(s), {k} requise(s) par la politique du registre', 'تم بلوغ نصاب الشهود: {n} توقيع(ات) محسوبة، {k} مطلوبة حسب سياسة السجل', 'Witness quorum met: {n} cosignature(s) counted, {k} required by the registry\'s policy'],
	'v.step.sig': ['Point de contrôle signé par {name} (taille {size})', 'نقطة المراقبة موقعة من {name} (الحجم {size})', 'Checkpoint signed by {name} (size {size})'],
	'v.step.leaf': ['Entrée n° {i} : hachage recalculé {h}', 'المدخل رقم {i}: أعيد حساب البصمة {h}', 'Entry #{i}: hash recomputed {h}'],
	'v.step.proof': ['Entrée n° {i} : la preuve d\'inclusion mène à la racine signée', 'المدخل رقم {i}: إثبات الإدراج يؤدي إلى الجذر الموقع', 'Entry #{i}: the inclusion proof leads to the signed root'],
	'v.step.content': ['Entrée n° {i} : le contenu affiché est bien celui qui a été signé', 'المدخل رقم {i}: المحتوى المعروض هو ما تم توقيعه فعلا', 'Entry #{i}: the content shown is what was signed'],
	'v.witnesses': ['Témoins (cosignatures du même point de contrôle)', 'الشهود (توقيعات مشتركة لنفس نقطة المراقبة)', 'Witnesses (cosignatures of the same checkpoint)'],
	'v.nowitness': ['Aucun témoin n\'a encore cosigné ce point de contrôle.', 'لم يوقع أي شاهد على نقطة المراقبة هذه بعد.', 'No witness has cosigned this checkpoint yet.'],
	'v.witnessOk': ['cosignature valide, le {t}', 'توقيع مشترك صحيح، بتاريخ {t}', 'valid cosignature, {t}'],
	'v.witnessBad': ['cosignature invalide', 'توقيع مشترك غير صحيح', 'invalid cosignature'],
	'v.witnessUnknown': ['pas un témoin de la politique du registre : ignoré', 'ليس شاهدا في سياسة السجل: تم تجاهله', 'not a witness of the registry\'s policy: ignored'],
	'v.witnessSelf': ['la clé du journal lui-même : ne compte pas', 'مفتاح السجل نفسه: لا يحتسب', 'the log\'s own key: does not count'],
	'v.checkpoint': ['Point de contrôle', 'نقطة المراقبة', 'Checkpoint'],
	'v.download': ['Télécharger la preuve', 'تنزيل الإثبات', 'Download proof'],
	'v.downloadShort': ['preuve', 'إثبات', 'proof'],
	'v.downloadHint': ['Un fichier .tlog-proof (C2SP) : l\'entrée, sa preuve d\'inclusion et le point de contrôle cosigné, vérifiable hors ligne par quiconque (remacto proof verify, ou tout outil C2SP) avec la politique du réseau (/api/v1/policy).', 'ملف ‎.tlog-proof (C2SP): المدخل وإثبات إدراجه ونقطة المراقبة الموقعة، يمكن لأي كان التحقق منه دون اتصال (remacto proof verify أو أي أداة C2SP) بسياسة الشبكة (‎/api/v1/policy).', 'A .tlog-proof file (C2SP): the entry, its inclusion proof and the cosigned checkpoint, which anyone can check offline (remacto proof verify, or any C2SP tool) with the network\'s policy (/api/v1/policy).'],
	'v.downloadLatest': ['Preuve de la dernière entrée de cet engagement ; chaque entrée de l\'historique a la sienne.', 'إثبات آخر مدخل لهذا الالتزام؛ لكل مدخل في التاريخ إثباته.', 'Proof of this commitment\'s latest entry; each entry of the history has its own.'],
	'v.e.badkey': ['la clé de vérification du membre est mal formée', 'مفتاح التحقق الخاص بالعضو غير سليم', 'the member\'s verifier key is malformed'],
	'v.e.badnote': ['le point de contrôle n\'est pas une note signée valide', 'نقطة المراقبة ليست ملاحظة موقعة صالحة', 'the checkpoint is not a valid signed note'],
	'v.e.origin': ['le point de contrôle appartient à un autre journal ({o})', 'نقطة المراقبة تخص سجلا آخر ({o})', 'the checkpoint belongs to another log ({o})'],
	'v.e.nosig': ['aucune signature du membre sur le point de contrôle', 'لا يوجد توقيع للعضو على نقطة المراقبة', 'no signature of the member on the checkpoint'],
	'v.e.sig': ['la signature du point de contrôle est invalide', 'توقيع نقطة المراقبة غير صحيح', 'the checkpoint signature is invalid'],
	'v.e.range': ['l\'entrée n° {i} n\'est pas couverte par le point de contrôle (taille {size})', 'المدخل رقم {i} غير مشمول بنقطة المراقبة (الحجم {size})', 'entry #{i} is not covered by the checkpoint (size {size})'],
	'v.e.proof': ['entrée n° {i} : la preuve d\'inclusion ne mène pas à la racine signée', 'المدخل رقم {i}: إثبات الإدراج لا يؤدي إلى الجذر الموقع', 'entry #{i}: the inclusion proof does not lead to the signed root'],
	'v.e.content': ['entrée n° {i} : le texte affiché « {s} » ne figure pas dans l\'entrée signée', 'المدخل رقم {i}: النص المعروض «{s}» غير موجود في المدخل الموقع', 'entry #{i}: the text shown "{s}" is not in the signed entry'],
	'v.e.noanchor': ['ce nœud ne sert aucune clé d\'autorité de réseau : rien ne permet de vérifier la clé du membre (pas de confiance au premier usage)', 'لا تقدم هذه العقدة أي مفتاح لسلطة الشبكة: لا شيء يسمح بالتحقق من مفتاح العضو (لا ثقة عند أول استعمال)', 'this node serves no network authority key: nothing can check the member\'s key (no trust on first use)'],
	'v.e.regsig': ['le point de contrôle du registre n\'est pas signé par la clé de l\'autorité ({o})', 'نقطة مراقبة السجل غير موقعة بمفتاح السلطة ({o})', 'the registry\'s checkpoint is not signed by the authority\'s key ({o})'],
	'v.e.regroot': ['les entrées du registre ne redonnent pas la racine signée de son point de contrôle ({n} entrées sur {size})', 'مدخلات السجل لا تعطي الجذر الموقع لنقطة مراقبته ({n} من {size})', 'the registry\'s entries do not hash to its signed checkpoint\'s root ({n} entries of {size})'],
	'v.e.notmember': ['{o} n\'est pas membre du réseau d\'après le registre signé', '{o} ليس عضوا في الشبكة حسب السجل الموقع', '{o} is not a member of the network according to the signed registry'],
	'v.e.suspended': ['{o} est suspendu par l\'autorité au-delà de la taille {at} : son point de contrôle (taille {size}) n\'est pas reconnu', '{o} موقوف من طرف السلطة بعد الحجم {at}: نقطة مراقبته (الحجم {size}) غير معترف بها', '{o} is suspended by the authority past size {at}: its checkpoint (size {size}) is not recognised'],
	'v.e.keymismatch': ['le nœud sert pour {o} la clé {got}, que le registre n\'a jamais admise à cette taille (la clé du registre pour la taille {size} est {want})', 'تقدم العقدة لـ{o} المفتاح {got} الذي لم يقبله السجل قط لهذا الحجم (مفتاح السجل للحجم {size} هو {want})', 'the node serves the key {got} for {o}, which the registry never admitted at this size (the registry\'s key for size {size} is {want})'],
	'v.e.keyproof': ['l\'entrée n° {i} du registre, qui donne la clé, n\'est pas prouvée dans le registre signé', 'مدخل السجل رقم {i} الذي يمنح المفتاح غير مثبت في السجل الموقع', 'registry entry #{i}, which gives the key, is not proven in the signed registry'],
	'v.e.badcosig': ['la cosignature du témoin {w} est invalide', 'التوقيع المشترك للشاهد {w} غير صحيح', 'the cosignature of witness {w} is invalid'],
	'v.e.quorum': ['le quorum des témoins n\'est pas atteint : {n} cosignature(s) comptée(s), {k} requise(s) par la politique du registre (taille {size})', 'لم يبلغ نصاب الشهود: {n} توقيع(ات) محسوبة، {k} مطلوبة حسب سياسة السجل (الحجم {size})', 'the witness quorum is not met: {n} cosignature(s) counted, {k} required by the registry\'s policy (size {size})'],
	'v.e.fetch': ['données de vérification indisponibles : {e}', 'معطيات التحقق غير متاحة: {e}', 'verification data unavailable: {e}'],

	'comp.title': ['Conformité des membres', 'مطابقة الأعضاء', 'Member compliance'],
	'comp.intro': ['Statut et score de chaque membre selon les règles de la politique du registre ; chaque constat renvoie aux entrées qui le fondent.', 'حالة ونقطة كل عضو حسب قواعد سياسة السجل؛ كل ملاحظة تحيل إلى المدخلات التي تستند إليها.', 'Each member\'s status and score under the registry policy\'s rules; every finding links to the entries behind it.'],
	'comp.findingsOf': ['Constats — {name}', 'الملاحظات — {name}', 'Findings — {name}'],
	'comp.show': ['Constats', 'الملاحظات', 'Findings'],
	'comp.hide': ['Masquer', 'إخفاء', 'Hide'],
	'comp.nofindings': ['Aucun constat : toutes les règles sont respectées.', 'لا توجد ملاحظات: جميع القواعد محترمة.', 'No finding: every rule is met.'],
	'comp.rules': ['Règles', 'القواعد', 'Rules'],
	'comp.rule': ['Règle', 'القاعدة', 'Rule'],
	'comp.severity': ['Gravité', 'الخطورة', 'Severity'],
	'comp.entries': ['Entrées', 'المدخلات', 'Entries'],
	'comp.action': ['Action à mener', 'الإجراء المطلوب', 'Action to take'],
	'comp.sev.critical': ['Critique', 'حرج', 'Critical'],
	'comp.sev.major': ['Majeur', 'كبير', 'Major'],
	'comp.sev.minor': ['Mineur', 'صغير', 'Minor'],
	'comp.sev.info': ['Info', 'للعلم', 'Info'],
	'comp.passed': ['{p} sur {c} respectés', '{p} من {c} محترمة', '{p} of {c} met'],
	'comp.na': ['non applicable', 'غير منطبق', 'not applicable'],

	'bm.title': ['Comparaison entre pairs', 'المقارنة بين النظراء', 'Peer benchmark'],
	'bm.intro': ['Un indicateur du catalogue national, comparé au sein d\'un groupe de pairs. Les membres qui n\'ont pas publié sont signalés comme manquants, jamais comptés à zéro.', 'مؤشر من الفهرس الوطني، مقارن داخل مجموعة من النظراء. الأعضاء الذين لم ينشروا يُشار إليهم كغائبين، ولا يُحتسبون صفرا أبدا.', 'One national catalog indicator, compared within a peer group. Members that did not report are shown as missing, never counted as zero.'],
	'bm.indicator': ['Indicateur', 'المؤشر', 'Indicator'],
	'bm.group': ['Groupe de pairs', 'مجموعة النظراء', 'Peer group'],
	'bm.member': ['Ma collectivité', 'جماعتي', 'My member'],
	'bm.none': ['— aucun —', '— لا أحد —', '— none —'],
	'bm.period': ['Période : {p}', 'الفترة: {p}', 'Period: {p}'],
	'bm.noperiod': ['Aucune valeur publiée pour cet indicateur.', 'لم تُنشر أي قيمة لهذا المؤشر.', 'No value published for this indicator.'],
	'bm.ranking': ['Classement — {g}', 'الترتيب — {g}', 'Ranking — {g}'],
	'bm.median': ['Médiane du groupe', 'وسيط المجموعة', 'Group median'],
	'bm.missing': ['manquant', 'غائب', 'missing'],
	'bm.missingReason': ['Manquant : {r}', 'غائب: {r}', 'Missing: {r}'],
	'bm.stats': ['{r} sur {m} membres ont publié ; moyenne {mean}, médiane {median}', 'نشر {r} من أصل {m} أعضاء؛ المتوسط {mean}، الوسيط {median}', '{r} of {m} members reported; mean {mean}, median {median}'],
	'bm.position': ['{name} : rang {rank} sur {of}, centile {p}', '{name}: الرتبة {rank} من {of}، المئين {p}', '{name}: rank {rank} of {of}, percentile {p}'],
	'bm.series': ['Évolution — {name} et médiane de son groupe', 'التطور — {name} ووسيط مجموعته', 'Over time — {name} and its group\'s median'],
	'bm.noseries': ['Aucune série : ce membre n\'a publié aucune valeur pour cet indicateur.', 'لا توجد سلسلة: لم ينشر هذا العضو أي قيمة لهذا المؤشر.', 'No series: this member published no value for this indicator.'],
	'bm.pickMember': ['Choisissez votre collectivité pour voir sa position et son évolution.', 'اختر جماعتك لرؤية موقعها وتطورها.', 'Pick your member to see its position and its trend.'],
	'bm.nocatalog': ['Aucun indicateur dans le catalogue national', 'لا يوجد أي مؤشر في الفهرس الوطني', 'No indicator in the national catalog'],
	'bm.nocatalog.detail': ['Le registre de ce nœud ne définit encore aucun indicateur du catalogue.', 'لم يحدد سجل هذه العقدة بعد أي مؤشر في الفهرس.', 'This node\'s registry defines no catalog indicator yet.'],
	'bm.higher': ['plus haut = mieux', 'الأعلى = الأفضل', 'higher is better'],
	'bm.lower': ['plus bas = mieux', 'الأدنى = الأفضل', 'lower is better'],
	'bm.per10k': ['pour 10 000 habitants', 'لكل 10000 نسمة', 'per 10,000 inhabitants'],
	'bm.ownMissing': ['{name} n\'a pas de valeur pour cette période ({r}).', 'ليست لـ{name} قيمة لهذه الفترة ({r}).', '{name} has no value for this period ({r}).'],
	'bm.noneReported': ['Aucun membre de ce groupe n\'a publié de valeur.', 'لم ينشر أي عضو في هذه المجموعة قيمة.', 'No member of this group reported a value.'],
	'bm.reason.not reported': ['non publié', 'غير منشور', 'not reported'],
	'bm.reason.not adopted': ['indicateur non adopté', 'مؤشر غير معتمد', 'indicator not adopted'],
	'bm.reason.no population': ['population inconnue', 'عدد السكان غير معروف', 'population unknown'],
	'bm.single': ['Un seul membre a publié : moyenne et médiane sont sa valeur.', 'عضو واحد فقط نشر: المتوسط والوسيط هما قيمته.', 'Only one member reported: mean and median are its value.'],

	'fed.title': ['Fédération', 'الفدرالية', 'Federation'],
	'fed.intro': ['Les sessions de ce nœud avec ses pairs, les journaux qu\'il réplique et les preuves d\'équivocation.', 'جلسات هذه العقدة مع نظيراتها، والسجلات التي تنسخها، وأدلة الازدواجية.', 'This node\'s sessions with its peers, the logs it replicates and evidence of equivocation.'],
	'fed.peers': ['Pairs', 'النظراء', 'Peers'],
	'fed.nopeers': ['Aucun pair : ce nœud fonctionne seul (pas d\'autorité de réseau configurée) ou n\'a encore joint personne.', 'لا نظراء: هذه العقدة تعمل بمفردها (لا سلطة شبكة مهيأة) أو لم تتصل بأحد بعد.', 'No peer: this node runs alone (no network authority configured) or has reached nobody yet.'],
	'fed.logs': ['Journaux détenus', 'السجلات المتوفرة', 'Logs held'],
	'fed.evidence': ['Preuves d\'équivocation', 'أدلة الازدواجية', 'Equivocation evidence'],
	'fed.noevidence': ['Aucune équivocation constatée.', 'لم تُرصد أي ازدواجية.', 'No equivocation seen.'],
	'fed.evidenceOf': ['{o} : deux points de contrôle signés incompatibles (tailles {a} et {b})', '{o}: نقطتا مراقبة موقعتان متعارضتان (الحجمان {a} و{b})', '{o}: two incompatible signed checkpoints (sizes {a} and {b})'],
	'fed.checkBoth': ['Vérifier les deux signatures', 'التحقق من التوقيعين', 'Check both signatures'],
	'fed.bothSigned': ['Les deux notes sont signées par la clé du membre : l\'équivocation est prouvée.', 'الملاحظتان موقعتان بمفتاح العضو: الازدواجية ثابتة.', 'Both notes are signed by the member\'s key: the equivocation is proven.'],
	'fed.notBoth': ['Les deux notes ne sont pas toutes deux signées par la clé actuelle du membre.', 'الملاحظتان ليستا موقعتين معا بالمفتاح الحالي للعضو.', 'The two notes are not both signed by the member\'s current key.'],
	'fed.url': ['Adresse', 'العنوان', 'Address'],
	'fed.direction': ['Sens', 'الاتجاه', 'Direction'],
	'fed.in': ['entrant', 'وارد', 'inbound'],
	'fed.out': ['sortant', 'صادر', 'outbound'],
	'fed.state': ['État', 'الحالة', 'State'],
	'fed.since': ['Connecté depuis', 'متصل منذ', 'Connected since'],
	'fed.lag': ['Son journal ici', 'سجله هنا', 'Its log here'],
	'fed.traffic': ['Trames (reçues / envoyées)', 'الإطارات (مستقبلة / مرسلة)', 'Frames (in / out)'],
	'fed.queued': ['En attente', 'في الانتظار', 'Queued'],
	'fed.violations': ['Violations', 'المخالفات', 'Violations'],
	'fed.reconnects': ['Reconnexions', 'إعادة الاتصال', 'Reconnects'],
	'fed.error': ['Dernière erreur', 'آخر خطأ', 'Last error'],
	'fed.backoff': ['nouvel essai dans {s}', 'محاولة جديدة بعد {s}', 'retry in {s}'],
	'fed.registry': ['Autorité du réseau (registre)', 'سلطة الشبكة (السجل)', 'Network authority (registry)'],
	'fed.role': ['Rôle', 'الدور', 'Role'],
	'fed.state.ready': ['prêt', 'جاهز', 'ready'],
	'fed.state.backoff': ['attente', 'انتظار', 'backing off'],
	'fed.state.connecting': ['connexion', 'اتصال', 'connecting'],
	'fed.state.handshake': ['poignée de main', 'مصافحة', 'handshake'],
	'fed.state.closing': ['fermeture', 'إغلاق', 'closing'],
	'fed.state.standby': ['en réserve', 'احتياط', 'standby'],
	'fed.state.self': ['soi-même', 'نفسها', 'self'],
	'fed.state.refused': ['refusé', 'مرفوض', 'refused'],

	'e.title': ['Entrée n° {i} de {name}', 'المدخل رقم {i} من {name}', 'Entry #{i} of {name}'],
	'e.raw': ['Contenu (JSON canonique)', 'المحتوى (JSON قانوني)', 'Content (canonical JSON)'],
	'e.related': ['Engagement concerné', 'الالتزام المعني', 'Related commitment'],

	'unit.percent': ['%', '%', '%'],
	'colon': [' : ', ': ', ': '],
	'yes': ['oui', 'نعم', 'yes'],
	'no': ['non', 'لا', 'no'],
	// ---- access to information and petitions (pages/access.js) ----
	'nav.access': ['Accès à l\'information', 'الحصول على المعلومات', 'Access to information'],
	'acc.title': ['Accès à l\'information et pétitions', 'الحصول على المعلومات والعرائض', 'Access to information and petitions'],
	'acc.intro': ['Ce que chaque membre publie sur les demandes d\'accès à l\'information et les pétitions qu\'il reçoit : sa dernière valeur de chaque indicateur du catalogue national, face au délai que fixe la loi. Une valeur non publiée est indiquée comme telle, jamais comme zéro.', 'ما ينشره كل عضو عن طلبات الحصول على المعلومات والعرائض التي يتلقاها: آخر قيمة لكل مؤشر من الفهرس الوطني، مقارنة بالأجل الذي يحدده القانون. القيمة غير المنشورة تظهر كذلك، ولا تحتسب صفرا أبدا.', 'What each member publishes about the access-to-information requests and the petitions it receives: its latest value of each national catalog indicator, against the deadline the law sets. A value not published is shown as such, never as zero.'],
	'acc.law.ai': ['Loi 31-13 relative au droit d\'accès à l\'information', 'القانون 31.13 المتعلق بالحق في الحصول على المعلومات', 'Law 31-13 on the right of access to information'],
	'acc.law.ai.detail': ['toute personne peut demander une information ; l\'administration répond dans un délai de 20 jours ouvrables.', 'يحق لكل شخص طلب المعلومات؛ وتجيب الإدارة داخل أجل 20 يوم عمل.', 'anyone may request information; the administration answers within 20 working days.'],
	'acc.law.pe': ['Lois organiques 111-14, 112-14 et 113-14', 'القوانين التنظيمية 111.14 و112.14 و113.14', 'Organic laws 111-14, 112-14 and 113-14'],
	'acc.law.pe.detail': ['citoyennes, citoyens et associations peuvent présenter des pétitions au conseil de la région, de la préfecture ou province, et de la commune.', 'يحق للمواطنات والمواطنين والجمعيات تقديم عرائض إلى مجلس الجهة والعمالة أو الإقليم والجماعة.', 'citizens and associations may petition the council of the region, of the prefecture or province, and of the commune.'],
	'acc.ai': ['Demandes d\'accès à l\'information (loi 31-13)', 'طلبات الحصول على المعلومات (القانون 31.13)', 'Access-to-information requests (law 31-13)'],
	'acc.pe': ['Pétitions (lois organiques 111-14, 112-14, 113-14)', 'العرائض (القوانين التنظيمية 111.14 و112.14 و113.14)', 'Petitions (organic laws 111-14, 112-14, 113-14)'],
	'acc.missing': ['non publié', 'غير منشور', 'not published'],
	'acc.within': ['dans le délai légal ({d} jours)', 'داخل الأجل القانوني ({d} يوما)', 'within the legal deadline ({d} days)'],
	'acc.beyond': ['au-delà du délai légal ({d} jours)', 'خارج الأجل القانوني ({d} يوما)', 'beyond the legal deadline ({d} days)'],
	'acc.lawCol': ['Loi applicable', 'القانون المطبق', 'Applicable law'],
	'acc.lawOf': ['loi organique {l}', 'القانون التنظيمي {l}', 'organic law {l}'],
	'acc.period': ['Dernière période publiée : {p}', 'آخر فترة منشورة: {p}', 'Latest period published: {p}'],
	'acc.national': ['Comparer avec tous les membres', 'المقارنة مع جميع الأعضاء', 'Compare with every member'],
	'col.member': ['Membre', 'العضو', 'Member'],

	// ---- observers (pages/observer.js) ----
	'o.list': ['Observateurs de la société civile', 'ملاحظو المجتمع المدني', 'Civil-society observers'],
	'o.list.intro': ['Associations, instances consultatives, universités et presse admises par l\'autorité du réseau : chacune signe ses évaluations dans son propre journal.', 'جمعيات وهيئات استشارية وجامعات وصحافة قبلتها سلطة الشبكة: كل منها يوقع تقييماته في سجله الخاص.', 'Associations, consultative committees, universities and the press admitted by the network authority: each signs its assessments in its own log.'],
	'o.active': ['Actif', 'نشط', 'Active'],
	'o.signed': ['{n} entrées signées', '{n} مدخلات موقعة', '{n} signed entries'],
	'o.contact': ['Contacter l\'observateur', 'الاتصال بالملاحظ', 'Contact the observer'],
	'o.intro': ['Un observateur n\'est pas évalué : il évalue. Ce qu\'il publie est répliqué comme tout journal et s\'affiche à côté de ce que les conseils déclarent.', 'الملاحظ لا يُقيَّم بل يُقيِّم. ما ينشره يُنسخ مثل أي سجل ويظهر بجانب ما تصرح به المجالس.', 'An observer is not evaluated: it evaluates. What it publishes is replicated like any log and shown beside what councils report.'],
	'o.admitted': ['Admis le', 'تاريخ القبول', 'Admitted'],
	'o.published': ['Évaluations et rapports signés', 'التقييمات والتقارير الموقعة', 'Signed assessments and reports'],

	// ---- search (pages/search.js, the box of every page) ----
	's.label': ['Rechercher dans les programmes', 'البحث في البرامج', 'Search the programmes'],
	's.filters': ['Recherche et filtres', 'البحث والمرشحات', 'Search and filters'],
	's.placeholder': ['Rechercher…', 'بحث…', 'Search…'],
	's.go': ['Rechercher', 'بحث', 'Search'],
	's.title': ['Recherche', 'البحث', 'Search'],
	's.titleFor': ['Recherche : {q}', 'البحث: {q}', 'Search: {q}'],
	's.intro': ['Engagements, jalons, indicateurs et programmes de tous les journaux que ce nœud détient, en français, en arabe et en anglais. Les accents, les voyelles arabes (tachkil), la hamza et les formes de l\'alif ne comptent pas.', 'الالتزامات والمراحل والمؤشرات والبرامج في كل السجلات التي تتوفر عليها هذه العقدة، بالفرنسية والعربية والإنجليزية. لا تؤثر الحركات (التشكيل) ولا الهمزة ولا أشكال الألف.', 'Commitments, milestones, indicators and programmes of every log this node holds, in French, Arabic and English. Accents, Arabic diacritics (tashkeel), hamza and alef forms do not matter.'],
	's.words': ['Mots', 'الكلمات', 'Words'],
	's.member': ['Membre', 'العضو', 'Member'],
	's.principle': ['Principe', 'المبدأ', 'Principle'],
	's.kind': ['Type', 'النوع', 'Kind'],
	's.none': ['Saisissez un ou plusieurs mots', 'أدخل كلمة أو أكثر', 'Type one or more words'],
	's.hint': ['Chaque mot doit figurer ; un début de mot suffit (« budg » trouve « budgétaire »).', 'يجب أن ترد كل كلمة؛ ويكفي بداية الكلمة («ميزا» تجد «ميزانية»).', 'Every word must be found; the start of a word is enough ("budg" finds "budget").'],
	's.refused': ['Recherche impossible', 'تعذر البحث', 'Search not possible'],
	's.noresult': ['Aucun résultat pour « {q} »', 'لا نتائج لـ«{q}»', 'No result for "{q}"'],
	's.results': ['Résultats ({n})', 'النتائج ({n})', 'Results ({n})'],
	's.words.used': ['Mots cherchés (normalisés) :', 'الكلمات المبحوث عنها (بعد التوحيد):', 'Words searched (normalised):'],
	's.more': ['D\'autres résultats existent : ajoutez un mot ou un filtre.', 'توجد نتائج أخرى: أضف كلمة أو مرشحا.', 'There are more results: add a word or a filter.'],
	's.truncated': ['La recherche s\'est arrêtée avant la fin : ajoutez un mot.', 'توقف البحث قبل النهاية: أضف كلمة.', 'The search stopped before the end: add a word.'],
	'kindof.milestone': ['Jalon', 'مرحلة', 'Milestone'],

	// ---- feeds ----
	'feed.subscribe': ['S\'abonner (Atom)', 'الاشتراك (Atom)', 'Subscribe (Atom)'],

	// ---- indicator page, stories of targets and dates (pages/indicator.js, story.js) ----
	'i.none': ['Indicateur introuvable', 'المؤشر غير موجود', 'Indicator not found'],
	'i.code': ['Catalogue national {c}', 'الفهرس الوطني {c}', 'National catalog {c}'],
	'i.higher': ['plus haut = mieux', 'الأعلى أفضل', 'higher is better'],
	'i.lower': ['plus bas = mieux', 'الأدنى أفضل', 'lower is better'],
	'i.hiddenCount': ['{n} changement(s) de cible caché(s)', '{n} تغيير(ات) خفية للهدف', '{n} hidden target change(s)'],
	'i.noHidden': ['Aucun changement de cible caché', 'لا تغيير خفي للهدف', 'No hidden target change'],
	'i.chart': ['Cibles et mesures', 'الأهداف والقياسات', 'Targets and measurements'],
	'i.history': ['Historique des cibles', 'تاريخ الأهداف', 'Target history'],
	'i.history.intro': ['Chaque valeur qu\'une cible a eue, l\'entrée qui l\'a fixée, et si un amendement a déclaré le changement. Un changement qui rend la cible moins ambitieuse sans amendement est caché : il est marqué en rouge.', 'كل قيمة اتخذها هدف، والمدخل الذي حددها، وهل صرح تعديل بالتغيير. التغيير الذي يجعل الهدف أقل طموحا دون تعديل تغيير خفي: يظهر بالأحمر.', 'Every value a target had, the entry that set it, and whether an amendment declared the change. A change that makes a target less ambitious without an amendment is hidden: it is marked in red.'],
	'i.replaced': ['Cible remplacée (déclarée)', 'هدف مستبدل (مصرح به)', 'Replaced target (declared)'],
	'i.replacedHidden': ['Cible remplacée sans amendement', 'هدف مستبدل دون تعديل', 'Target replaced without an amendment'],
	'i.notargets': ['Aucune cible publiée.', 'لا أهداف منشورة.', 'No target published.'],
	'i.value': ['Valeur', 'القيمة', 'Value'],
	'i.change': ['Changement', 'التغيير', 'Change'],
	'i.how.initial': ['Première version', 'النسخة الأولى', 'First version'],
	'i.how.added': ['Ajoutée', 'مضافة', 'Added'],
	'i.how.version': ['Nouvelle version', 'نسخة جديدة', 'New version'],
	'i.how.amendment': ['Amendement', 'تعديل', 'Amendment'],
	'i.how.removed': ['Retirée', 'محذوفة', 'Removed'],
	'i.how.declared': ['Déclaré par un amendement', 'مصرح به بتعديل', 'Declared by an amendment'],
	'i.how.hidden': ['Changement caché', 'تغيير خفي', 'Hidden change'],
	'i.hiddenWhy': ['Modifié par une nouvelle version, sans amendement.', 'عُدل بنسخة جديدة دون تعديل مصرح به.', 'Changed by a new version, without an amendment.'],
	'i.seeFinding': ['Voir le constat d\'intégrité', 'عرض ملاحظة النزاهة', 'See the integrity finding'],
	'i.amendment': ['Amendement, entrée n° {n}', 'التعديل، المدخل رقم {n}', 'Amendment, entry #{n}'],
	'c.dateHistory': ['Historique des dates et des jalons', 'تاريخ الآجال والمراحل', 'Dates and milestones over time'],
	'c.dateHistory.intro': ['Chaque date de début, de fin et d\'échéance qu\'a eue l\'engagement. Une date repoussée sans amendement est un changement caché, marqué en rouge.', 'كل تاريخ بداية ونهاية وأجل عرفه الالتزام. التاريخ المؤجل دون تعديل تغيير خفي، يظهر بالأحمر.', 'Every start, end and due date the commitment had. A date pushed back without an amendment is a hidden change, marked in red.'],

	// ---- field names in the history (story.js fieldLabel) ----
	'field.id': ['Identifiant', 'المعرف', 'Identifier'],
	'field.programmeId': ['Programme', 'البرنامج', 'Programme'],
	'field.title': ['Intitulé', 'العنوان', 'Title'],
	'field.problem': ['Problème public', 'الإشكالية العمومية', 'Public problem'],
	'field.description': ['Description', 'الوصف', 'Description'],
	'field.principles': ['Principes', 'المبادئ', 'Principles'],
	'field.leadBody': ['Service responsable', 'المصلحة المسؤولة', 'Lead body'],
	'field.stakeholders': ['Parties prenantes', 'الأطراف المعنية', 'Stakeholders'],
	'field.startDate': ['Date de début', 'تاريخ البداية', 'Start date'],
	'field.endDate': ['Date de fin', 'تاريخ الانتهاء', 'End date'],
	'field.budgetMad': ['Budget prévu (MAD)', 'الميزانية المتوقعة (درهم)', 'Planned budget (MAD)'],
	'field.parentId': ['Engagement parent', 'الالتزام الأصل', 'Parent commitment'],
	'field.weight': ['Poids', 'الوزن', 'Weight'],
	'field.milestones': ['Jalons', 'المراحل', 'Milestones'],
	'field.dueDate': ['Échéance', 'الأجل', 'Due date'],
	'field.catalogCode': ['Code du catalogue', 'رمز الفهرس', 'Catalog code'],
	'field.commitmentId': ['Engagement', 'الالتزام', 'Commitment'],
	'field.unit': ['Unité', 'الوحدة', 'Unit'],
	'field.measure': ['Mesure', 'القياس', 'Measure'],
	'field.ascending': ['Plus haut = mieux', 'الأعلى أفضل', 'Higher is better'],
	'field.baselinePeriod': ['Période de référence', 'فترة المرجع', 'Baseline period'],
	'field.baselineValue': ['Valeur de référence', 'القيمة المرجعية', 'Baseline value'],
	'field.targets': ['Cibles', 'الأهداف', 'Targets'],
	'field.target': ['Cible {p}', 'هدف {p}', 'Target {p}'],
	'field.lang.fr': ['français', 'بالفرنسية', 'French'],
	'field.lang.ar': ['arabe', 'بالعربية', 'Arabic'],
	'field.lang.en': ['anglais', 'بالإنجليزية', 'English'],

	// ---- assessments (pages/commitment.js) ----
	'a.title': ['Évaluations', 'التقييمات', 'Assessments'],
	'a.intro': ['Ce que le conseil déclare, et ce qu\'en disent les observateurs de la société civile et d\'autres membres, chacun signé dans son propre journal. Le conseil n\'a pas à être d\'accord.', 'ما يصرح به المجلس، وما يقوله عنه ملاحظو المجتمع المدني وأعضاء آخرون، كل منهم موقع في سجله الخاص. لا يلزم أن يوافق المجلس.', 'What the council reports, and what civil-society observers and other members say of it, each signed in their own log. The council need not agree.'],
	'a.council': ['Avancement déclaré par le conseil :', 'التقدم الذي صرح به المجلس:', 'Progress reported by the council:'],
	'a.none': ['Aucune évaluation de cet engagement pour l\'instant.', 'لا يوجد أي تقييم لهذا الالتزام حتى الآن.', 'No assessment of this commitment yet.'],
	'a.own': ['Auto-évaluation du membre', 'تقييم ذاتي من العضو', 'The member\'s own assessment'],
	'a.observer': ['Observateur indépendant', 'ملاحظ مستقل', 'Independent observer'],
	'a.member': ['Autre membre du réseau', 'عضو آخر في الشبكة', 'Another network member'],
	'a.category.association': ['association', 'جمعية', 'association'],
	'a.category.committee': ['instance consultative', 'هيئة استشارية', 'consultative committee'],
	'a.category.university': ['université', 'جامعة', 'university'],
	'a.category.press': ['presse', 'صحافة', 'press'],
	'a.stance.agrees': ['Confirme l\'avancement déclaré', 'يؤكد التقدم المصرح به', 'Confirms the reported progress'],
	'a.stance.disputes': ['Conteste l\'avancement déclaré', 'يعترض على التقدم المصرح به', 'Disputes the reported progress'],
	'a.stance.more': ['Constate plus d\'avancement que déclaré', 'يلاحظ تقدما أكثر مما صُرح به', 'Finds more progress than reported'],
	'a.assessedLatest': ['Porte sur l\'entrée n° {n} du conseil (son dernier statut).', 'يخص المدخل رقم {n} للمجلس (آخر حالة).', 'Assesses the council\'s entry #{n} (its latest status).'],
	'a.assessedOlder': ['Porte sur l\'entrée n° {n} du conseil (une version antérieure).', 'يخص المدخل رقم {n} للمجلس (نسخة سابقة).', 'Assesses the council\'s entry #{n} (an earlier version).'],
	'a.signed': ['Signé, entrée n° {n}', 'موقع، المدخل رقم {n}', 'Signed, entry #{n}'],
	'a.reports': ['Rapports d\'observateurs sur les consultations', 'تقارير الملاحظين حول الاستشارات', 'Observers\' reports on consultations'],
	'a.effect.OPEN_GOV_EFFECT_UNSPECIFIED': ['non précisé', 'غير محدد', 'not given'],
	'a.effect.OPEN_GOV_EFFECT_DID_NOT_CHANGE': ['aucun changement', 'لا تغيير', 'did not change'],
	'a.effect.OPEN_GOV_EFFECT_MARGINAL': ['marginal', 'هامشي', 'marginal'],
	'a.effect.OPEN_GOV_EFFECT_MAJOR': ['majeur', 'كبير', 'major'],
	'a.effect.OPEN_GOV_EFFECT_OUTSTANDING': ['exceptionnel', 'استثنائي', 'outstanding'],
	'a.effect.OPEN_GOV_EFFECT_WORSENED': ['détérioration', 'تدهور', 'worsened'],

	'never': ['jamais', 'أبدا', 'never'],
	'none': ['—', '—', '—'],
};

let current = 'fr';
try {
	const saved = localStorage.getItem(KEY);
	if (LANGS.includes(saved)) current = saved;
} catch (e) { /* storage disabled: French */ }

export function lang() { return current; }
export function locale() { return LOCALES[current]; }
export function dir() { return current === 'ar' ? 'rtl' : 'ltr'; }

export function setLang(l) {
	if (!LANGS.includes(l)) return;
	current = l;
	try { localStorage.setItem(KEY, l); } catch (e) { /* not remembered */ }
}

// t('key', {var: value}) in the current language; the key itself when unknown.
export function t(key, vars) {
	const row = S[key];
	let s = row ? row[LANGS.indexOf(current)] || row[0] : key;
	if (vars) s = s.replace(/\{(\w+)\}/g, (m, v) => (v in vars ? String(vars[v]) : m));
	return s;
}

export function has(key) { return key in S; }

// Plurals by the language's own rules (Intl.PluralRules: Arabic has six forms).
const PLURALS = {
	'n.milestones': {
		fr: { one: '{n} jalon', other: '{n} jalons' },
		ar: { zero: '{n} مرحلة', one: 'مرحلة واحدة', two: 'مرحلتان', few: '{n} مراحل', many: '{n} مرحلة', other: '{n} مرحلة' },
		en: { one: '{n} milestone', other: '{n} milestones' },
	},
	'n.commitments': {
		fr: { one: '{n} engagement', other: '{n} engagements' },
		ar: { zero: '{n} التزام', one: 'التزام واحد', two: 'التزامان', few: '{n} التزامات', many: '{n} التزاما', other: '{n} التزام' },
		en: { one: '{n} commitment', other: '{n} commitments' },
	},
};

// tn('n.milestones', 1) → "1 jalon", "مرحلة واحدة", "1 milestone".
export function tn(key, n) {
	const forms = PLURALS[key] && PLURALS[key][current];
	if (!forms) return `${num(n)}`;
	const form = forms[new Intl.PluralRules(locale()).select(n)] || forms.other;
	return form.replace('{n}', num(n));
}


// A {fr, ar, en} text in the current language, with the language it is really in.
export function pick(text) {
	if (!text || typeof text !== 'object') return { s: typeof text === 'string' ? text : '', lang: '' };
	const order = current === 'ar' ? ['ar', 'fr', 'en'] : current === 'en' ? ['en', 'fr', 'ar'] : ['fr', 'en', 'ar'];
	for (const l of order) if (text[l]) return { s: text[l], lang: l };
	return { s: '', lang: '' };
}

const numCache = new Map();
function nf(opts) {
	const k = current + JSON.stringify(opts || {});
	let f = numCache.get(k);
	if (!f) { f = new Intl.NumberFormat(locale(), opts); numCache.set(k, f); }
	return f;
}

export function num(x, digits) {
	if (x === null || x === undefined || Number.isNaN(x)) return t('none');
	return nf(digits === undefined ? { maximumFractionDigits: 2 } : { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(x);
}

export function pct(x) {
	if (x === null || x === undefined) return t('none');
	return nf({ style: 'percent', maximumFractionDigits: 0 }).format(x / 100);
}

export function money(x) {
	if (x === null || x === undefined || x === '') return t('none');
	return nf({ style: 'currency', currency: 'MAD', maximumFractionDigits: 0 }).format(Number(x));
}

// "YYYY-MM-DD" (a calendar day, no time zone) or a full timestamp.
export function date(s) {
	if (!s) return t('none');
	const d = /^\d{4}-\d{2}-\d{2}$/.test(s) ? new Date(s + 'T12:00:00Z') : new Date(s);
	if (Number.isNaN(d.getTime())) return s;
	return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(d);
}

export function dateTime(s) {
	if (!s) return t('never');
	const d = new Date(s);
	if (Number.isNaN(d.getTime())) return s;
	return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function ago(s) {
	if (!s) return t('never');
	const d = new Date(s);
	if (Number.isNaN(d.getTime())) return s;
	const sec = Math.round((d.getTime() - Date.now()) / 1000);
	const rtf = new Intl.RelativeTimeFormat(locale(), { numeric: 'auto' });
	const a = Math.abs(sec);
	if (a < 60) return rtf.format(sec, 'second');
	if (a < 3600) return rtf.format(Math.round(sec / 60), 'minute');
	if (a < 86400) return rtf.format(Math.round(sec / 3600), 'hour');
	return rtf.format(Math.round(sec / 86400), 'day');
}

export function duration(ms) {
	const s = Math.max(0, Math.round(ms / 1000));
	return new Intl.NumberFormat(locale(), { style: 'unit', unit: 'second', unitDisplay: 'short' }).format(s);
}

// Periods "2024", "2024-Q3", "2024-05": as written in French and English; Arabic keeps them.
export function period(p) {
	if (!p) return t('none');
	const q = /^(\d{4})-Q([1-4])$/.exec(p);
	if (q) return current === 'ar' ? `الربع ${q[2]} ${q[1]}` : current === 'fr' ? `T${q[2]} ${q[1]}` : `Q${q[2]} ${q[1]}`;
	const m = /^(\d{4})-(\d{2})$/.exec(p);
	if (m) return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(`${p}-15T12:00:00Z`));
	return p;
}

// Sort key of a period: its last day.
export function periodEnd(p) {
	const y = /^(\d{4})$/.exec(p);
	if (y) return `${y[1]}-12-31`;
	const q = /^(\d{4})-Q([1-4])$/.exec(p);
	if (q) return `${q[1]}-${String(q[2] * 3).padStart(2, '0')}-31`;
	const m = /^(\d{4})-(\d{2})$/.exec(p);
	if (m) return `${m[1]}-${m[2]}-31`;
	return p || '';
}

// The 12 regions (HCP codes), for members whose region is not itself a member.
const REGIONS = {
	'01': ['Tanger-Tétouan-Al Hoceïma', 'طنجة تطوان الحسيمة'],
	'02': ['L\'Oriental', 'الشرق'],
	'03': ['Fès-Meknès', 'فاس مكناس'],
	'04': ['Rabat-Salé-Kénitra', 'الرباط سلا القنيطرة'],
	'05': ['Béni Mellal-Khénifra', 'بني ملال خنيفرة'],
	'06': ['Casablanca-Settat', 'الدار البيضاء سطات'],
	'07': ['Marrakech-Safi', 'مراكش آسفي'],
	'08': ['Drâa-Tafilalet', 'درعة تافيلالت'],
	'09': ['Souss-Massa', 'سوس ماسة'],
	'10': ['Guelmim-Oued Noun', 'كلميم واد نون'],
	'11': ['Laâyoune-Sakia El Hamra', 'العيون الساقية الحمراء'],
	'12': ['Dakhla-Oued Ed-Dahab', 'الداخلة وادي الذهب'],
};

export function regionName(code) {
	if (code === 'unknown') return t('region.unknown');
	const r = REGIONS[code];
	if (!r) return code || t('none');
	return current === 'ar' ? r[1] : r[0];
}
