"""Write processes/*.bpmn for the Zorgpad pathways from the compact descriptions below.

Usage: python scripts/build_pathways.py [--check]
The .bpmn files are what the engine and the tests read; rerun this after editing here,
or edit the XML in a modeller and stop using this script for that file.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pathways_dsl import Process  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LABEL = {
    "reporter": "Melder (bewoner, huisarts, politie, corporatie, buren)",
    "wijkteam-triage": "Wijkteam – triage en vraagverkenning",
    "wijkteam-regie": "Wijkteam – regievoerder",
    "peer-expert": "Ervaringsdeskundige / nulde lijn",
    "ggd-meldpunt": "GGD – Meldpunt zorg en overlast",
    "ggz-fact": "Specialistische ggz – FACT-team",
    "ggz-crisis": "Specialistische ggz – crisisdienst",
    "verslavingszorg": "Verslavingszorg",
    "begeleiding": "Begeleiding en beschermd wonen",
    "gemeente-wmo": "Gemeente – Wmo-consulent",
    "gemeente-wvggz": "Gemeente – Wvggz",
    "verzekeraar": "Zorgverzekeraar – wachtlijstbemiddeling (geen dossierinzage)",
}
WD = "=add_working_days(now(), {})"
ESC = "Escaleren naar regievoerder"


def lanes(*spec):
    return [(k, LABEL[k], r) for k, r in spec]


def escalation(p, host, timer_id, duration, what, col, row=1, slot=0, side=None, due="PT4H"):
    """Non-interrupting boundary timer on `host` -> escalation task for the case director."""
    p.boundary_timer(timer_id, f"{what}: termijn verstreken", host, duration, slot=slot,
                     side=side)
    esc = f"ut_esc_{host.removeprefix('ut_')}"
    p.user(esc, f"{ESC} ({what})", "wijkteam-regie", col, "escalatie.schema.json", due,
           priority=90, row=row)
    end = f"end_esc_{host.removeprefix('ut_')}"
    p.end(end, "Escalatie afgehandeld", "wijkteam-regie", col + 1, row=row)
    p.chain(timer_id, esc, end)


# --------------------------------------------------------------------------------------
def triage() -> Process:
    p = Process("triage", "P1 Triage: melding, vraagverkenning en route", lanes(
        ("reporter", 1), ("wijkteam-triage", 2), ("ggz-fact", 1), ("peer-expert", 2),
        ("ggd-meldpunt", 2), ("gemeente-wvggz", 1), ("gemeente-wmo", 1),
        ("wijkteam-regie", 2)),
        "Van melding tot passende route. Start op bericht 'melding' (ook bij handmatige start: "
        "de dienst stuurt dan zelf het bericht).")
    T, R = "wijkteam-triage", "wijkteam-regie"
    p.message_start("start_melding", "Melding ontvangen", "reporter", 0, "melding", "melding")
    p.user("ut_melding", "Melding vastleggen", T, 2, "triage-melding.schema.json", "PT4H",
           priority=75, doc="Alleen wie, contact, vraag in eigen woorden, melder, toestemming, "
           "acute signalen.")
    p.xor("gw_acuut", "Acute signalen?", T, 3)
    p.throw("throw_crisismelding", "Crisisdienst inschakelen", T, 4, "crisismelding",
            '{"urgentie": urgentie, "signalen": acute_signalen}', row=1)
    p.receive("rt_crisis_beoordeeld", "Crisisbeoordeling afwachten", T, 5,
              "crisis-beoordeeld", "crisis_beoordeeld", row=1)
    p.xor("gw_na_crisis", "Vervolg na crisisbeoordeling?", T, 6, row=1)
    p.throw("throw_opschalen_crisis", "Opschaalverzoek na crisis", T, 7, "opschaalverzoek",
            '{"reden": "crisisbeoordeling", "urgentie": urgentie}', row=1)
    p.end("end_opgeschaald_crisis", "Opgeschaald na crisis", T, 8.5, row=1)
    p.xor("gw_contact", "", T, 7)
    p.user("ut_eerste_contact", "Eerste contact leggen", T, 8, "triage-eerste-contact.schema.json",
           WD.format(2), priority=75)
    escalation(p, "ut_eerste_contact", "bt_eerste_contact", '"P2D"', "eerste contact", 9)
    p.user("ut_vraagverkenning", "Vraagverkenning met bewoner (huisbezoek)", T, 9.5,
           "triage-vraagverkenning.schema.json", "P2W", priority=50,
           groups="wijkteam-triage,peer-expert")
    p.rule("br_urgentie_route", "Urgentie en route bepalen", T, 10.5, "triage_urgentie_route")
    p.xor("gw_casus", "Complexe casus?", T, 11.5)
    p.user("ut_casusoverleg", "Casusoverleg", R, 12.5, "casusoverleg.schema.json", "P1W",
           priority=50, groups="wijkteam-regie,wijkteam-triage,peer-expert,ggz-fact")
    p.xor("gw_route_in", "", T, 13.5)
    p.xor("gw_route", "Route?", T, 14.5)
    # (c) meekijkconsult
    p.user("ut_meekijkconsult", "Meekijkconsult specialistische zorg", "ggz-fact", 15.5,
           "triage-meekijkconsult.schema.json", "P1W", priority=50,
           groups="ggz-fact,verslavingszorg")
    p.xor("gw_advies", "Advies: opschalen?", "ggz-fact", 16.5)
    # (d) opschalen
    p.xor("gw_opschalen_in", "", T, 20.5, row=1)
    p.throw("throw_opschaalverzoek", "Opschaalverzoek versturen", T, 21.5, "opschaalverzoek",
            '{"reden": reden, "urgentie": urgentie}', row=1)
    p.end("end_opgeschaald", "Opgeschaald", T, 22.5, row=1)
    # (a) nulde lijn with 4-week follow-up
    p.user("ut_nulde_lijn", "Steunkring en nulde lijn inzetten", "peer-expert", 15.5,
           "triage-nulde-lijn.schema.json", "P1W", priority=50,
           groups="peer-expert,wijkteam-triage")
    p.timer("tm_vervolg_4w", "Vervolg na 4 weken", "peer-expert", 16.5, '"P4W"')
    p.user("ut_vervolgcontact", "Vervolgcontact na 4 weken", "peer-expert", 17.5,
           "triage-vervolgcontact.schema.json", "P1W", priority=50,
           groups="peer-expert,wijkteam-triage")
    p.xor("gw_meer_steun", "Meer steun nodig?", "peer-expert", 18.5)
    p.end("end_nulde_lijn", "Steun in nulde lijn", "peer-expert", 19.5, row=1)
    # (e) meldpunt zorg en overlast / Wvggz
    p.user("ut_meldpunt", "Melding zorg en overlast oppakken", "ggd-meldpunt", 15.5,
           "meldpunt-melding.schema.json", WD.format(2), priority=75)
    escalation(p, "ut_meldpunt", "bt_meldpunt", '"P2D"', "meldpunt", 16.5)
    p.xor("gw_meldpunt", "Vervolg meldpunt?", "ggd-meldpunt", 16.5)
    p.end("end_bemoeizorg", "Bemoeizorg door GGD", "ggd-meldpunt", 17.5, row=1)
    p.user("ut_wvggz_onderzoek", "Verkennend onderzoek Wvggz", "gemeente-wvggz", 18.5,
           "wvggz-verkennend-onderzoek.schema.json", "P14D", priority=75)
    escalation(p, "ut_wvggz_onderzoek", "bt_wvggz_onderzoek", '"P14D"', "Wvggz-onderzoek", 19.5)
    p.end("end_wvggz", "Verkennend onderzoek afgerond", "gemeente-wvggz", 20.5)
    # (b) wijkteamplan with Wmo
    p.xor("gw_plan_in", "", R, 21.5)
    p.user("ut_plan", "Gezamenlijk plan opstellen", R, 22.5, "triage-plan.schema.json", "P2W",
           priority=50, groups="wijkteam-regie,wijkteam-triage")
    p.xor("gw_wmo", "Wmo-voorziening nodig?", R, 23.5)
    p.user("ut_wmo_onderzoek", "Wmo-onderzoek (keukentafelgesprek)", "gemeente-wmo", 24.5,
           "wmo-onderzoek.schema.json", "P6W", priority=50)
    escalation(p, "ut_wmo_onderzoek", "bt_wmo_onderzoek", '"P6W"', "Wmo-onderzoek 6 weken",
               25.5)
    p.user("ut_wmo_besluit", "Wmo-aanvraag beslissen", "gemeente-wmo", 27,
           "wmo-besluit.schema.json", "P2W", priority=50)
    escalation(p, "ut_wmo_besluit", "bt_wmo_besluit", '"P2W"', "Wmo-besluit 2 weken", 28)
    p.xor("gw_wmo_uit", "", R, 29)
    p.end("end_plan", "Plan in uitvoering", R, 30)

    f = p.flow
    p.chain("start_melding", "ut_melding", "gw_acuut")
    f("gw_acuut", "throw_crisismelding", "ja", "len(acute_signalen) > 0")
    f("gw_acuut", "gw_contact", "nee", default=True)
    p.chain("throw_crisismelding", "rt_crisis_beoordeeld", "gw_na_crisis")
    f("gw_na_crisis", "throw_opschalen_crisis", "opschalen",
      'crisis_beoordeeld.get("vervolg") == "opschalen"')
    f("gw_na_crisis", "gw_contact", "terug naar wijkteam", default=True)
    f("throw_opschalen_crisis", "end_opgeschaald_crisis")
    p.chain("gw_contact", "ut_eerste_contact", "ut_vraagverkenning", "br_urgentie_route",
            "gw_casus")
    f("gw_casus", "ut_casusoverleg", "ja", "casusoverleg == True")
    f("gw_casus", "gw_route_in", "nee", default=True)
    p.chain("ut_casusoverleg", "gw_route_in", "gw_route")
    f("gw_route", "ut_nulde_lijn", "nulde lijn", 'route == "nulde_lijn"')
    f("gw_route", "gw_plan_in", "wijkteam", default=True)
    f("gw_route", "ut_meekijkconsult", "meekijkconsult", 'route == "meekijkconsult"')
    f("gw_route", "gw_opschalen_in", "opschalen", 'route == "opschalen"')
    f("gw_route", "ut_meldpunt", "meldpunt / Wvggz", 'route == "meldpunt_wvggz"')
    f("ut_meekijkconsult", "gw_advies")
    f("gw_advies", "gw_opschalen_in", "ja", "advies_opschalen == True")
    f("gw_advies", "gw_plan_in", "nee", default=True, via="h")
    p.chain("gw_opschalen_in", "throw_opschaalverzoek", "end_opgeschaald")
    p.chain("ut_nulde_lijn", "tm_vervolg_4w", "ut_vervolgcontact", "gw_meer_steun")
    f("gw_meer_steun", "gw_plan_in", "ja", "meer_steun_nodig == True", via="h")
    f("gw_meer_steun", "end_nulde_lijn", "nee", default=True)
    f("ut_meldpunt", "gw_meldpunt")
    f("gw_meldpunt", "ut_wvggz_onderzoek", "Wvggz", 'vervolg_meldpunt == "wvggz"')
    f("gw_meldpunt", "gw_opschalen_in", "opschalen", 'vervolg_meldpunt == "opschalen"',
      via="h")
    f("gw_meldpunt", "end_bemoeizorg", "bemoeizorg", default=True)
    f("ut_wvggz_onderzoek", "end_wvggz")
    p.chain("gw_plan_in", "ut_plan", "gw_wmo")
    f("gw_wmo", "ut_wmo_onderzoek", "ja", "wmo_voorziening_nodig == True")
    f("gw_wmo", "gw_wmo_uit", "nee", default=True)
    p.chain("ut_wmo_onderzoek", "ut_wmo_besluit")
    f("ut_wmo_besluit", "gw_wmo_uit", via="h")
    f("gw_wmo_uit", "end_plan")
    return p


def crisisbeoordeling() -> Process:
    p = Process("crisisbeoordeling", "Crisisbeoordeling door de crisisdienst",
                lanes(("ggz-crisis", 1), ("wijkteam-regie", 1)),
                "Start op bericht 'crisismelding'; antwoordt met 'crisis-beoordeeld'.")
    urg = 'crisismelding["urgentie"]'
    p.message_start("start_crisismelding", "Crisismelding ontvangen", "ggz-crisis", 0,
                    "crisismelding", "crisismelding")
    p.user("ut_crisisbeoordeling", "Crisisbeoordeling ter plaatse", "ggz-crisis", 1,
           "crisisbeoordeling.schema.json",
           f'="PT1H" if {urg} == "1u" else "PT4H" if {urg} == "4u" else "PT24H"',
           priority=f'=100 if {urg} == "1u" else 90 if {urg} == "4u" else 75')
    escalation(p, "ut_crisisbeoordeling", "bt_crisisbeoordeling",
               f'"PT1H" if {urg} == "1u" else "PT4H" if {urg} == "4u" else "PT24H"',
               "crisisbeoordeling", 2, row=0, due="PT1H")
    p.end("end_crisis_beoordeeld", "Crisis beoordeeld", "ggz-crisis", 3,
          message="crisis-beoordeeld",
          payload='{"uitkomst": uitkomst, "vervolg": vervolg}')
    p.flow("start_crisismelding", "ut_crisisbeoordeling")
    p.flow("ut_crisisbeoordeling", "end_crisis_beoordeeld")
    return p


def opschalen() -> Process:
    p = Process("opschalen", "P2 Opschalen", lanes(
        ("wijkteam-regie", 3), ("gemeente-wvggz", 1), ("ggz-fact", 3),
        ("verslavingszorg", 1), ("begeleiding", 1), ("verzekeraar", 1)),
        "Start op 'opschaalverzoek' (ook voor een signaal van een professional) of "
        "'terugvalsignaal' uit de nazorg.")
    R, F = "wijkteam-regie", "ggz-fact"
    p.message_start("start_opschaalverzoek", "Opschaalverzoek ontvangen", R, 0,
                    "opschaalverzoek", "opschaalverzoek")
    p.message_start("start_terugvalsignaal", "Terugvalsignaal ontvangen", R, 0,
                    "terugvalsignaal", "terugvalsignaal", row=1)
    p.xor("gw_start", "", R, 1)
    p.user("ut_signaal", "Signaal beoordelen", R, 2, "opschalen-signaal.schema.json",
           WD.format(1), priority=75, groups="wijkteam-regie,ggz-fact")
    escalation(p, "ut_signaal", "bt_signaal", '"P1D"', "signaalbeoordeling", 4)
    p.xor("gw_acuut", "Acuut?", R, 3)
    p.throw("throw_crisismelding", "Crisisdienst inschakelen", R, 4, "crisismelding",
            '{"urgentie": urgentie, "signalen": [signaal_type]}', row=2)
    p.receive("rt_crisis_beoordeeld", "Crisisbeoordeling afwachten", R, 5,
              "crisis-beoordeeld", "crisis_beoordeeld", row=2)
    p.xor("gw_na_acuut", "", R, 6)
    p.xor("gw_wvggz", "Zorgweigering met ernstig nadeel?", R, 7)
    p.user("ut_wvggz_onderzoek", "Verkennend onderzoek Wvggz", "gemeente-wvggz", 8,
           "wvggz-verkennend-onderzoek.schema.json", "P14D", priority=75)
    escalation(p, "ut_wvggz_onderzoek", "bt_wvggz_onderzoek", '"P14D"', "Wvggz-onderzoek",
               8.5, row=1, side="top")
    p.xor("gw_na_wvggz", "", R, 10.5)
    p.add_par("gw_zorg_split", "Zorg inzetten", R, 11.5)
    p.xor("gw_fact", "Bekend bij FACT?", F, 12.5)
    p.user("ut_bordbesluit", "Besluit FACT-bordoverleg", F, 13.5, "fact-bordbesluit.schema.json",
           "P1D", priority=90)
    p.xor("gw_op_bord", "Op het FACT-bord?", F, 14.5)
    p.timer("tm_dag", "Volgend bordoverleg (1 dag)", F, 15.5, '"P1D"', row=1)
    p.user("ut_bordbespreking", "Dagelijkse bordbespreking", F, 16.5,
           "fact-bordbespreking.schema.json", "P1D", priority=90, row=1)
    p.call("ca_verwijzing", "Verwijzing specialistische zorg", F, 13.5, "verwijzing", row=2)
    p.boundary_timer("bt_wachttijd_14w", "14 weken na aanmelding (Treeknorm)", "ca_verwijzing",
                     '"P14W"')
    p.user("ut_wachtlijstbemiddeling", "Wachtlijstbemiddeling (14 weken)", "verzekeraar", 14.5,
           "wachtlijstbemiddeling.schema.json", "P1W", priority=75)
    p.end("end_wachtlijstbemiddeling", "Bemiddeling afgerond", "verzekeraar", 15.5)
    p.xor("gw_fact_uit", "", F, 17.5)
    p.xor("gw_verslaving", "Verslavingszorg nodig?", "verslavingszorg", 12.5)
    p.xor("gw_verslaving_uit", "", "verslavingszorg", 17.5)
    p.xor("gw_begeleiding", "Begeleiding nodig?", "begeleiding", 12.5)
    p.xor("gw_begeleiding_uit", "", "begeleiding", 17.5)
    p.user("ut_verslavingszorg", "Verslavingszorg inzetten", "verslavingszorg", 15.5,
           "opschalen-verslavingszorg.schema.json", "P1W", priority=75)
    p.user("ut_begeleiding", "Begeleiding en wonen inzetten", "begeleiding", 15.5,
           "opschalen-begeleiding.schema.json", "P1W", priority=50)
    p.add_par("gw_zorg_join", "", R, 18.5)
    p.user("ut_plan_herzien", "Gezamenlijk plan herzien met bewoner", R, 19.5,
           "opschalen-plan-herzien.schema.json", "P1W", priority=75,
           groups="wijkteam-regie,ggz-fact")
    p.end("end_start_evaluatie", "Evaluatie starten", R, 20.5, message="start-evaluatie",
          payload='{"reden": "opschaling afgerond", "aanleiding_domeinen": aanleiding_domeinen}')

    f = p.flow
    for s in ("start_opschaalverzoek", "start_terugvalsignaal"):
        f(s, "gw_start")
    p.chain("gw_start", "ut_signaal", "gw_acuut")
    f("gw_acuut", "throw_crisismelding", "ja", "acuut == True")
    f("gw_acuut", "gw_na_acuut", "nee", default=True)
    p.chain("throw_crisismelding", "rt_crisis_beoordeeld", "gw_na_acuut")
    p.chain("gw_na_acuut", "gw_wvggz")
    f("gw_wvggz", "ut_wvggz_onderzoek", "ja", "weigert_zorg_ernstig_nadeel == True")
    f("gw_wvggz", "gw_na_wvggz", "nee", default=True)
    f("ut_wvggz_onderzoek", "gw_na_wvggz", via="h")
    f("gw_na_wvggz", "gw_zorg_split")
    f("gw_zorg_split", "gw_fact")
    f("gw_zorg_split", "gw_verslaving")
    f("gw_zorg_split", "gw_begeleiding")
    f("gw_verslaving", "ut_verslavingszorg", "ja", "verslavingszorg_nodig == True")
    f("gw_verslaving", "gw_verslaving_uit", "nee", default=True, via="below")
    f("ut_verslavingszorg", "gw_verslaving_uit")
    f("gw_begeleiding", "ut_begeleiding", "ja", "begeleiding_nodig == True")
    f("gw_begeleiding", "gw_begeleiding_uit", "nee", default=True, via="below")
    f("ut_begeleiding", "gw_begeleiding_uit")
    f("gw_fact", "ut_bordbesluit", "ja", "bekend_bij_fact == True")
    f("gw_fact", "ca_verwijzing", "nee", default=True)
    f("ut_bordbesluit", "gw_op_bord")
    f("gw_op_bord", "tm_dag", "ja", "op_fact_bord == True")
    f("gw_op_bord", "gw_fact_uit", "nee", default=True)
    f("tm_dag", "ut_bordbespreking")
    f("ut_bordbespreking", "gw_op_bord", via="above")
    f("ca_verwijzing", "gw_fact_uit", via="h")
    p.chain("bt_wachttijd_14w", "ut_wachtlijstbemiddeling", "end_wachtlijstbemiddeling")
    f("gw_fact_uit", "gw_zorg_join", via="h")
    f("gw_verslaving_uit", "gw_zorg_join", via="h")
    f("gw_begeleiding_uit", "gw_zorg_join", via="h")
    p.chain("gw_zorg_join", "ut_plan_herzien", "end_start_evaluatie")
    return p


def verwijzing() -> Process:
    p = Process("verwijzing", "Verwijzing specialistische zorg (Treeknorm)",
                lanes(("ggz-fact", 1), ("verzekeraar", 1)),
                "Aangeroepen vanuit opschalen. Intake binnen 4 weken, behandeling binnen 14.")
    F = "ggz-fact"
    p.start("start_verwijzing", "Verwezen", F, 0)
    p.user("ut_intake", "Aanmelding en intake", F, 1, "verwijzing-intake.schema.json", "P4W",
           priority=50, groups="ggz-fact,verslavingszorg")
    p.boundary_timer("bt_wachttijd_4w", "4 weken na aanmelding (Treeknorm)", "ut_intake",
                     '"P4W"')
    p.user("ut_wachtlijstbemiddeling", "Wachtlijstbemiddeling (4 weken)", "verzekeraar", 2,
           "wachtlijstbemiddeling.schema.json", "P1W", priority=75)
    p.end("end_wachtlijstbemiddeling", "Bemiddeling afgerond", "verzekeraar", 3)
    p.user("ut_start_behandeling", "Start behandeling", F, 2.5,
           "verwijzing-start-behandeling.schema.json", "P10W", priority=50,
           groups="ggz-fact,verslavingszorg")
    p.end("end_verwijzing", "Behandeling gestart", F, 3.5)
    p.chain("start_verwijzing", "ut_intake", "ut_start_behandeling", "end_verwijzing")
    p.chain("bt_wachttijd_4w", "ut_wachtlijstbemiddeling", "end_wachtlijstbemiddeling")
    return p


def afschalen() -> Process:
    p = Process("afschalen", "P3 Afschalen en nazorg",
                lanes(("wijkteam-regie", 2), ("wijkteam-triage", 2)),
                "Start op 'start-evaluatie'. Evaluatie elke 3 maanden tot afschalen kan.")
    R, T = "wijkteam-regie", "wijkteam-triage"
    p.message_start("start_evaluatie", "Evaluatie gevraagd", R, 0, "start-evaluatie",
                    "start_evaluatie")
    p.xor("gw_evaluatie_in", "", R, 1)
    p.user("ut_evaluatie", "Evaluatie met bewoner", R, 2, "afschalen-evaluatie.schema.json",
           "P2W", priority=50, groups="wijkteam-regie,ggz-fact")
    p.script("st_aanleiding", "Laagste score aanleiding bepalen", R, 3,
             "laagste_aanleiding = 5\n"
             "for domein in aanleiding_domeinen:\n"
             "    laagste_aanleiding = min(laagste_aanleiding, zrm[domein])\n")
    p.rule("br_gereedheid", "Gereedheid afschalen bepalen", R, 4, "afschalen_gereedheid")
    p.xor("gw_gereed", "Klaar om af te schalen?", R, 5)
    p.timer("tm_herbeoordeling", "Herbeoordeling na 3 maanden", R, 5, '"P3M"', row=1)
    p.xor("gw_overdracht_in", "", R, 6)
    p.user("ut_overdracht", "Warme overdracht voorbereiden", R, 7,
           "afschalen-overdracht.schema.json", "P1W", priority=50)
    p.user("ut_overdracht_accepteren", "Overdracht accepteren", T, 8,
           "afschalen-overdracht-acceptatie.schema.json", WD.format(5), priority=50,
           groups="wijkteam-triage,peer-expert")
    escalation(p, "ut_overdracht_accepteren", "bt_overdracht", '"P7D"', "overdracht 5 werkdagen",
               8.5, row=1, side="top")
    p.xor("gw_geaccepteerd", "Overdracht geaccepteerd?", T, 9)
    p.user("ut_driegesprek", "Driegesprek met bewoner en nieuwe regie", R, 10,
           "afschalen-driegesprek.schema.json", "P2W", priority=50,
           groups="wijkteam-regie,wijkteam-triage")
    p.timer("tm_nazorg_2w", "Nazorg na 2 weken", T, 11, '"P2W"')
    p.user("ut_nazorg_2w", "Nazorgcontact na 2 weken", T, 12, "afschalen-nazorg.schema.json",
           "P3D", priority=50, groups="wijkteam-triage,peer-expert")
    p.xor("gw_terugval_2w", "Terugval?", T, 13)
    p.end("end_terugval_2w", "Terugvalsignaal", T, 14, row=1, message="terugvalsignaal",
          payload='{"reden": "terugval na 2 weken nazorg", "urgentie": urgentie}')
    p.timer("tm_nazorg_3m", "Nazorg 3 maanden na overdracht", T, 14, '"P10W"')
    p.user("ut_nazorg_3m", "Nazorgcontact na 3 maanden", T, 15, "afschalen-nazorg.schema.json",
           "P3D", priority=50, groups="wijkteam-triage,peer-expert")
    p.xor("gw_terugval_3m", "Terugval?", T, 16)
    p.end("end_terugval_3m", "Terugvalsignaal", T, 17, row=1, message="terugvalsignaal",
          payload='{"reden": "terugval na 3 maanden nazorg", "urgentie": urgentie}')
    p.end("end_nazorg", "Nazorg afgerond", T, 17)

    f = p.flow
    p.chain("start_evaluatie", "gw_evaluatie_in", "ut_evaluatie", "st_aanleiding",
            "br_gereedheid", "gw_gereed")
    f("gw_gereed", "gw_overdracht_in", "ja", "gereed == True")
    f("gw_gereed", "tm_herbeoordeling", "nee", default=True)
    f("tm_herbeoordeling", "gw_evaluatie_in", via="left")
    p.chain("gw_overdracht_in", "ut_overdracht", "ut_overdracht_accepteren", "gw_geaccepteerd")
    f("gw_geaccepteerd", "ut_driegesprek", "ja", "overdracht_geaccepteerd == True")
    f("gw_geaccepteerd", "gw_overdracht_in", "nee, andere ontvanger", default=True, via="below")
    p.chain("ut_driegesprek", "tm_nazorg_2w", "ut_nazorg_2w", "gw_terugval_2w")
    f("gw_terugval_2w", "end_terugval_2w", "ja", "terugval == True")
    f("gw_terugval_2w", "tm_nazorg_3m", "nee", default=True)
    p.chain("tm_nazorg_3m", "ut_nazorg_3m", "gw_terugval_3m")
    f("gw_terugval_3m", "end_terugval_3m", "ja", "terugval == True")
    f("gw_terugval_3m", "end_nazorg", "nee", default=True)
    return p


def leren() -> Process:
    p = Process("leren", "Actieleren: leercasussen verzamelen", lanes(("wijkteam-regie", 1)),
                "Elke twee weken een exemplaar; de dienst vult 'leercasussen' (gepseudonimiseerd) "
                "met de casussen die in een casusoverleg als leercasus zijn gemarkeerd.")
    R = "wijkteam-regie"
    p.timer_start("start_leren", "Elke twee weken", R, 0, '"R/P2W"')
    p.user("ut_leersessie", "Leersessie voorbereiden", R, 1, "leren-leersessie.schema.json",
           "P1W", priority=25, groups="wijkteam-regie,peer-expert,ggz-fact")
    p.end("end_leren", "Leersessie voorbereid", R, 2)
    p.chain("start_leren", "ut_leersessie", "end_leren")
    return p


ALL = [triage, crisisbeoordeling, opschalen, verwijzing, afschalen, leren]


def main(argv):
    bad = False
    for make in ALL:
        p = make()
        xml = p.to_xml()
        for edge, node in p.crossings():
            print(f"{p.pid}: edge {edge} crosses {node}")
            bad = True
        if "--check" not in argv:
            (ROOT / "processes" / f"{p.pid}.bpmn").write_text(xml, encoding="utf-8")
    return 1 if bad and "--check" in argv else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
