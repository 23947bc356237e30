"""Write forms/*.schema.json (JSON Schema 2020-12 with Dutch labels and x-ui hints).

Authoring aid: the JSON files are what the service serves; rerun after editing here.
Data minimisation: each form asks only what the next step of its pathway needs.
ZRM: domain names and 1-5 scores only, never the licensed matrix cell texts.
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = "https://json-schema.org/draft/2020-12/schema"

ZRM = [
    ("financien", "Financiën"), ("werk_opleiding", "Werk en opleiding"),
    ("tijdsbesteding", "Tijdsbesteding"), ("huiselijke_relaties", "Huiselijke relaties"),
    ("huisvesting", "Huisvesting"), ("geestelijke_gezondheid", "Geestelijke gezondheid"),
    ("lichamelijke_gezondheid", "Lichamelijke gezondheid"),
    ("middelengebruik", "Middelengebruik"), ("adl_basis", "Basale ADL"),
    ("adl_instrumenteel", "Instrumentele ADL"), ("sociaal_netwerk", "Sociaal netwerk"),
    ("maatschappelijke_participatie", "Maatschappelijke participatie"),
    ("justitie", "Justitie"),
]
ZRM_SCALE = ("1 = acute problematiek, 2 = niet zelfredzaam, 3 = beperkt zelfredzaam, "
             "4 = voldoende zelfredzaam, 5 = volledig zelfredzaam")
PG = [
    ("lichaamsfuncties", "Lichaamsfuncties"), ("mentaal_welbevinden", "Mentaal welbevinden"),
    ("zingeving", "Zingeving"), ("kwaliteit_van_leven", "Kwaliteit van leven"),
    ("meedoen", "Meedoen"), ("dagelijks_functioneren", "Dagelijks functioneren"),
]
VIER_D = [("lichaam", "Lichaam"), ("geest", "Geest"),
          ("praktisch", "Praktisch en maatschappelijk (geld, wonen, werk)"),
          ("sociaal", "Sociaal (netwerk)")]
ROUTES = [("nulde_lijn", "Nulde lijn met vervolg na 4 weken"),
          ("wijkteam", "Wijkteamplan (eventueel met Wmo)"),
          ("meekijkconsult", "Meekijkconsult specialistische zorg"),
          ("opschalen", "Opschalen naar specialistische zorg"),
          ("meldpunt_wvggz", "Meldpunt zorg en overlast / Wvggz")]
GROUPS = [("wijkteam-triage", "Wijkteam triage"), ("wijkteam-regie", "Regievoerder"),
          ("peer-expert", "Ervaringsdeskundige"), ("ggd-meldpunt", "GGD meldpunt"),
          ("ggz-fact", "FACT-team"), ("ggz-crisis", "Crisisdienst"),
          ("verslavingszorg", "Verslavingszorg"), ("begeleiding", "Begeleiding / wonen"),
          ("gemeente-wmo", "Wmo-consulent"), ("gemeente-wvggz", "Gemeente Wvggz")]
RECEIVERS = [("wijkteam", "Wijkteam"), ("poh_ggz", "Huisarts met POH-GGZ"),
             ("nulde_lijn", "Nulde lijn / steunkring")]


def text(title, description=None, max_length=200, fmt=None):
    d = {"type": "string", "title": title, "maxLength": max_length}
    if description:
        d["description"] = description
    if fmt:
        d["format"] = fmt
        d.pop("maxLength")
    return d


def long_text(title, description=None, max_length=2000):
    return text(title, description, max_length)


def date(title, description=None, time=False):
    return text(title, description, fmt="date-time" if time else "date")


def boolean(title, description=None):
    d = {"type": "boolean", "title": title}
    if description:
        d["description"] = description
    return d


def choice(title, options, description=None):
    d = {"type": "string", "title": title,
         "oneOf": [{"const": v, "title": t} for v, t in options]}
    if description:
        d["description"] = description
    return d


def multi(title, options, description=None, min_items=0):
    d = {"type": "array", "title": title, "uniqueItems": True, "minItems": min_items,
         "items": {"type": "string", "oneOf": [{"const": v, "title": t} for v, t in options]}}
    if description:
        d["description"] = description
    return d


def integer(title, lo, hi, description=None):
    d = {"type": "integer", "title": title, "minimum": lo, "maximum": hi}
    if description:
        d["description"] = description
    return d


def zrm_block(title="Zelfredzaamheid (ZRM)"):
    return {"type": "object", "title": title,
            "description": "Score per levensdomein. " + ZRM_SCALE + ".",
            "properties": {k: integer(t, 1, 5) for k, t in ZRM},
            "required": [k for k, _ in ZRM], "additionalProperties": False}


def pg_block():
    return {"type": "object", "title": "Positieve Gezondheid (eigen score van de bewoner)",
            "description": "De bewoner geeft zelf een cijfer van 0 tot 10 per dimensie.",
            "properties": {k: integer(t, 0, 10) for k, t in PG},
            "required": [k for k, _ in PG], "additionalProperties": False}


def doelen_block():
    return {"type": "array", "title": "Doelen in het gezamenlijke plan", "minItems": 1,
            "items": {"type": "object", "title": "Doel",
                      "properties": {"doel": text("Doel in woorden van de bewoner"),
                                     "domein": choice("4D-domein", VIER_D),
                                     "wie": text("Wie helpt (bewoner, naaste, professional)")},
                      "required": ["doel", "domein"], "additionalProperties": False}}


FORMS: dict[str, dict] = {}


def form(name, title, description, fields, required, widgets=None, help=None, extra=None):
    schema = {"$schema": SCHEMA, "$id": f"https://zorgpad.example/forms/{name}.schema.json",
              "title": title, "description": description, "type": "object",
              "properties": fields, "required": required, "additionalProperties": False}
    if extra:
        schema.update(extra)
    schema["x-ui"] = {"order": list(fields), "widgets": widgets or {}, "help": help or {}}
    FORMS[name] = schema


# ---------------------------------------------------------------- P1 triage
form("triage-melding", "Melding",
     "Wie, hoe bereikbaar, de vraag in eigen woorden, wie meldt en of de bewoner het weet. "
     "Verder niets: de rest komt in de vraagverkenning.",
     {"bewoner": {"type": "object", "title": "Bewoner",
                  "properties": {"naam": text("Naam"), "adres": text("Adres of verblijfplaats"),
                                 "telefoon": text("Telefoon", max_length=30),
                                 # `x-case`: the completion also sets the case's column
                                 # (services/cases/records.py): figures per municipality/wijk.
                                 "gemeente": {**text("Gemeente", max_length=100),
                                              "x-case": "municipality"},
                                 "wijk": {**text("Wijk", "De wijk waar de bewoner woont: voor de "
                                                 "cijfers per wijk.", max_length=100),
                                          "x-case": "wijk"}},
                  "required": ["naam"], "additionalProperties": False},
      "vraag_eigen_woorden": long_text("Vraag of zorg in de woorden van de bewoner (of melder)"),
      "melder_rol": choice("Wie meldt", [("bewoner", "Bewoner zelf"), ("naaste", "Naaste"),
                                         ("huisarts", "Huisarts / POH-GGZ"),
                                         ("politie", "Politie"),
                                         ("woningcorporatie", "Woningcorporatie"),
                                         ("buren", "Buren of buurtbewoner"),
                                         ("anders", "Anders")]),
      "melder_contact": text("Naam en bereikbaarheid van de melder"),
      "toestemming_bewoner": choice("Weet de bewoner van de melding en stemt hij/zij in?",
                                    [("ja", "Ja"), ("nee", "Nee"), ("onbekend", "Onbekend")]),
      "acute_signalen": multi("Acute signalen", [
          ("gevaar_zelf", "Gevaar voor zichzelf"), ("gevaar_anderen", "Gevaar voor anderen"),
          ("suicidaliteit", "Acute suïcidaliteit"),
          ("psychose_gevaar", "Psychose met gevaar"), ("agressie", "Agressie")],
          "Laat leeg als er geen acute signalen zijn."),
      "urgentie": choice("Urgentie voor de crisisdienst", [
          ("1u", "Binnen 1 uur ter plaatse"), ("4u", "Binnen 4 uur"),
          ("24u", "Binnen 24 uur")])},
     ["bewoner", "vraag_eigen_woorden", "melder_rol", "toestemming_bewoner", "acute_signalen"],
     {"vraag_eigen_woorden": "textarea", "melder_rol": "select",
      "toestemming_bewoner": "radio", "acute_signalen": "checkbox", "urgentie": "radio"},
     {"acute_signalen": "Bij één of meer acute signalen gaat direct een crisismelding uit.",
      "urgentie": "Alleen invullen bij acute signalen.",
      "toestemming_bewoner": "Zonder toestemming alleen gegevens die nodig zijn om contact "
                             "te leggen."},
     {"if": {"properties": {"acute_signalen": {"minItems": 1}}},
      "then": {"required": ["urgentie"]}})

form("triage-eerste-contact", "Eerste contact",
     "Eerste contact binnen 2 werkdagen na de melding.",
     {"contact_datum": date("Datum eerste contact"),
      "contactwijze": choice("Hoe", [("huisbezoek", "Huisbezoek"), ("telefonisch", "Telefonisch"),
                                     ("beeldbellen", "Beeldbellen"),
                                     ("op_locatie", "Op een andere plek")]),
      "afspraak_vraagverkenning": date("Afspraak voor de vraagverkenning"),
      "toelichting": long_text("Toelichting", max_length=500)},
     ["contact_datum", "contactwijze"],
     {"contact_datum": "date", "contactwijze": "radio", "afspraak_vraagverkenning": "date",
      "toelichting": "textarea"},
     {"contact_datum": "Norm: binnen 2 werkdagen. Daarna krijgt de regievoerder een signaal."})

form("triage-vraagverkenning", "Vraagverkenning",
     "Samen met de bewoner (liefst thuis): 4D-kaart, Positieve Gezondheid, ZRM, steunkring "
     "en toestemming om te delen tussen sociaal en medisch domein.",
     {"hulpvraag": long_text("Hulpvraag samengevat, in woorden van de bewoner"),
      "vier_d_knelpunten": multi("4D: domeinen waar het knelt", VIER_D),
      "vier_d_prioriteit": choice("4D: waar wil de bewoner eerst aan werken?", VIER_D),
      "vier_d_notities": long_text("4D: notities uit het gesprek", max_length=1000),
      "positieve_gezondheid": pg_block(),
      "zrm": zrm_block(),
      "netwerk": {"type": "array", "title": "Steunkring en netwerk",
                  "items": {"type": "object", "title": "Persoon of organisatie",
                            "properties": {
                                "naam": text("Naam"),
                                "relatie": choice("Relatie", [
                                    ("naaste", "Familie of partner"), ("vriend", "Vriend(in)"),
                                    ("buur", "Buur"), ("vrijwilliger", "Vrijwilliger"),
                                    ("ervaringsdeskundige", "Ervaringsdeskundige"),
                                    ("professional", "Professional")]),
                                "rol": text("Wat doet deze persoon voor de bewoner?"),
                                "mag_geinformeerd": boolean("Mag geïnformeerd worden")},
                            "required": ["naam", "relatie", "mag_geinformeerd"],
                            "additionalProperties": False}},
      "toestemming_delen_domeinen": boolean(
          "Toestemming om te delen tussen sociaal en medisch domein"),
      "bekend_bij_fact": boolean("Bekend bij een FACT-team"),
      "weigert_zorg_ernstig_nadeel": boolean(
          "Weigert zorg terwijl er ernstig nadeel dreigt")},
     ["hulpvraag", "vier_d_knelpunten", "positieve_gezondheid", "zrm", "netwerk",
      "toestemming_delen_domeinen", "bekend_bij_fact", "weigert_zorg_ernstig_nadeel"],
     {"hulpvraag": "textarea", "vier_d_knelpunten": "checkbox", "vier_d_prioriteit": "radio",
      "vier_d_notities": "textarea", "positieve_gezondheid": "scale", "zrm": "scale",
      "netwerk": "repeat", "toestemming_delen_domeinen": "checkbox",
      "bekend_bij_fact": "radio", "weigert_zorg_ernstig_nadeel": "radio"},
     {"vier_d_knelpunten": "Het 4D-model is een gespreksinstrument: de bewoner bepaalt de "
                           "prioriteit.",
      "zrm": "Alleen scores per domein; neem geen teksten uit de matrix over.",
      "positieve_gezondheid": "Het eigen oordeel van de bewoner, naast jouw ZRM-score.",
      "toestemming_delen_domeinen": "Zonder toestemming blijven medische en sociale gegevens "
                                    "gescheiden.",
      "weigert_zorg_ernstig_nadeel": "Ja leidt naar het meldpunt zorg en overlast / Wvggz."})

form("casusoverleg", "Casusoverleg",
     "Complexe casus met de partners in het netwerk. Het overleg kan de route aanpassen "
     "en de casus markeren als leercasus.",
     {"deelnemers": multi("Wie deden mee", GROUPS, min_items=1),
      "afspraken": long_text("Afspraken"),
      "route": choice("Route na het overleg", ROUTES),
      "leercasus": boolean("Leercasus voor de leersessie van het netwerk"),
      "leervraag": long_text("Leervraag (zonder herleidbare gegevens)", max_length=500)},
     ["deelnemers", "afspraken", "route", "leercasus"],
     {"deelnemers": "checkbox", "afspraken": "textarea", "route": "select",
      "leercasus": "checkbox", "leervraag": "textarea"},
     {"route": "Vooraf ingevuld met het advies uit de beslistabel; het overleg beslist.",
      "leercasus": "Leercasussen gaan gepseudonimiseerd naar de tweewekelijkse leersessie.",
      "leervraag": "Schrijf de leervraag zo dat de bewoner niet herkenbaar is."},
     {"if": {"properties": {"leercasus": {"const": True}}},
      "then": {"required": ["leervraag"]}})

form("triage-meekijkconsult", "Meekijkconsult",
     "Specialist kijkt mee met het wijkteam, zonder verwijzing.",
     {"advies": long_text("Advies aan het wijkteam"),
      "advies_opschalen": boolean("Advies: opschalen naar specialistische zorg")},
     ["advies", "advies_opschalen"],
     {"advies": "textarea", "advies_opschalen": "radio"})

form("triage-nulde-lijn", "Nulde lijn inzetten",
     "Steun dichtbij: naasten, vrijwilligers, ervaringsdeskundigen, welzijn, inloop.",
     {"ingezet": multi("Wat is ingezet", [
         ("steunkring", "Steunkring"), ("ervaringsdeskundige", "Ervaringsdeskundige"),
         ("welzijnswerk", "Welzijnswerk"), ("inloop", "Inloophuis"),
         ("vrijwilliger", "Vrijwilliger"), ("buurtinitiatief", "Buurtinitiatief")], min_items=1),
      "afspraken": long_text("Afspraken met de bewoner", max_length=1000)},
     ["ingezet"], {"ingezet": "checkbox", "afspraken": "textarea"},
     {"ingezet": "Na 4 weken volgt automatisch een vervolgcontact."})

form("triage-vervolgcontact", "Vervolgcontact na 4 weken", "Hoe gaat het met de nulde-lijnsteun?",
     {"hoe_gaat_het": integer("Hoe gaat het volgens de bewoner (0-10)", 0, 10),
      "meer_steun_nodig": boolean("Meer steun nodig (wijkteamplan)"),
      "toelichting": long_text("Toelichting", max_length=500)},
     ["hoe_gaat_het", "meer_steun_nodig"],
     {"hoe_gaat_het": "scale", "meer_steun_nodig": "radio", "toelichting": "textarea"})

form("triage-plan", "Gezamenlijk plan",
     "Eén plan met de bewoner, over de grenzen van organisaties heen.",
     {"doelen": doelen_block(),
      "afspraken_steunkring": long_text("Afspraken met de steunkring", max_length=1000),
      "wmo_voorziening_nodig": boolean("Wmo-voorziening nodig (melding bij de gemeente)"),
      "evaluatiedatum": date("Evaluatiedatum")},
     ["doelen", "wmo_voorziening_nodig", "evaluatiedatum"],
     {"doelen": "repeat", "afspraken_steunkring": "textarea",
      "wmo_voorziening_nodig": "radio", "evaluatiedatum": "date"},
     {"wmo_voorziening_nodig": "Ja: de gemeente onderzoekt binnen 6 weken en beslist binnen "
                               "2 weken na de aanvraag."})

form("wmo-onderzoek", "Wmo-onderzoek",
     "Onderzoek (keukentafelgesprek) binnen 6 weken na de melding.",
     {"gesprek_datum": date("Datum gesprek"),
      "gevraagde_voorzieningen": multi("Gevraagde voorzieningen", [
          ("begeleiding", "Begeleiding"), ("dagbesteding", "Dagbesteding"),
          ("huishoudelijke_hulp", "Huishoudelijke hulp"),
          ("beschermd_wonen", "Beschermd wonen"), ("woningaanpassing", "Woningaanpassing"),
          ("anders", "Anders")]),
      "verslag_gedeeld": boolean("Verslag met de bewoner gedeeld"),
      "aanvraag_ingediend": boolean("Aanvraag ingediend")},
     ["gesprek_datum", "verslag_gedeeld", "aanvraag_ingediend"],
     {"gesprek_datum": "date", "gevraagde_voorzieningen": "checkbox",
      "verslag_gedeeld": "checkbox", "aanvraag_ingediend": "checkbox"})

form("wmo-besluit", "Wmo-besluit", "Beschikking binnen 2 weken na de aanvraag.",
     {"besluit": choice("Besluit", [("toegekend", "Toegekend"), ("deels", "Deels toegekend"),
                                    ("afgewezen", "Afgewezen")]),
      "ingangsdatum": date("Ingangsdatum"),
      "motivering": long_text("Motivering", max_length=1000)},
     ["besluit", "motivering"],
     {"besluit": "radio", "ingangsdatum": "date", "motivering": "textarea"})

form("meldpunt-melding", "Melding zorg en overlast", "Oppakken binnen 2 werkdagen.",
     {"opgepakt_op": date("Opgepakt op"),
      "bewoner_bereikt": boolean("Bewoner bereikt"),
      "vervolg_meldpunt": choice("Vervolg", [("bemoeizorg", "Bemoeizorg door de GGD"),
                                             ("wvggz", "Verkennend onderzoek Wvggz"),
                                             ("opschalen", "Opschalen naar specialistische zorg")]),
      "toelichting": long_text("Toelichting", max_length=1000)},
     ["opgepakt_op", "bewoner_bereikt", "vervolg_meldpunt"],
     {"opgepakt_op": "date", "bewoner_bereikt": "radio", "vervolg_meldpunt": "radio",
      "toelichting": "textarea"})

form("wvggz-verkennend-onderzoek", "Verkennend onderzoek Wvggz",
     "Binnen 14 dagen na de melding bij de gemeente.",
     {"uitkomst": choice("Uitkomst", [
         ("geen_verplichte_zorg", "Geen verplichte zorg nodig"),
         ("vrijwillige_zorg", "Vrijwillige zorg afgesproken"),
         ("aanvraag_zorgmachtiging", "Aanvraag zorgmachtiging (via het OM)")]),
      "afgerond_op": date("Afgerond op"),
      "toelichting": long_text("Toelichting", max_length=1000)},
     ["uitkomst", "afgerond_op"],
     {"uitkomst": "radio", "afgerond_op": "date", "toelichting": "textarea"})

form("escalatie", "Escaleren naar regievoerder",
     "Een termijn is verstreken. Het oorspronkelijke werk loopt door; de regievoerder grijpt in.",
     {"genomen_actie": choice("Genomen actie", [
         ("team_aangesproken", "Team aangesproken, taak loopt door"),
         ("taak_overgedragen", "Taak aan een ander toegewezen"),
         ("bewoner_geinformeerd", "Bewoner geïnformeerd over de vertraging"),
         ("anders", "Anders")]),
      "nieuwe_termijn": date("Nieuwe afgesproken datum"),
      "toelichting": long_text("Toelichting", max_length=500)},
     ["genomen_actie"],
     {"genomen_actie": "select", "nieuwe_termijn": "date", "toelichting": "textarea"})

# ---------------------------------------------------------------- crisis
form("crisisbeoordeling", "Crisisbeoordeling",
     "Beoordeling ter plaatse door de crisisdienst (1, 4 of 24 uur).",
     {"ter_plaatse_op": date("Ter plaatse op", time=True),
      "uitkomst": choice("Uitkomst", [
          ("geen_acute_crisis", "Geen acute crisis"),
          ("ambulante_interventie", "Ambulante crisisinterventie"),
          ("vrijwillige_opname", "Vrijwillige opname"),
          ("crisismaatregel", "Crisismaatregel Wvggz (max. 3 dagen)")]),
      "vervolg": choice("Vervolg", [("terug_naar_wijkteam", "Terug naar het wijkteam (triage)"),
                                    ("opschalen", "Opschalen naar specialistische zorg")]),
      "crisisplan_afgesproken": boolean("Crisisplan afgesproken of bijgewerkt"),
      "toelichting": long_text("Toelichting", max_length=1000)},
     ["ter_plaatse_op", "uitkomst", "vervolg", "crisisplan_afgesproken"],
     {"ter_plaatse_op": "date", "uitkomst": "radio", "vervolg": "radio",
      "crisisplan_afgesproken": "checkbox", "toelichting": "textarea"})

# ---------------------------------------------------------------- P2 opschalen
form("opschalen-signaal", "Signaal beoordelen", "Binnen 1 werkdag: hoe ernstig, wie is nodig?",
     {"signaal_type": choice("Soort signaal", [
         ("opschaalverzoek", "Opschaalverzoek uit triage"), ("terugval", "Terugval in nazorg"),
         ("zrm_daling", "ZRM-daling naar 2 of lager"), ("gemiste_contacten", "Gemiste contacten"),
         ("vroegsignaal", "Vroeg signaal uit signaleringsplan"),
         ("woningverlies", "Dreigend woningverlies"), ("politiecontact", "Politiecontact")]),
      "acuut": boolean("Acuut (crisisdienst inschakelen)"),
      "urgentie": choice("Urgentie", [("1u", "1 uur"), ("4u", "4 uur"), ("24u", "24 uur"),
                                      ("regulier", "Regulier")]),
      "aanleiding_domeinen": multi("ZRM-domeinen die tot opschalen leiden", ZRM, min_items=1),
      "bekend_bij_fact": boolean("Bekend bij het FACT-team"),
      "weigert_zorg_ernstig_nadeel": boolean("Weigert zorg terwijl ernstig nadeel dreigt"),
      "verslavingszorg_nodig": boolean("Verslavingszorg erbij nodig"),
      "begeleiding_nodig": boolean("Begeleiding of wonen erbij nodig"),
      "toelichting": long_text("Toelichting", max_length=1000)},
     ["signaal_type", "acuut", "urgentie", "aanleiding_domeinen", "bekend_bij_fact",
      "weigert_zorg_ernstig_nadeel", "verslavingszorg_nodig", "begeleiding_nodig"],
     {"signaal_type": "select", "acuut": "radio", "urgentie": "radio",
      "aanleiding_domeinen": "checkbox", "bekend_bij_fact": "radio",
      "weigert_zorg_ernstig_nadeel": "radio", "verslavingszorg_nodig": "checkbox",
      "begeleiding_nodig": "checkbox", "toelichting": "textarea"},
     {"aanleiding_domeinen": "Bij de evaluatie moeten deze domeinen weer op 3 of hoger staan.",
      "acuut": "Acuut: urgentie 1, 4 of 24 uur kiezen."},
     {"if": {"properties": {"acuut": {"const": True}}},
      "then": {"properties": {"urgentie": {"enum": ["1u", "4u", "24u"]}}}})

form("fact-bordbesluit", "Besluit FACT-bordoverleg",
     "In het eerstvolgende dagelijkse bordoverleg: op het bord of niet, met reden.",
     {"op_fact_bord": boolean("Op het FACT-bord (dagelijkse bespreking)"),
      "bord_reden": long_text("Reden", max_length=500),
      "afspraken": long_text("Afspraken tot de volgende bespreking", max_length=1000)},
     ["op_fact_bord", "bord_reden"],
     {"op_fact_bord": "radio", "bord_reden": "textarea", "afspraken": "textarea"},
     {"bord_reden": "Verplicht: de reden op (en later af) het bord wordt vastgelegd."})

form("fact-bordbespreking", "Dagelijkse bordbespreking",
     "Elke dag zolang de bewoner op het FACT-bord staat.",
     {"op_fact_bord": boolean("Blijft op het FACT-bord"),
      "bord_reden": long_text("Reden", max_length=500),
      "afspraken": long_text("Afspraken tot morgen", max_length=1000)},
     ["op_fact_bord", "bord_reden"],
     {"op_fact_bord": "radio", "bord_reden": "textarea", "afspraken": "textarea"})

form("opschalen-verslavingszorg", "Verslavingszorg inzetten", "Parallel aan de ggz, waar nodig.",
     {"inzet": choice("Inzet", [("consult", "Consult"), ("ambulant", "Ambulante behandeling"),
                                ("deeltijd", "Deeltijdbehandeling"), ("klinisch", "Klinisch")]),
      "afspraken": long_text("Afspraken", max_length=1000)},
     ["inzet"], {"inzet": "select", "afspraken": "textarea"})

form("opschalen-begeleiding", "Begeleiding en wonen inzetten", "Parallel aan de ggz, waar nodig.",
     {"inzet": choice("Inzet", [("ambulante_begeleiding", "Ambulante begeleiding"),
                                ("woonbegeleiding", "Woonbegeleiding"),
                                ("beschermd_wonen", "Beschermd wonen"),
                                ("dagbesteding", "Dagbesteding")]),
      "afspraken": long_text("Afspraken", max_length=1000)},
     ["inzet"], {"inzet": "select", "afspraken": "textarea"})

form("opschalen-plan-herzien", "Gezamenlijk plan herzien",
     "Het plan met de bewoner bijstellen; naasten alleen met toestemming informeren.",
     {"doelen": doelen_block(),
      "crisisplan_actueel": boolean("Crisisplan actueel"),
      "naasten_informeren": boolean("Naasten informeren over het plan"),
      "toestemming_naasten": boolean("Bewoner geeft toestemming om naasten te informeren"),
      "afspraken": long_text("Afspraken", max_length=1000)},
     ["doelen", "crisisplan_actueel", "naasten_informeren"],
     {"doelen": "repeat", "crisisplan_actueel": "checkbox", "naasten_informeren": "radio",
      "toestemming_naasten": "checkbox", "afspraken": "textarea"},
     {"naasten_informeren": "Alleen met uitdrukkelijke toestemming van de bewoner."},
     {"if": {"properties": {"naasten_informeren": {"const": True}}},
      "then": {"required": ["toestemming_naasten"],
               "properties": {"toestemming_naasten": {"const": True}}}})

form("wachtlijstbemiddeling", "Wachtlijstbemiddeling",
     "Voor de zorgverzekeraar. Bevat geen dossiergegevens: alleen de uitkomst van de bemiddeling.",
     {"bemiddeling_uitkomst": choice("Uitkomst", [
         ("alternatief_aanbod", "Alternatieve aanbieder gevonden"),
         ("wachttijd_verkort", "Wachttijd verkort bij dezelfde aanbieder"),
         ("geen_alternatief", "Geen alternatief beschikbaar")]),
      "alternatieve_aanbieder": text("Alternatieve aanbieder"),
      "bemiddeld_op": date("Bemiddeld op")},
     ["bemiddeling_uitkomst", "bemiddeld_op"],
     {"bemiddeling_uitkomst": "radio", "bemiddeld_op": "date"},
     {"bemiddeling_uitkomst": "Treeknorm: intake binnen 4 weken, behandeling binnen 14 weken."})

form("verwijzing-intake", "Aanmelding en intake", "Intake binnen 4 weken na aanmelding.",
     {"intake_datum": date("Datum intake"), "aanbieder": text("Aanbieder en team"),
      "verwachte_start": date("Verwachte start behandeling")},
     ["intake_datum", "aanbieder"],
     {"intake_datum": "date", "verwachte_start": "date"})

form("verwijzing-start-behandeling", "Start behandeling",
     "Behandeling binnen 14 weken na aanmelding.",
     {"start_datum": date("Startdatum behandeling"), "behandelteam": text("Behandelteam"),
      "afspraken": long_text("Afspraken", max_length=1000)},
     ["start_datum"], {"start_datum": "date", "afspraken": "textarea"})

# ---------------------------------------------------------------- P3 afschalen
form("afschalen-evaluatie", "Evaluatie met bewoner",
     "ZRM en Positieve Gezondheid opnieuw, crisisplan nalopen, wens van de bewoner.",
     {"zrm": zrm_block("Zelfredzaamheid (ZRM) nu"),
      "positieve_gezondheid": pg_block(),
      "aanleiding_domeinen": multi("ZRM-domeinen die tot opschalen leidden", ZRM),
      "weken_zonder_crisis": integer("Aantal weken zonder crisissignaal", 0, 520),
      "crisisplan_gecontroleerd": boolean("Crisisplan nagelopen"),
      "bewoner_wil_afschalen": boolean("Bewoner wil afschalen"),
      "netwerk_op_orde": boolean("Netwerk en steunkring op orde"),
      "ontvangende_partij": choice("Wie kan het overnemen",
                                   [*RECEIVERS, ("geen", "Nog niemand")])},
     ["zrm", "positieve_gezondheid", "aanleiding_domeinen", "weken_zonder_crisis",
      "crisisplan_gecontroleerd", "bewoner_wil_afschalen", "netwerk_op_orde",
      "ontvangende_partij"],
     {"zrm": "scale", "positieve_gezondheid": "scale", "aanleiding_domeinen": "checkbox",
      "crisisplan_gecontroleerd": "checkbox", "bewoner_wil_afschalen": "radio",
      "netwerk_op_orde": "radio", "ontvangende_partij": "select"},
     {"aanleiding_domeinen": "Vooraf ingevuld uit het opschaalmoment.",
      "weken_zonder_crisis": "Afschalen kan vanaf 8 weken zonder crisissignaal."})

form("afschalen-overdracht", "Warme overdracht voorbereiden",
     "Overdracht aan de ontvangende partij, met een snelle terugkeerroute.",
     {"ontvanger": choice("Ontvangende partij", RECEIVERS),
      "ontvanger_naam": text("Team of praktijk"),
      "overdrachtsdatum": date("Voorgestelde datum driegesprek"),
      "terugkeerroute": long_text("Snelle terugkeerroute (wie belt wie bij terugval)",
                                  max_length=1000),
      "toestemming_overdracht": boolean("Bewoner stemt in met de overdracht")},
     ["ontvanger", "ontvanger_naam", "terugkeerroute", "toestemming_overdracht"],
     {"ontvanger": "select", "overdrachtsdatum": "date", "terugkeerroute": "textarea",
      "toestemming_overdracht": "checkbox"},
     {"toestemming_overdracht": "Zonder instemming geen overdracht."})

form("afschalen-overdracht-acceptatie", "Overdracht accepteren",
     "De ontvangende partij accepteert binnen 5 werkdagen.",
     {"overdracht_geaccepteerd": boolean("Overdracht geaccepteerd"),
      "contactpersoon": text("Contactpersoon bij de ontvanger"),
      "reden_niet_geaccepteerd": long_text("Reden als niet geaccepteerd", max_length=500)},
     ["overdracht_geaccepteerd"],
     {"overdracht_geaccepteerd": "radio", "reden_niet_geaccepteerd": "textarea"},
     {"overdracht_geaccepteerd": "Niet geaccepteerd: de regievoerder zoekt een andere ontvanger."},
     {"if": {"properties": {"overdracht_geaccepteerd": {"const": False}}},
      "then": {"required": ["reden_niet_geaccepteerd"]},
      "else": {"required": ["contactpersoon"]}})

form("afschalen-driegesprek", "Driegesprek",
     "Bewoner, huidige en nieuwe regie samen; de terugkeerroute staat in het plan.",
     {"gesprek_datum": date("Datum driegesprek"),
      "nieuwe_regievoerder": text("Nieuwe regievoerder (rol en team)"),
      "terugkeerroute_in_plan": boolean("Snelle terugkeerroute staat in het plan"),
      "afspraken": long_text("Afspraken", max_length=1000)},
     ["gesprek_datum", "nieuwe_regievoerder", "terugkeerroute_in_plan"],
     {"gesprek_datum": "date", "terugkeerroute_in_plan": "checkbox", "afspraken": "textarea"},
     {"terugkeerroute_in_plan": "Verplicht voor afschalen."})

form("afschalen-nazorg", "Nazorgcontact", "Na 2 weken en na 3 maanden: gaat het nog goed?",
     {"terugval": boolean("Signalen van terugval"),
      "signalen": multi("Welke signalen", [
          ("zrm_daling", "ZRM-daling"), ("gemiste_contacten", "Gemiste contacten"),
          ("vroegsignaal", "Vroeg signaal uit signaleringsplan"),
          ("woningverlies", "Dreigend woningverlies"), ("politiecontact", "Politiecontact")]),
      "urgentie": choice("Urgentie bij terugval", [("24u", "24 uur"), ("regulier", "Regulier")]),
      "toelichting": long_text("Toelichting", max_length=500)},
     ["terugval"],
     {"terugval": "radio", "signalen": "checkbox", "urgentie": "radio",
      "toelichting": "textarea"},
     {"terugval": "Ja stuurt een terugvalsignaal: opschalen start direct."},
     {"if": {"properties": {"terugval": {"const": True}}},
      "then": {"required": ["signalen", "urgentie"]}})

# ---------------------------------------------------------------- leren
form("leren-leersessie", "Leersessie voorbereiden",
     "Tweewekelijks: de als leercasus gemarkeerde casussen, gepseudonimiseerd.",
     {"leercasussen": {"type": "array", "title": "Leercasussen (gepseudonimiseerd)",
                       "readOnly": True,
                       "items": {"type": "object",
                                 "properties": {"pseudoniem": text("Pseudoniem"),
                                                "leervraag": long_text("Leervraag"),
                                                "route": choice("Route", ROUTES),
                                                "gemarkeerd_op": date("Gemarkeerd op")},
                                 "required": ["pseudoniem", "leervraag"],
                                 "additionalProperties": False}},
      "besproken": {"type": "array", "title": "Te bespreken casussen (pseudoniemen)",
                    "uniqueItems": True, "items": {"type": "string", "maxLength": 40}},
      "sessiedatum": date("Datum leersessie"),
      "leerpunten": long_text("Leerpunten voor het netwerk")},
     ["leercasussen", "sessiedatum"],
     {"leercasussen": "repeat", "besproken": "checkbox", "sessiedatum": "date",
      "leerpunten": "textarea"},
     {"leercasussen": "Door de dienst ingevuld; geen namen of herleidbare gegevens.",
      "leerpunten": "Wat leren we als netwerk? Geen gegevens van bewoners."})


def main():
    out = ROOT / "forms"
    out.mkdir(exist_ok=True)
    for name, schema in FORMS.items():
        (out / f"{name}.schema.json").write_text(
            json.dumps(schema, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
