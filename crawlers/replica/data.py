"""Reference tables of the replica: departments, communes, regions, employers, job titles.

Everything here is plain data built once at import. The generator picks from these tables;
the renderers never invent a fact, they only choose a wording for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from normalize.text import strip_accents

#: The 18 current regions, by short key.
REGIONS = {
    "ARA": "Auvergne-Rhône-Alpes", "BFC": "Bourgogne-Franche-Comté", "BRE": "Bretagne",
    "CVL": "Centre-Val de Loire", "COR": "Corse", "GES": "Grand Est", "HDF": "Hauts-de-France",
    "IDF": "Île-de-France", "NOR": "Normandie", "NAQ": "Nouvelle-Aquitaine", "OCC": "Occitanie",
    "PDL": "Pays de la Loire", "PAC": "Provence-Alpes-Côte d'Azur", "GUA": "Guadeloupe",
    "MTQ": "Martinique", "GUY": "Guyane", "REU": "La Réunion", "MAY": "Mayotte",
}


@dataclass(frozen=True)
class Commune:
    name: str          # properly capitalized, with accents
    postcode: str
    department_code: str


@dataclass(frozen=True)
class Department:
    code: str
    name: str          # canonical name ("Seine-Saint-Denis")
    card_label: str    # the label pep cards show (not always canonical)
    region: str        # full region name
    communes: tuple[Commune, ...]


# code, name, region key, then "Commune:postcode" entries (first one is the prefecture)
_DEPARTMENTS = """
01|Ain|ARA|Bourg-en-Bresse:01000|Oyonnax:01100
02|Aisne|HDF|Laon:02000|Saint-Quentin:02100
03|Allier|ARA|Moulins:03000|Montluçon:03100
04|Alpes-de-Haute-Provence|PAC|Digne-les-Bains:04000|Manosque:04100
05|Hautes-Alpes|PAC|Gap:05000|Briançon:05100
06|Alpes-Maritimes|PAC|Nice:06000|Cannes:06400|Sophia Antipolis:06560
07|Ardèche|ARA|Privas:07000|Annonay:07100
08|Ardennes|GES|Charleville-Mézières:08000|Sedan:08200
09|Ariège|OCC|Foix:09000|Pamiers:09100
10|Aube|GES|Troyes:10000
11|Aude|OCC|Carcassonne:11000|Narbonne:11100
12|Aveyron|OCC|Rodez:12000|Millau:12100
13|Bouches-du-Rhône|PAC|Marseille:13001|Aix-en-Provence:13100|Arles:13200
14|Calvados|NOR|Caen:14000|Lisieux:14100
15|Cantal|ARA|Aurillac:15000
16|Charente|NAQ|Angoulême:16000|Cognac:16100
17|Charente-Maritime|NAQ|La Rochelle:17000|Rochefort:17300
18|Cher|CVL|Bourges:18000|Vierzon:18100
19|Corrèze|NAQ|Tulle:19000|Brive-la-Gaillarde:19100
2A|Corse-du-Sud|COR|Ajaccio:20000|Porto-Vecchio:20137
2B|Haute-Corse|COR|Bastia:20200|Corte:20250
21|Côte-d'Or|BFC|Dijon:21000|Beaune:21200
22|Côtes-d'Armor|BRE|Saint-Brieuc:22000|Lannion:22300
23|Creuse|NAQ|Guéret:23000
24|Dordogne|NAQ|Périgueux:24000|Bergerac:24100
25|Doubs|BFC|Besançon:25000|Montbéliard:25200
26|Drôme|ARA|Valence:26000|Montélimar:26200
27|Eure|NOR|Évreux:27000|Vernon:27200
28|Eure-et-Loir|CVL|Chartres:28000|Dreux:28100
29|Finistère|BRE|Quimper:29000|Brest:29200
30|Gard|OCC|Nîmes:30000|Alès:30100
31|Haute-Garonne|OCC|Toulouse:31000|Blagnac:31700
32|Gers|OCC|Auch:32000
33|Gironde|NAQ|Bordeaux:33000|Mérignac:33700|Pessac:33600
34|Hérault|OCC|Montpellier:34000|Béziers:34500|Sète:34200
35|Ille-et-Vilaine|BRE|Rennes:35000|Saint-Malo:35400|Bruz:35170
36|Indre|CVL|Châteauroux:36000
37|Indre-et-Loire|CVL|Tours:37000|Joué-lès-Tours:37300
38|Isère|ARA|Grenoble:38000|Vienne:38200|Échirolles:38130
39|Jura|BFC|Lons-le-Saunier:39000|Dole:39100
40|Landes|NAQ|Mont-de-Marsan:40000|Dax:40100
41|Loir-et-Cher|CVL|Blois:41000
42|Loire|ARA|Saint-Étienne:42000|Roanne:42300
43|Haute-Loire|ARA|Le Puy-en-Velay:43000
44|Loire-Atlantique|PDL|Nantes:44000|Saint-Nazaire:44600
45|Loiret|CVL|Orléans:45000|Montargis:45200
46|Lot|OCC|Cahors:46000
47|Lot-et-Garonne|NAQ|Agen:47000
48|Lozère|OCC|Mende:48000
49|Maine-et-Loire|PDL|Angers:49000|Cholet:49300
50|Manche|NOR|Saint-Lô:50000|Cherbourg-en-Cotentin:50100
51|Marne|GES|Châlons-en-Champagne:51000|Reims:51100
52|Haute-Marne|GES|Chaumont:52000
53|Mayenne|PDL|Laval:53000
54|Meurthe-et-Moselle|GES|Nancy:54000|Vandœuvre-lès-Nancy:54500
55|Meuse|GES|Bar-le-Duc:55000|Verdun:55100
56|Morbihan|BRE|Vannes:56000|Lorient:56100
57|Moselle|GES|Metz:57000|Thionville:57100
58|Nièvre|BFC|Nevers:58000
59|Nord|HDF|Lille:59000|Roubaix:59100|Villeneuve-d'Ascq:59650
60|Oise|HDF|Beauvais:60000|Compiègne:60200
61|Orne|NOR|Alençon:61000
62|Pas-de-Calais|HDF|Arras:62000|Calais:62100
63|Puy-de-Dôme|ARA|Clermont-Ferrand:63000|Riom:63200
64|Pyrénées-Atlantiques|NAQ|Pau:64000|Bayonne:64100
65|Hautes-Pyrénées|OCC|Tarbes:65000
66|Pyrénées-Orientales|OCC|Perpignan:66000
67|Bas-Rhin|GES|Strasbourg:67000|Haguenau:67500
68|Haut-Rhin|GES|Colmar:68000|Mulhouse:68100
69|Rhône|ARA|Lyon:69003|Villeurbanne:69100|Vénissieux:69200
70|Haute-Saône|BFC|Vesoul:70000
71|Saône-et-Loire|BFC|Mâcon:71000|Chalon-sur-Saône:71100
72|Sarthe|PDL|Le Mans:72000
73|Savoie|ARA|Chambéry:73000
74|Haute-Savoie|ARA|Annecy:74000|Annemasse:74100
75|Paris|IDF|Paris:75007|Paris:75013|Paris:75015
76|Seine-Maritime|NOR|Rouen:76000|Le Havre:76600
77|Seine-et-Marne|IDF|Melun:77000|Lognes:77185|Meaux:77100
78|Yvelines|IDF|Versailles:78000|Guyancourt:78280
79|Deux-Sèvres|NAQ|Niort:79000
80|Somme|HDF|Amiens:80000|Abbeville:80100
81|Tarn|OCC|Albi:81000|Castres:81100
82|Tarn-et-Garonne|OCC|Montauban:82000
83|Var|PAC|Toulon:83000|Hyères:83400
84|Vaucluse|PAC|Avignon:84000|Carpentras:84200
85|Vendée|PDL|La Roche-sur-Yon:85000
86|Vienne|NAQ|Poitiers:86000|Châtellerault:86100
87|Haute-Vienne|NAQ|Limoges:87000
88|Vosges|GES|Épinal:88000
89|Yonne|BFC|Auxerre:89000|Sens:89100
90|Territoire de Belfort|BFC|Belfort:90000
91|Essonne|IDF|Évry-Courcouronnes:91000|Massy:91300|Palaiseau:91120
92|Hauts-de-Seine|IDF|Nanterre:92000|Malakoff:92240|Issy-les-Moulineaux:92130|Montrouge:92120
93|Seine-Saint-Denis|IDF|Bobigny:93000|Saint-Denis:93200|Montreuil:93100
94|Val-de-Marne|IDF|Créteil:94000|Saint-Mandé:94160|Ivry-sur-Seine:94200
95|Val-d'Oise|IDF|Cergy:95000|Argenteuil:95100
971|Guadeloupe|GUA|Basse-Terre:97100|Les Abymes:97139|Pointe-à-Pitre:97110
972|Martinique|MTQ|Fort-de-France:97200|Le Lamentin:97232
973|Guyane|GUY|Cayenne:97300|Kourou:97310
974|La Réunion|REU|Saint-Denis:97400|Saint-Pierre:97410|Le Port:97420
976|Mayotte|MAY|Mamoudzou:97600|Dzaoudzi:97615
"""

#: pep card labels that are not the canonical department names (as observed)
_CARD_LABELS = {"64": "Pyrénées Atlantiques", "93": "Seine Saint Denis", "2A": "Corse du Sud",
                "21": "Cote d'Or", "95": "Val d'Oise"}


def _parse_departments() -> dict[str, Department]:
    out: dict[str, Department] = {}
    for line in _DEPARTMENTS.strip().splitlines():
        code, name, region, *communes = line.split("|")
        out[code] = Department(
            code=code, name=name, card_label=_CARD_LABELS.get(code, name), region=REGIONS[region],
            communes=tuple(Commune(c.split(":")[0], c.split(":")[1], code) for c in communes),
        )
    return out


DEPARTMENTS: dict[str, Department] = _parse_departments()
DEPARTMENT_CODES: tuple[str, ...] = tuple(DEPARTMENTS)
assert len(DEPARTMENTS) == 101

#: street names for full addresses
STREETS = ("RUE DE LA RÉPUBLIQUE", "AVENUE DU GÉNÉRAL DE GAULLE", "BOULEVARD DE STALINGRAD",
           "RUE GARIBALDI", "PLACE DE LA PRÉFECTURE", "RUE NATIONALE", "AVENUE JEAN JAURÈS",
           "RUE VICTOR HUGO", "QUAI DES ÉTATS-UNIS", "RUE DU CHÂTEAU", "ALLÉE DES TOPAZES",
           "COURS NAPOLÉON", "RUE PASTEUR", "BOULEVARD GAMBETTA")


@dataclass(frozen=True)
class Employer:
    """An employer as its sources publish it.

    ``kind`` is the versant; ``ministry`` what a ministry source would state as the parent
    (None: none stated); ``pep_category`` the collective name pep shows for territorial ones;
    ``places`` the communes where it recruits; ``acronym`` builds references and slugs.
    ``aliases`` are the other names sources give the same employer: its acronym alone
    ("DINUM"), its name without the acronym, "Académie de Lyon" for "Rectorat de l'académie
    de Lyon", "Mairie de Brest" for "Ville de Brest"… (:attr:`names` lists them all, the
    canonical name first).
    """

    name: str
    kind: str
    ministry: str | None
    acronym: str
    places: tuple[Commune, ...]
    pep_category: str | None = None
    education: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _c(dept: str, name: str | None = None, *, postcode: str | None = None) -> Commune:
    """A commune of ``dept``: its prefecture, the one named ``name``, or the one at ``postcode``
    (Paris has three entries, one per arrondissement a State service sits in)."""
    d = DEPARTMENTS[dept]
    if postcode is not None:
        return next(c for c in d.communes if c.postcode == postcode)
    if name is None:
        return d.communes[0]
    return next(c for c in d.communes if c.name == name)


_TRAILING_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<acronym>[^()]+)\)$")


def _state(name: str, ministry: str | None, code: str, places: tuple[Commune, ...], *,
           aliases: tuple[str, ...] | None = None, education: bool = False) -> Employer:
    """A State employer; "Long name (ACR)" is also published as "ACR" and as "Long name"."""
    if aliases is None:
        match = _TRAILING_ACRONYM.match(name)
        aliases = (match.group("acronym"), match.group("name")) if match else ()
    return Employer(name, "etat", ministry, code, places, education=education, aliases=aliases)


PM = "Services du Premier ministre"
ECO = "Ministère de l'Économie, des Finances et de la Souveraineté industrielle et numérique"
INT = "Ministère de l'Intérieur et des Outre-mer"
EDU = "Ministère de l'Éducation nationale"
ARM = "Ministère des Armées"
TE = "Ministère de la Transition écologique et de la Cohésion des territoires"
SOC = "Ministère du Travail, de la Santé et des Solidarités"
JUS = "Ministère de la Justice"
AGRI = "Ministère de l'Agriculture et de la Souveraineté alimentaire"
CULT = "Ministère de la Culture"
MEAE = "Ministère de l'Europe et des Affaires étrangères"
ESR = "Ministère de l'Enseignement supérieur et de la Recherche"

#: ministries' directorates and agencies: they publish on pep and on their own career site
_CENTRAL: tuple[Employer, ...] = (
    _state("Direction interministérielle du numérique (DINUM)", PM, "DINUM", (_c("75", "Paris"),)),
    _state("Agence nationale de la sécurité des systèmes d'information (ANSSI)", PM, "ANSSI",
           (_c("75"), _c("35", "Rennes"))),
    _state("Direction de l'information légale et administrative (DILA)", PM, "DILA", (_c("75", postcode="75015"),)),
    _state("Secrétariat général du Gouvernement (SGG)", PM, "SGG", (_c("75"),)),
    _state("Direction interministérielle de la transformation publique (DITP)", PM, "DITP", (_c("75"),)),
    _state("Direction générale des Finances publiques (DGFiP)", ECO, "DGFIP",
           (_c("93", "Montreuil"), _c("33"), _c("59"), _c("31"), _c("44"), _c("67"), _c("69", "Lyon"), _c("13"),
            _c("35", "Rennes"), _c("54"), _c("76", "Rouen"), _c("21"))),
    _state("Institut national de la statistique et des études économiques (INSEE)", ECO, "INSEE",
           (_c("92", "Montrouge"), _c("69", "Lyon"), _c("57"), _c("44"), _c("59"), _c("13"))),
    _state("Direction générale des douanes et droits indirects (DGDDI)", ECO, "DGDDI",
           (_c("93", "Montreuil"), _c("76", "Rouen"), _c("13"))),
    _state("Direction générale de la concurrence, de la consommation et de la répression des fraudes (DGCCRF)",
           ECO, "DGCCRF", (_c("75"),)),
    _state("Direction générale des entreprises (DGE)", ECO, "DGE", (_c("75"),)),
    _state("Agence pour l'informatique financière de l'État (AIFE)", ECO, "AIFE", (_c("93", "Montreuil"),)),
    _state("Institut national de la propriété industrielle (INPI)", ECO, "INPI", (_c("92", "Nanterre"), _c("69", "Lyon"))),
    _state("Direction du numérique du ministère de l'Intérieur (DNUM)", INT, "DNUM", (_c("75"), _c("77", "Lognes")),
           aliases=("DNUM", "Direction du numérique (DNUM)", "Ministère de l'Intérieur – Direction du numérique")),
    _state("Agence nationale des titres sécurisés (ANTS)", INT, "ANTS", (_c("08"),)),
    _state("Direction générale de la gendarmerie nationale (DGGN)", INT, "DGGN", (_c("92", "Issy-les-Moulineaux"),)),
    _state("Direction générale de la police nationale (DGPN)", INT, "DGPN", (_c("75"),)),
    _state("Préfecture de police (PP)", INT, "PREFPOL", (_c("75"),)),
    _state("Agence du numérique de la sécurité civile (ANSC)", INT, "ANSC", (_c("75"), _c("13", "Aix-en-Provence"))),
    _state("Direction générale des étrangers en France (DGEF)", INT, "DGEF", (_c("75"),)),
    _state("Direction générale de l'armement (DGA)", ARM, "DGA", (_c("35", "Bruz"), _c("91", "Palaiseau"))),
    _state("Direction interarmées des réseaux d'infrastructure et des systèmes d'information (DIRISI)",
           ARM, "DIRISI", (_c("75"), _c("57"), _c("83"), _c("33"), _c("35", "Rennes"))),
    _state("Commandement de la cyberdéfense (COMCYBER)", ARM, "COMCYBER", (_c("35", "Rennes"), _c("75"))),
    _state("Direction du renseignement et de la sécurité de la Défense (DRSD)", ARM, "DRSD", (_c("92", "Malakoff"),)),
    _state("Service du commissariat des armées (SCA)", ARM, "SCA", (_c("29", "Brest"), _c("83"))),
    _state("Agence du numérique de défense (AND)", ARM, "AND", (_c("75", postcode="75015"),)),
    _state("Météo-France", TE, "METEO", (_c("31"),)),
    _state("Institut national de l'information géographique et forestière (IGN)", TE, "IGN",
           (_c("94", "Saint-Mandé"),)),
    _state("Direction générale de l'aviation civile (DGAC)", TE, "DGAC", (_c("75", postcode="75015"), _c("31", "Blagnac"))),
    _state("Agence nationale de la cohésion des territoires (ANCT)", TE, "ANCT", (_c("75"),)),
    _state("Office français de la biodiversité (OFB)", TE, "OFB", (_c("94", "Saint-Mandé"), _c("34"))),
    _state("Direction du numérique des ministères sociaux (DNUM)", SOC, "DNUMSOC", (_c("75", "Paris"),),
           aliases=("DNUM", "Ministères sociaux – Direction du numérique")),
    _state("Direction générale de la santé (DGS)", SOC, "DGS", (_c("75"),)),
    _state("Agence du numérique en santé (ANS)", SOC, "ANS", (_c("75"),)),
    _state("Secrétariat général du ministère de la Justice - Service du numérique (SNUM)", JUS, "SNUM",
           (_c("75"), _c("44")), aliases=("SNUM", "Service du numérique du ministère de la Justice")),
    _state("Direction de l'administration pénitentiaire (DAP)", JUS, "DAP", (_c("75"),)),
    _state("Direction de la protection judiciaire de la jeunesse (DPJJ)", JUS, "DPJJ", (_c("75"),)),
    _state("Agence nationale des techniques d'enquêtes numériques judiciaires (ANTENJ)", JUS, "ANTENJ",
           (_c("75"), _c("33"))),
    _state("Direction générale de l'alimentation (DGAL)", AGRI, "DGAL", (_c("75"),)),
    _state("Agence de services et de paiement (ASP)", AGRI, "ASP", (_c("87"), _c("57"))),
    _state("FranceAgriMer", AGRI, "FAM", (_c("93", "Montreuil"),)),
    _state("Ministère de la Culture – Département des systèmes d'information", CULT, "CULTSI", (_c("75"),),
           aliases=("Ministère de la Culture",)),
    _state("Bibliothèque nationale de France (BnF)", CULT, "BNF", (_c("75", postcode="75013"),)),
    _state("Ministère de l'Europe et des Affaires étrangères", MEAE, "MEAE", (_c("75"), _c("44")),
           aliases=("MEAE", "Ministère de l'Europe et des Affaires étrangères – Direction du numérique")),
    _state("Université de Bordeaux", ESR, "UBX", (_c("33"), _c("33", "Pessac"))),
    _state("Université Grenoble Alpes (UGA)", ESR, "UGA", (_c("38"),)),
    _state("Université de Strasbourg", ESR, "UNISTRA", (_c("67"),)),
    _state("Aix-Marseille Université (AMU)", ESR, "AMU", (_c("13"), _c("13", "Aix-en-Provence"))),
    _state("Nantes Université", ESR, "NU", (_c("44"),)),
    _state("Université de Lille", ESR, "ULILLE", (_c("59"), _c("59", "Villeneuve-d'Ascq"))),
    _state("Université de Rennes", ESR, "URENNES", (_c("35", "Rennes"),)),
    _state("Université de Montpellier", ESR, "UM", (_c("34"),)),
    _state("Cour des comptes", None, "CCOMPTES", (_c("75"),)),
    _state("Commission nationale de l'informatique et des libertés (CNIL)", None, "CNIL", (_c("75"),)),
    _state("Direction du numérique pour l'éducation (DNE)", EDU, "DNE", (_c("75"),), education=True),
)

#: the State's services in the departments (prefectures' common secretariats, territories' directorates)
_DEPARTMENTAL_SERVICES = ("69", "33", "13", "59", "31", "44", "67", "35", "2A", "2B", "63", "973", "974", "57", "76")


def _departmental() -> tuple[Employer, ...]:
    out = []
    for code in _DEPARTMENTAL_SERVICES:
        dept = DEPARTMENTS[code]
        article = _article(dept.name)
        out.append(_state(f"Secrétariat général commun départemental {article}{dept.name} (SGCD {code})", INT,
                          f"SGCD{code}", (dept.communes[0],)))
        out.append(_state(f"Direction départementale des territoires {article}{dept.name} (DDT {code})", TE,
                          f"DDT{code}", (dept.communes[0],)))
    return tuple(out)


#: the 30 académies: (name as in "académie de …", rectorat commune)
_ACADEMIES = (
    ("d'Aix-Marseille", _c("13", "Aix-en-Provence")), ("d'Amiens", _c("80")), ("de Besançon", _c("25")),
    ("de Bordeaux", _c("33")), ("de Clermont-Ferrand", _c("63")), ("de Corse", _c("2A")), ("de Créteil", _c("94")),
    ("de Dijon", _c("21")), ("de Grenoble", _c("38")), ("de la Guadeloupe", _c("971", "Les Abymes")),
    ("de la Guyane", _c("973")), ("de Lille", _c("59")), ("de Limoges", _c("87")), ("de Lyon", _c("69", "Lyon")),
    ("de la Martinique", _c("972")), ("de Mayotte", _c("976")), ("de Montpellier", _c("34")),
    ("de Nancy-Metz", _c("54")), ("de Nantes", _c("44")), ("de Nice", _c("06")), ("de Normandie", _c("14")),
    ("d'Orléans-Tours", _c("45")), ("de Paris", _c("75", "Paris")), ("de Poitiers", _c("86")), ("de Reims", _c("51", "Reims")),
    ("de Rennes", _c("35", "Rennes")), ("de La Réunion", _c("974")), ("de Strasbourg", _c("67")),
    ("de Toulouse", _c("31")), ("de Versailles", _c("78")),
)


def _academies() -> tuple[Employer, ...]:
    """Each rectorat, named three ways: "Rectorat de l'académie de Lyon", "Académie de Lyon",
    "Académie de Lyon – Direction des systèmes d'information" (the education platform's style)."""
    out = []
    for of, seat in _ACADEMIES:
        short = f"Académie {of}"
        place = of.split("'", 1)[1] if of.startswith("d'") else of.removeprefix("de la ").removeprefix("de ")
        code = "AC" + "".join(ch for ch in strip_accents(place) if ch.isalpha()).upper()[:8]
        out.append(_state(f"Rectorat de l'académie {of}", EDU, code, (seat,), education=True,
                          aliases=(short, f"{short} – Direction des systèmes d'information")))
    return tuple(out)


def _article(name: str) -> str:
    """"de la ", "de l'", "du " or "des " before a department's name."""
    if name.startswith(("Bouches", "Hauts", "Hautes-", "Alpes", "Côtes", "Deux", "Pyrénées", "Yvelines", "Landes",
                        "Ardennes", "Vosges")):
        return "des "
    if name.startswith(("La ", "Mayotte", "Paris")):
        return "de "
    if name.startswith(("Haute-", "Loire", "Gironde", "Manche", "Marne", "Meuse", "Moselle", "Nièvre", "Sarthe",
                        "Savoie", "Somme", "Vienne", "Creuse", "Charente", "Corrèze", "Dordogne", "Drôme", "Mayenne",
                        "Vendée", "Seine", "Corse", "Côte-", "Guyane", "Martinique", "Guadeloupe")):
        return "de la "
    if name[0] in "AEIOUYÉÈ":
        return "de l'"
    return "du "


STATE_EMPLOYERS: tuple[Employer, ...] = _CENTRAL + _departmental() + _academies()


_TERRITORIAL_ALIASES = (
    # canonical prefix → the other ways the same collectivity is named
    ("Ville de ", ("Mairie de ", "Commune de ")),
    ("Département ", ("Conseil départemental ",)),
    ("Communauté d'agglomération de ", ("Agglomération de ",)),
    ("CCAS de ", ("Centre communal d'action sociale de ",)),
    ("Région ", ("Conseil régional ",)),
)


def _local_aliases(name: str) -> tuple[str, ...]:
    for prefix, others in _TERRITORIAL_ALIASES:
        if name.startswith(prefix):
            rest = name[len(prefix):]
            return tuple(other + rest for other in others)
    if name.endswith(" Métropole"):
        return (f"Métropole de {name.removesuffix(' Métropole')}",)
    return ()


def _territorial() -> tuple[Employer, ...]:
    out: list[Employer] = []

    def add(name: str, kind: str, code: str, places: tuple[Commune, ...], category: str | None = None) -> None:
        out.append(Employer(name, kind, None, code, places, category,
                            aliases=_local_aliases(name) if kind == "territoriale" else ()))

    for code, dept in DEPARTMENTS.items():
        main = dept.communes[0]
        add(f"Ville de {main.name}", "territoriale", f"V{code}", (main,), "Communes")
        if len(dept.communes) > 1:
            other = dept.communes[1]
            add(f"Ville de {other.name}", "territoriale", f"W{code}", (other,), "Communes")
        if code not in ("75", "971", "972", "973", "974", "976"):
            add(f"Département {_article(dept.name)}{dept.name}", "territoriale", f"D{code}", (main,), "Conseils départementaux")
            add(f"Communauté d'agglomération de {main.name}", "territoriale", f"CA{code}", (main,), "Intercommunalités")
        add(f"CCAS de {main.name}", "territoriale", f"CCAS{code}", (main,), "Etablissements publics locaux")
        add(f"Centre hospitalier de {main.name}", "hospitaliere", f"CH{code}", (main,))
    for key, region in REGIONS.items():
        seat = next(d.communes[0] for d in DEPARTMENTS.values() if d.region == region)
        add(f"Région {region}", "territoriale", f"R{key}", (seat,), "Conseils régionaux")
    for city, dept in (("Lyon", "69"), ("Nantes", "44"), ("Bordeaux", "33"), ("Rennes", "35"), ("Grenoble", "38")):
        commune = DEPARTMENTS[dept].communes[0]
        add(f"Métropole de {city}" if city == "Lyon" else f"{city} Métropole", "territoriale", f"M{dept}",
            (commune,), "Intercommunalités")
    for city, dept in (("Lille", "59"), ("Toulouse", "31"), ("Montpellier", "34"), ("Nancy", "54")):
        add(f"Centre hospitalier universitaire de {city}", "hospitaliere", f"CHU{dept}", (DEPARTMENTS[dept].communes[0],))
    add("Centre hospitalier universitaire de La Réunion", "hospitaliere", "CHU974", (_c("974"),))
    add("Assistance publique – Hôpitaux de Paris (AP-HP)", "hospitaliere", "APHP", (_c("75", "Paris"),))
    return tuple(out)


LOCAL_EMPLOYERS: tuple[Employer, ...] = _territorial()
TERRITORIAL_EMPLOYERS = tuple(e for e in LOCAL_EMPLOYERS if e.kind == "territoriale")
HOSPITAL_EMPLOYERS = tuple(e for e in LOCAL_EMPLOYERS if e.kind == "hospitaliere")
EDUCATION_EMPLOYERS = tuple(e for e in STATE_EMPLOYERS if e.education)

#: communes whose place wordings trip normalizers up ("Ajaccio (2A)", "Basse-Terre (971)", the two
#: Saint-Denis, "PARIS 15", "Lyon 3e Arrondissement"), in the order the feed takes them (round robin:
#: Paris three times, for "Paris (75)", "75 - Paris" and "PARIS 7"; Lyon twice)
TRICKY_COMMUNES: tuple[tuple[str, str], ...] = (
    ("Paris", "75"), ("Lyon", "69"), ("Ajaccio", "2A"), ("Saint-Denis", "93"), ("Paris", "75"),
    ("Basse-Terre", "971"), ("Saint-Denis", "974"), ("Lyon", "69"), ("Paris", "75"))
#: the territorial employers recruiting at each of :data:`TRICKY_COMMUNES`
TRICKY_PLACE_EMPLOYERS: dict[tuple[str, str], tuple[Employer, ...]] = {
    key: tuple(e for e in TERRITORIAL_EMPLOYERS if any((c.name, c.department_code) == key for c in e.places))
    for key in TRICKY_COMMUNES}
assert all(TRICKY_PLACE_EMPLOYERS.values())
#: how many departments each region has (a bare region names one place only overseas)
REGION_SIZES: dict[str, int] = {r: sum(d.region == r for d in DEPARTMENTS.values()) for r in REGIONS.values()}
#: the cities divided into municipal arrondissements (numbered by the postcode's last two digits)
ARRONDISSEMENT_CITIES = frozenset({"Paris", "Lyon", "Marseille"})
#: overseas departments' time zones: their sites write local timestamps (a Paris date may differ)
OVERSEAS_TIMEZONES = {"971": "America/Guadeloupe", "972": "America/Martinique", "973": "America/Cayenne",
                      "974": "Indian/Reunion", "976": "Indian/Mayotte"}


@dataclass(frozen=True)
class JobTitle:
    """A job title (the catalogue form: no gender marker), its family and pep's official métier."""

    title: str
    family: str | None         # None: not a digital job
    metier: str
    domain: str = "Informatique"      # feed category / api job_family label


_TITLES = """
developpement|Développeur back-end Python|Développeuse / Développeur
developpement|Développeur full stack Java / Angular|Développeuse / Développeur
developpement|Développeur web PHP / Symfony|Développeuse / Développeur
developpement|Développeur front-end React|Développeuse / Développeur
developpement|Développeur mobile iOS / Android|Développeuse / Développeur
developpement|Ingénieur logiciel|Développeuse / Développeur
developpement|Développeur web Drupal|Développeuse / Développeur
data|Data engineer|Data engineer
data|Data scientist|Data scientist
data|Data analyst|Data analyst
data|Chargé d'études statistiques et data|Data analyst
data|Administrateur de bases de données|Administratrice / Administrateur de bases de données
cybersecurite|Responsable de la sécurité des systèmes d'information (RSSI)|Responsable Sécurité des Systèmes d'Information - RSSI
cybersecurite|Analyste SOC|Analyste en cybersécurité
cybersecurite|Ingénieur cybersécurité|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Auditeur sécurité des systèmes d'information|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Adjoint au RSSI|Responsable Sécurité des Systèmes d'Information - RSSI
infrastructure|Administrateur systèmes et réseaux|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur systèmes Linux|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur DevOps|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur cloud et conteneurs|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur réseaux et télécommunications|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur de production|Ingénieure / Ingénieur de production
produit_projet|Chef de projet informatique|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet SI décisionnel|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet applications métiers|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Product Owner|Product Owner
produit_projet|Chef de projet maîtrise d'ouvrage|Cheffe / Chef de projet maitrise d'ouvrage SI
architecture|Architecte technique|Architecte technique
architecture|Architecte logiciel|Architecte applicatif
architecture|Urbaniste des systèmes d'information|Urbaniste des systèmes d'information
architecture|Architecte cloud|Architecte technique
design|Designer UX/UI|Designer
design|UX designer|Designer
design|Designer de services numériques|Designer
support|Technicien support utilisateurs|Technicienne / Technicien support utilisateurs
support|Technicien informatique de proximité|Technicienne / Technicien support utilisateurs
support|Gestionnaire de parc informatique|Technicienne / Technicien support utilisateurs
support|Technicien de proximité informatique|Technicienne / Technicien support utilisateurs
autre_numerique|Directeur des systèmes d'information|Directrice / Directeur des systèmes d'information
autre_numerique|Chargé de mission transformation numérique|Chargée / Chargé de transformation numérique
autre_numerique|Responsable du pôle numérique|Directrice / Directeur des systèmes d'information
"""

_NON_DIGITAL = """
Infirmier / Infirmière en EHPAD|Médico-social|Santé et social
Professeur contractuel de mathématiques|Enseignement|Enseignement
Comptable – gestionnaire budgétaire et financier|Finances|Finances
Jardinier|Espaces verts|Espaces verts
Agent des espaces verts|Espaces verts|Espaces verts
Technicien de maintenance des bâtiments|Bâtiment et patrimoine|Patrimoine immobilier
Accompagnant d'élèves en situation de handicap (AESH)|Éducation|Inclusion scolaire
Gestionnaire ressources humaines carrière et paie|Ressources humaines|Ressources humaines
Auxiliaire de puériculture|Petite enfance|Santé et social
Agent d'entretien des locaux|Entretien|Logistique
Assistant de gestion administrative|Administration générale|Administration
Infirmier / Infirmière de l'Éducation nationale|Médico-social|Santé et social
"""

#: specialised titles (a language, a domain, a level): real offers are rarely as generic as
#: the titles above, and the more offers, the more specialities appear (the generator draws
#: from both tables, see :data:`JOB_TITLES`)
_SPECIALISED = """
developpement|Développeur Java|Développeuse / Développeur
developpement|Développeur Python|Développeuse / Développeur
developpement|Développeur PHP|Développeuse / Développeur
developpement|Développeur .NET / C#|Développeuse / Développeur
developpement|Développeur JavaScript / TypeScript|Développeuse / Développeur
developpement|Développeur Go|Développeuse / Développeur
developpement|Développeur back-end Java / Spring|Développeuse / Développeur
developpement|Développeur full stack Python / Vue.js|Développeuse / Développeur
developpement|Développeur front-end Angular|Développeuse / Développeur
developpement|Développeur front-end Vue.js|Développeuse / Développeur
developpement|Développeur mobile Flutter|Développeuse / Développeur
developpement|Développeur web WordPress|Développeuse / Développeur
developpement|Développeur Symfony|Développeuse / Développeur
developpement|Ingénieur logiciel embarqué|Développeuse / Développeur
developpement|Ingénieur études et développement|Développeuse / Développeur
developpement|Développeur d'applications métiers|Développeuse / Développeur
developpement|Développeur Rust|Développeuse / Développeur
developpement|Développeur Ruby on Rails|Développeuse / Développeur
developpement|Développeur Node.js|Développeuse / Développeur
developpement|Développeur Kotlin|Développeuse / Développeur
developpement|Développeur SIG|Développeuse / Développeur
developpement|Développeur COBOL|Développeuse / Développeur
developpement|Développeur intégrateur web|Développeuse / Développeur
developpement|Lead développeur|Développeuse / Développeur
developpement|Développeur API|Développeuse / Développeur
developpement|Intégrateur web|Développeuse / Développeur
data|Data engineer Spark|Data engineer
data|Data engineer cloud|Data engineer
data|Data scientist santé|Data scientist
data|Data scientist traitement du langage|Data scientist
data|Data scientist images satellitaires|Data scientist
data|Data analyst finances publiques|Data analyst
data|Data analyst ressources humaines|Data analyst
data|Chargé d'études statistiques|Statisticienne / Statisticien
data|Statisticien|Statisticienne / Statisticien
data|Administrateur de bases de données PostgreSQL|Administratrice / Administrateur de bases de données
data|Administrateur de bases de données Oracle|Administratrice / Administrateur de bases de données
data|Data steward|Data analyst
data|Ingénieur données|Data engineer
data|Analyste de données|Data analyst
data|Ingénieur machine learning|Data scientist
data|Ingénieur en intelligence artificielle|Data scientist
data|Data architect|Data engineer
data|Géomaticien|Géomaticienne / Géomaticien
cybersecurite|Analyste SOC niveau 2|Analyste en cybersécurité
cybersecurite|Analyste SOC niveau 3|Analyste en cybersécurité
cybersecurite|Ingénieur sécurité opérationnelle|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Pentesteur|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Auditeur en sécurité des systèmes d'information|Auditrice / Auditeur en sécurité des systèmes d'information
cybersecurite|Expert en cybersécurité|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Architecte sécurité|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Analyste CERT|Analyste en cybersécurité
cybersecurite|Chargé de mission cybersécurité|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Ingénieur cybersécurité réseaux|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Analyste de la menace cyber|Analyste en cybersécurité
cybersecurite|Ingénieur sécurité cloud|Expert / Experte en sécurité des systèmes d'information
cybersecurite|Officier de sécurité des systèmes d'information|Responsable Sécurité des Systèmes d'Information - RSSI
cybersecurite|Correspondant sécurité informatique|Responsable Sécurité des Systèmes d'Information - RSSI
infrastructure|Administrateur systèmes Linux|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Administrateur systèmes Windows|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Administrateur réseaux|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur réseaux|Ingénieure / Ingénieur réseaux et télécoms
infrastructure|Ingénieur systèmes et stockage|Ingénieure / Ingénieur système
infrastructure|Ingénieur virtualisation|Ingénieure / Ingénieur système
infrastructure|Administrateur Kubernetes|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur SRE|Ingénieure / Ingénieur de production
infrastructure|Ingénieur DevOps / SRE|Ingénieure / Ingénieur de production
infrastructure|Technicien réseaux et télécoms|Ingénieure / Ingénieur réseaux et télécoms
infrastructure|Administrateur messagerie|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur d'exploitation|Ingénieure / Ingénieur de production
infrastructure|Pilote d'exploitation|Pilote d'exploitation
infrastructure|Administrateur d'infrastructures|Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms
infrastructure|Ingénieur infrastructures cloud|Ingénieure / Ingénieur système
infrastructure|Ingénieur systèmes Windows|Ingénieure / Ingénieur système
infrastructure|Ingénieur télécoms|Ingénieure / Ingénieur réseaux et télécoms
infrastructure|Responsable de l'exploitation informatique|Ingénieure / Ingénieur de production
produit_projet|Chef de projet SI RH|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet SI finances|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet SI santé|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet informatique décisionnel|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet dématérialisation|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Product owner plateforme de données|Product Owner
produit_projet|Product manager|Product Owner
produit_projet|Scrum master|Scrum master
produit_projet|Directeur de projet informatique|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Responsable d'applications|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Coach agile|Scrum master
produit_projet|Chef de projet SIG|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Chef de projet système d'information|Cheffe / Chef de projet maitrise d'œuvre SI
produit_projet|Business analyst|Consultante / Consultant en maîtrise d'ouvrage SI
architecture|Architecte technique infrastructures|Architecte technique
architecture|Architecte solutions|Architecte technique
architecture|Architecte d'entreprise|Urbaniste des systèmes d'information
architecture|Architecte applicatif|Architecte applicatif
architecture|Architecte données|Architecte applicatif
architecture|Architecte réseaux|Architecte technique
architecture|Urbaniste SI|Urbaniste des systèmes d'information
architecture|Architecte logiciel Java|Architecte applicatif
architecture|Architecte cloud Azure|Architecte technique
architecture|Architecte système d'information|Urbaniste des systèmes d'information
design|Designer UX|Designer
design|Designer UI|Designer
design|UX/UI designer|Designer
design|Designer de services|Designer
design|Designer d'interaction|Designer
design|UX researcher|Designer
design|Designer produit|Designer
design|Designer accessibilité|Designer
design|Ergonome|Designer
design|Webdesigner|Designer
support|Technicien support niveau 2|Technicienne / Technicien support utilisateurs
support|Technicien helpdesk|Technicienne / Technicien support utilisateurs
support|Technicien de proximité|Technicienne / Technicien support utilisateurs
support|Technicien informatique|Technicienne / Technicien support utilisateurs
support|Technicien support et proximité|Technicienne / Technicien support utilisateurs
support|Gestionnaire de parc|Technicienne / Technicien support utilisateurs
support|Assistant informatique|Technicienne / Technicien support utilisateurs
support|Technicien poste de travail|Technicienne / Technicien support utilisateurs
support|Technicien support applicatif|Technicienne / Technicien support utilisateurs
support|Technicien d'assistance informatique|Technicienne / Technicien support utilisateurs
support|Agent de support informatique|Technicienne / Technicien support utilisateurs
support|Technicien micro-informatique|Technicienne / Technicien support utilisateurs
autre_numerique|Directeur du numérique|Directrice / Directeur des systèmes d'information
autre_numerique|Responsable des systèmes d'information|Directrice / Directeur des systèmes d'information
autre_numerique|Chargé de mission numérique responsable|Chargée / Chargé de transformation numérique
autre_numerique|Chef du service informatique|Directrice / Directeur des systèmes d'information
autre_numerique|Responsable informatique|Directrice / Directeur des systèmes d'information
autre_numerique|Chargé de transformation numérique|Chargée / Chargé de transformation numérique
autre_numerique|Conseiller numérique|Chargée / Chargé de transformation numérique
autre_numerique|Responsable de la stratégie numérique|Directrice / Directeur des systèmes d'information
autre_numerique|Délégué à la protection des données|Chargée / Chargé de transformation numérique
autre_numerique|Chargé de mission inclusion numérique|Chargée / Chargé de transformation numérique
autre_numerique|Adjoint au directeur des systèmes d'information|Directrice / Directeur des systèmes d'information
"""

DIGITAL_TITLES: tuple[JobTitle, ...] = tuple(
    JobTitle(t, f, m) for f, t, m in (line.split("|") for line in _TITLES.strip().splitlines()))
SPECIALISED_TITLES: tuple[JobTitle, ...] = tuple(
    JobTitle(t, f, m) for f, t, m in (line.split("|") for line in _SPECIALISED.strip().splitlines()))
#: every digital title a new job may have
JOB_TITLES: tuple[JobTitle, ...] = DIGITAL_TITLES + SPECIALISED_TITLES
NON_DIGITAL_TITLES: tuple[JobTitle, ...] = tuple(
    JobTitle(t, None, "", domain=d) for t, d, _ in (line.split("|") for line in _NON_DIGITAL.strip().splitlines()))
API_NON_DIGITAL_LABEL = {t: label for t, _, label in (line.split("|") for line in _NON_DIGITAL.strip().splitlines())}

#: role words a duplicate copy may use instead (the same job, named from another angle:
#: "Administrateur systèmes et réseaux" on pep, "Ingénieur systèmes et réseaux" on the
#: region's own site); first match in a title wins
ROLE_SWAPS: tuple[tuple[str, str], ...] = (
    ("Administrateur systèmes", "Ingénieur systèmes"), ("Ingénieur systèmes", "Administrateur systèmes"),
    ("Administrateur réseaux", "Ingénieur réseaux"), ("Ingénieur réseaux", "Administrateur réseaux"),
    ("Administrateur", "Ingénieur"), ("Chef de projet", "Responsable de projet"),
    ("Data analyst", "Analyste de données"), ("Data engineer", "Ingénieur data"),
    ("Technicien support", "Assistant support"), ("Développeur", "Ingénieur développement"),
    ("Product Owner", "Chef de produit"), ("Analyste SOC", "Analyste cybersécurité"),
)

#: what a copy may append to say where the job sits (its team, platform or service)
SPECIALITIES: dict[str, tuple[str, ...]] = {
    "developpement": ("applications web", "portail des usagers", "équipe API"),
    "data": ("plateforme de données", "entrepôt de données", "pôle statistiques"),
    "cybersecurite": ("centre opérationnel de sécurité", "pôle homologation"),
    "infrastructure": ("pôle production", "hébergement", "infrastructures cloud"),
    "produit_projet": ("applications de gestion", "pôle projets", "dématérialisation des procédures"),
    "architecture": ("pôle architecture", "socle technique"),
    "design": ("services numériques", "pôle design"),
    "support": ("assistance aux utilisateurs", "pôle proximité"),
    "autre_numerique": ("transformation numérique", "pôle numérique"),
}

FAMILIES = ("developpement", "data", "cybersecurite", "infrastructure", "produit_projet", "architecture",
            "design", "support", "autre_numerique")

#: schema.org occupationalCategory per family (jobposting)
OCCUPATIONAL = {
    "developpement": "M1805 - Études et développement informatique",
    "data": "Data / Intelligence artificielle",
    "cybersecurite": "M1802 - Expertise et support en systèmes d'information",
    "infrastructure": "M1801 - Administration de systèmes d'information",
    "produit_projet": "M1806 - Conseil et maîtrise d'ouvrage en systèmes d'information",
    "architecture": "M1802 - Expertise et support en systèmes d'information",
    "design": "Design",
    "support": "M1810 - Production et exploitation de systèmes d'information",
    "autre_numerique": "M1803 - Direction des systèmes d'information",
}

MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre")
DAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

#: description paragraphs: missions per family, profile per family
MISSIONS = {
    "developpement": "vous concevez et développez des applications web et des API, rédigez les tests automatisés, participez aux revues de code et contribuez à l’industrialisation (intégration continue, conteneurs).",
    "data": "vous construisez et maintenez les chaînes de traitement de données, documentez les jeux de données et accompagnez les équipes métiers dans la valorisation de leurs données.",
    "cybersecurite": "vous pilotez l’analyse des risques, suivez les homologations de sécurité, traitez les incidents et sensibilisez les agents aux bonnes pratiques de sécurité numérique.",
    "infrastructure": "vous administrez les serveurs Linux et Windows, la plateforme de virtualisation et les réseaux, automatisez l’exploitation et participez aux astreintes.",
    "produit_projet": "vous pilotez les projets du portefeuille applicatif, animez les comités, rédigez les expressions de besoin et suivez les prestataires jusqu’à la mise en service.",
    "architecture": "vous définissez les architectures techniques cibles, accompagnez les équipes projets dans leurs choix et veillez à la cohérence du système d’information.",
    "design": "vous menez les entretiens utilisateurs, concevez les parcours et les maquettes, animez les tests d’utilisabilité et veillez à l’accessibilité des services.",
    "support": "vous assistez les utilisateurs sur site et à distance, installez et renouvelez les postes de travail et suivez les demandes dans l’outil de tickets.",
    "autre_numerique": "vous pilotez la feuille de route numérique, encadrez les équipes et accompagnez les directions dans leur transformation numérique.",
    None: "vous assurez au quotidien les missions du poste au sein d’une équipe attentive à la qualité du service rendu aux usagers.",
}
PROFILES = {
    "developpement": "Maîtrise d’un langage back-end (Python, Java ou PHP), de Git et des tests automatisés.",
    "data": "Maîtrise de SQL et de Python ; connaissance des outils d’orchestration appréciée.",
    "cybersecurite": "Connaissance des référentiels de sécurité (ISO 27001, RGS) et de la méthode EBIOS RM.",
    "infrastructure": "Maîtrise de Linux, des réseaux et d’un outil d’automatisation (Ansible, Terraform).",
    "produit_projet": "Expérience de la conduite de projets informatiques et des méthodes agiles.",
    "architecture": "Solide expérience des architectures applicatives et des infrastructures cloud.",
    "design": "Portfolio présentant des projets de conception centrée utilisateur ; connaissance du RGAA.",
    "support": "BTS ou BUT en informatique ; connaissance des environnements Windows et des réseaux locaux.",
    "autre_numerique": "Expérience confirmée de l’encadrement et du pilotage de projets numériques.",
    None: "Sens du service public, rigueur et goût du travail en équipe.",
}

# ------------------------------------------------------------------ the Atom feed (beta.gouv.fr /jobs.xml)
#: startups of the State and of the territories (public digital services): name, what the service
#: does (a sentence of the entry's "Qui sommes-nous ?"). The offers written for them are fictitious.
STARTUPS: tuple[tuple[str, str], ...] = tuple(tuple(line.split("|", 1)) for line in """
Mon Suivi Justice|aide les personnes placées sous main de justice à ne manquer aucun de leurs rendez-vous.
Démarches Simplifiées|permet aux administrations de dématérialiser leurs démarches en quelques clics.
1000 premiers jours|accompagne les futurs et jeunes parents pendant les 1000 premiers jours de l’enfant.
Aides-territoires|recense les aides publiques auxquelles les collectivités peuvent prétendre pour leurs projets.
Code du travail numérique|répond gratuitement aux questions des salariés et des employeurs sur le droit du travail.
DossierFacile|aide les locataires à constituer un dossier de location complet et vérifié.
SignalConso|permet aux consommateurs de signaler un problème à une entreprise et à l’administration.
Pix|évalue et certifie les compétences numériques des élèves, des étudiants et des actifs.
La bonne alternance|rapproche les candidats à l’alternance des entreprises qui recrutent.
Le marché de l’inclusion|facilite l’embauche des personnes éloignées de l’emploi par les structures d’insertion.
Zéro Logement Vacant|aide les collectivités à remettre sur le marché les logements vacants de leur territoire.
France Chaleur Urbaine|met en relation les copropriétés et les gestionnaires de réseaux de chaleur.
DomiFa|permet aux structures d’accueil de gérer la domiciliation des personnes sans domicile stable.
RDV Service Public|simplifie la prise de rendez-vous entre les usagers et les services publics.
Trackdéchets|assure la traçabilité des déchets dangereux, de leur production à leur traitement.
Place des Entreprises|oriente les dirigeants de TPE et de PME vers le bon conseiller public.
Aidants Connect|permet aux aidants professionnels de réaliser des démarches en ligne pour le compte d’usagers.
Nos Gestes Climat|aide chacun à calculer son empreinte carbone et à la réduire.
Collectif Objets|aide les communes à recenser et protéger les objets mobiliers classés de leurs églises.
Histologe|permet de signaler un logement indigne et d’en suivre le traitement.
Mon Entreprise|aide les créateurs d’entreprise à comprendre leurs cotisations et leurs démarches.
Carnet de bord|partage le parcours d’insertion d’une personne entre tous les professionnels qui l’accompagnent.
Diagoriente|aide les jeunes à identifier leurs compétences et à construire leur projet professionnel.
DORA|référence l’offre de services d’insertion d’un territoire pour les professionnels de l’accompagnement.
Ma Cantine|accompagne les gestionnaires de restauration collective vers une alimentation plus durable.
Ecobalyse|calcule l’impact environnemental des produits textiles et alimentaires.
Potentiel|aide les collectivités à identifier les friches et le foncier mobilisable.
Conseillers numériques|outille les conseillers qui accompagnent les Français dans leurs usages numériques.
Benefriches|évalue les bénéfices socio-économiques de la reconversion des friches.
Archifiltre|aide les agents à comprendre et trier leurs arborescences de fichiers.
API Particulier|simplifie les démarches en évitant aux usagers de fournir des justificatifs.
Mon Espace Collectivité|rassemble en un seul endroit les services de l’État destinés aux collectivités.
Rizomo|propose aux agents de l’Éducation nationale des outils collaboratifs souverains.
Agora|accompagne les jeunes dans la découverte des métiers de l’artisanat.
Signal Logement|permet aux locataires de signaler un désordre dans leur logement.
MonComptePro|facilite l’identification des professionnels sur les services publics en ligne.
Mes Aides Vélo|recense les aides à l’achat d’un vélo selon le lieu de résidence.
Itou Emplois|permet aux candidats éloignés de l’emploi de postuler auprès des employeurs solidaires.
Je veux aider|met en relation les bénévoles et les associations qui ont besoin d’aide.
Ecolab Data|met à disposition des données environnementales fiables pour les politiques publiques.
""".strip().splitlines())

#: the roles of an Atom entry: family, the entry's <domaine>, the "<Rôles>" of its title (also the
#: catalogue title: inclusive writing "·se" is not a gender marker and stays). Only roles whose
#: family is plain: ops roles filed under "Développement" and deployment or bizdev roles are left out
ATOM_ROLES: tuple[tuple[str, str, str], ...] = tuple(tuple(line.split("|")) for line in """
developpement|Développement|Développeur·se fullstack
developpement|Développement|Développeur·euse back-end Python / Django
developpement|Développement|Développeur·se Ruby on Rails
developpement|Développement|Développeur·se front-end React
developpement|Développement|Développeur·se fullstack, Lead dev
developpement|Développement|Développeur·se mobile React Native
produit_projet|Produit|Product Owner
produit_projet|Produit|Product Owner, Coach·e produit
produit_projet|Produit|Product Manager
design|Design|Designer UX/UI
design|Design|Designer UX/UI & accessibilité
design|Design|UX researcher
data|Data|Data scientist
data|Data|Data engineer
data|Data|Data analyst
support|Support|Chargé·e de support utilisateurs
""".strip().splitlines())

#: the entry's "Votre mission" items per family
ATOM_MISSIONS: dict[str, tuple[str, ...]] = {
    "developpement": ("développer les nouvelles fonctionnalités avec l’équipe, du besoin à la mise en production",
                      "écrire les tests automatisés et participer aux revues de code",
                      "mettre en production plusieurs fois par semaine et suivre la qualité du service"),
    "produit_projet": ("porter la vision produit et prioriser le backlog avec l’équipe",
                       "rencontrer les usagers et mesurer l’impact du service",
                       "animer les rituels agiles et rendre compte au comité d’investissement"),
    "design": ("mener les entretiens et les tests avec les usagers",
               "concevoir les parcours et les maquettes avec le système de design de l’État",
               "veiller à l’accessibilité du service (RGAA)"),
    "data": ("construire les tableaux de bord de suivi de l’impact",
             "fiabiliser les traitements de données et documenter les jeux de données",
             "aider l’équipe à décider à partir des données"),
    "support": ("répondre aux demandes des utilisateurs par courriel et par téléphone",
                "rédiger les réponses types et la foire aux questions",
                "remonter les irritants à l’équipe produit"),
}
#: the entry's "Votre profil" per family
ATOM_PROFILES: dict[str, str] = {
    "developpement": "Vous avez une première expérience du développement web et aimez travailler en petite équipe autonome.",
    "produit_projet": "Vous avez déjà porté un produit numérique et savez faire des choix avec les usagers.",
    "design": "Vous avez un portfolio de projets de conception centrée utilisateur et connaissez le RGAA.",
    "data": "Vous maîtrisez SQL et Python et savez rendre des chiffres compréhensibles par tous.",
    "support": "Vous avez le sens du service et une bonne aisance rédactionnelle.",
}
#: what the entry says of its conditions (free text: the entry has no place, contract or salary field)
ATOM_CONDITIONS = ("Freelance ou CDD, télétravail possible, locaux à Paris.",
                   "Mission en freelance de 6 mois renouvelable ; l’équipe travaille principalement à distance.",
                   "Poste ouvert en CDD de 3 ans ou en freelance ; télétravail partiel possible.",
                   "Rémunération selon profil ; l’équipe se retrouve une journée par semaine.")
ATOM_INCUBATORS = ("l’incubateur de la DINUM", "la Fabrique des géocommuns", "l’incubateur des territoires",
                   "l’incubateur de l’ANCT", "l’incubateur de l’ADEME")
